"""How the co-ops vote on amendments: the "amendment" and "group" subjects of the voting module.

A single amendment is decided by the rule its section's kind calls for in the standard's policy;
a group of competing amendments by ranked choice, the status quo always among the options.
"""
from __future__ import annotations

import json
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import notices
from ..errors import Conflict, NextStep, NotFound
from ..extensions import db
from ..i18n import status_label
from ..policies import queries as policies
from ..standards.models import Section
from ..voting.policy import preset_for_group
from ..voting.subjects import SubjectHandler, TextPart
from . import adoption, last_call, services, voted_text
from .models import Amendment, CompetingGroup
from .states import LIVE_STATES


def _live(group: CompetingGroup) -> list[Amendment]:
    return [a for a in group.amendments if a.state in LIVE_STATES | {"voting"}]


class AmendmentHandler(SubjectHandler):
    kind = "amendment"
    label = _l("Amendment")

    def load(self, subject_id: int) -> Amendment:
        amendment = db.session.get(Amendment, subject_id)
        if amendment is None:
            raise NotFound(_("No amendment with that number."))
        return amendment

    def title(self, subject: Amendment) -> str:
        return f"{subject.reference}: {subject.title}"[:300]

    def frozen_text(self, subject: Amendment) -> str:
        return adoption.frozen_text(subject)

    def readable_text(self, text: str) -> list[TextPart]:
        return voted_text.readable(text)

    def standard_id(self, subject: Amendment) -> int:
        return subject.standard_id

    def terms(self, subject: Amendment) -> dict[str, Any]:
        return services.current_terms(subject)

    def rule_preset(self, subject: Amendment) -> str:
        return self.terms(subject)["rule"]

    def check_can_open(self, subject: Amendment) -> None:
        if subject.group_id is not None and subject.state in LIVE_STATES:
            raise Conflict(_("%(reference)s competes with other amendments: open a vote on its group instead.", reference=subject.reference),
                           next_step=NextStep(_("Open the ranked vote on these competing amendments"), "votes.new",
                                              {"subject": f"group:{subject.group_id}"}))
        if subject.state != "open":
            raise Conflict(_("%(reference)s is %(state)s: only open amendments can be put to a vote.", reference=subject.reference,
                              state=status_label(subject.state)))
        if subject.kind not in ("insert",) and subject.section is not None \
                and subject.section.head_revision_id != subject.head.base_revision_id:
            raise Conflict(_("%(reference)s is not up to date with the section's text.", reference=subject.reference))
        last_call.check_vote_may_open(subject)

    def candidates(self) -> list[Amendment]:
        return list(db.session.scalars(select(Amendment).where(Amendment.state == "open", Amendment.group_id.is_(None))
                                       .order_by(Amendment.id)))

    def on_open(self, session: Session, subject: Amendment, vote: Any) -> None:
        adoption.start_vote(session, session.get(Amendment, subject.id), None)

    def on_close(self, session: Session, subject: Amendment, vote: Any, outcome: Any) -> str:
        amendment = session.get(Amendment, subject.id)
        if amendment.state != "voting":
            return notices.AMENDMENT_WAS(reference=amendment.reference, state=amendment.state)
        if outcome.passed:
            adoption.apply_amendment(session, amendment, None, notices.ADOPTED_BY_VOTE(vote=vote.id))
            return notices.AMENDMENT_ADOPTED(reference=amendment.reference)
        adoption.reject_amendment(session, amendment, None, notices.NOT_ADOPTED_BY_VOTE(vote=vote.id))
        return notices.AMENDMENT_NOT_ADOPTED(reference=amendment.reference)

    def on_cancel(self, session: Session, subject: Amendment, vote: Any) -> None:
        adoption.cancel_vote(session, session.get(Amendment, subject.id), None, notices.VOTE_CANCELLED(vote=vote.id))

    def link(self, subject: Amendment) -> tuple[str, dict[str, Any]]:
        return "amendments.show", {"slug": subject.standard.slug, "amendment_id": subject.id}


class GroupHandler(SubjectHandler):
    kind = "group"
    label = _l("Competing amendments")

    def load(self, subject_id: int) -> CompetingGroup:
        group = db.session.get(CompetingGroup, subject_id)
        if group is None:
            raise NotFound(_("No group of amendments with that number."))
        return group

    def title(self, subject: CompetingGroup) -> str:
        return subject.title[:300]

    def frozen_text(self, subject: CompetingGroup) -> str:
        return json.dumps([json.loads(adoption.frozen_text(a)) for a in _live(subject)], sort_keys=True,
                          ensure_ascii=False, separators=(",", ":"))

    def readable_text(self, text: str) -> list[TextPart]:
        return voted_text.readable(text)

    def alternatives(self, subject: CompetingGroup) -> list[tuple[str, str]]:
        return [(a.reference, f"{a.reference} · {a.title}") for a in _live(subject)]

    def standard_id(self, subject: CompetingGroup) -> int:
        return subject.standard_id

    def terms(self, subject: CompetingGroup) -> dict[str, Any]:
        # The strictest kind among the competing amendments decides the phases; the group's rule
        # is the policy's ranked preset.
        from ..standards.models import Standard

        standard = db.session.get(Standard, subject.standard_id)
        kinds = [a.change_kind or "principle" for a in _live(subject)] or ["principle"]
        kind = min(kinds, key=("principle", "guidance", "editorial").index)
        return {**policies.terms(standard, kind), "rule": preset_for_group(policies.policy_for(standard))}

    def rule_preset(self, subject: CompetingGroup) -> str:
        return self.terms(subject)["rule"]

    def check_can_open(self, subject: CompetingGroup) -> None:
        live = _live(subject)
        if len(live) < 2:
            raise Conflict(_("Fewer than two of these amendments are still open: vote on the remaining one alone."))
        for amendment in live:
            AmendmentHandler.check_can_open(AMENDMENT, _Ungrouped(amendment))

    def candidates(self) -> list[CompetingGroup]:
        open_in = select(Amendment.group_id).where(Amendment.state == "open", Amendment.group_id.is_not(None))
        return list(db.session.scalars(select(CompetingGroup).where(CompetingGroup.id.in_(open_in)).order_by(CompetingGroup.id)))

    def on_open(self, session: Session, subject: CompetingGroup, vote: Any) -> None:
        for amendment in _live(subject):
            adoption.start_vote(session, session.get(Amendment, amendment.id), None)

    def on_close(self, session: Session, subject: CompetingGroup, vote: Any, outcome: Any) -> str:
        amendments = list(session.scalars(select(Amendment).where(Amendment.group_id == subject.id,
                                                                  Amendment.state == "voting")))
        winner = next((a for a in amendments if outcome.passed and a.reference == outcome.winner), None)
        if winner is None:
            for amendment in amendments:
                adoption.reject_amendment(session, amendment, None, notices.STATUS_QUO_WON(vote=vote.id))
            return notices.NONE_BEAT()
        adoption.apply_amendment(session, winner, None, notices.CHOSEN_BY_VOTE(vote=vote.id))
        return notices.CHOSEN_AND_ADOPTED(reference=winner.reference)

    def on_cancel(self, session: Session, subject: CompetingGroup, vote: Any) -> None:
        for amendment in session.scalars(select(Amendment).where(Amendment.group_id == subject.id)):
            adoption.cancel_vote(session, amendment, None, notices.VOTE_CANCELLED(vote=vote.id))

    def link(self, subject: CompetingGroup) -> tuple[str, dict[str, Any]]:
        from ..standards.models import Standard

        standard = db.session.get(Standard, subject.standard_id)
        return "amendments.index", {"slug": standard.slug, "_anchor": f"group-{subject.id}"}


class _Ungrouped:
    """An amendment seen without its group, to reuse the single-amendment checks."""

    def __init__(self, amendment: Amendment):
        self._amendment = amendment
        self.group_id = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._amendment, name)


# Registered by proposals.init_app, with the hooks below.
AMENDMENT = AmendmentHandler()
GROUP = GroupHandler()


def cancel_votes_on_conflict(session: Session, amendment: Amendment) -> None:
    """The text under vote must change: its vote (and its group's) is cancelled, never left open."""
    from ..voting.closing import cancel_votes_on_subject

    reason = notices.BECAME_CONFLICTED(reference=amendment.reference)
    cancel_votes_on_subject(session, "amendment", amendment.id, reason)
    if amendment.group_id is not None:
        cancel_votes_on_subject(session, "group", amendment.group_id, reason)


def refuse_reorder_under_vote(session: Session, standard) -> None:
    """Sections cannot be added while a vote on inserting or moving one is open (standards' order guard)."""
    from .services import refuse_if_order_under_vote

    refuse_if_order_under_vote(session, standard.id)


def refuse_edit_under_vote(session: Session, section: Section) -> None:
    """A section whose text is under vote cannot be edited (standards' edit guard)."""
    from .services import refuse_if_under_vote

    refuse_if_under_vote(session, section.id)
