"""The "admission" subject: the member co-ops vote on admitting an applicant (or returning) co-op."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import notices
from ..database import utcnow
from ..errors import Conflict, NotFound
from ..extensions import db
from ..i18n import status_label
from ..members.models import Cooperative
from ..members.services import COOP_TRANSITIONS
from ..realtime.events import record_event
from .subjects import SubjectHandler

# Co-ops that may be admitted by a vote: applicants, and co-ops that left and want to return.
ADMISSIBLE = ("applicant", "left")


def admit(session: Session, coop_id: int, *, vote_id: int, actor_id: int | None) -> Cooperative:
    """Make the co-op a member inside the caller's transaction.

    Mirrors members.services.change_coop_status (same transition table, same event), which
    cannot be called here because it opens its own unit of work.
    """
    coop = session.scalar(select(Cooperative).where(Cooperative.id == coop_id).with_for_update()
                          .execution_options(populate_existing=True))
    if coop is None:
        raise NotFound(_("The co-op no longer exists."))
    # Only an applicant (or a co-op that left) is admitted: reinstating a suspended co-op is another decision.
    if coop.status not in ADMISSIBLE or "member" not in COOP_TRANSITIONS.get(coop.status, set()):
        raise Conflict(_("%(coop)s is %(status)s now, so the vote could not admit it.", coop=coop.name, status=status_label(coop.status)))
    previous = coop.status
    coop.status = "member"
    if coop.member_since is None:
        coop.member_since = utcnow()
    record_event(session, "coop_status_changed", "network",
                 {"coop_id": coop.id, "from": previous, "to": "member", "reason": notices.ADMITTED_BY_VOTE(vote=vote_id),
                  "vote_id": vote_id}, actor_id=actor_id)
    return coop


class AdmissionHandler(SubjectHandler):
    kind = "admission"
    label = _l("Admission of a co-op")

    def load(self, subject_id: int) -> Cooperative:
        coop = db.session.get(Cooperative, subject_id)
        if coop is None:
            raise NotFound(_("No co-op with that number."))
        return coop

    def title(self, subject: Cooperative) -> str:
        return notices.ADMIT_TITLE(name=subject.name)

    def frozen_text(self, subject: Cooperative) -> str:
        text = (f"Admission of {subject.name} ({subject.kind} co-op, {subject.country}) "
                f"as a member of the network.")
        if subject.website:
            text += f"\n\nWebsite: {subject.website}"
        if subject.description:
            text += f"\n\n{subject.description}"
        return text

    def terms(self, subject: Any) -> dict[str, Any]:
        from ..policies.queries import admission_terms

        return admission_terms()

    def rule_preset(self, subject: Any) -> str:
        return self.terms(subject)["rule"]

    def candidates(self) -> list[Cooperative]:
        return list(db.session.scalars(select(Cooperative).where(Cooperative.status.in_(ADMISSIBLE)).order_by(Cooperative.name)))

    def check_can_open(self, subject: Cooperative) -> None:
        if subject.status not in ADMISSIBLE:
            raise Conflict(_("%(subject)s is already %(status)s: there is nothing to admit.", subject=subject.name, status=status_label(subject.status)))

    def on_open(self, session: Session, subject: Cooperative, vote: Any) -> None:
        coop = session.get(Cooperative, subject.id)
        if coop.application_public_at is None:  # the application is now a public record, as the vote is
            coop.application_public_at = vote.opens_at

    def on_close(self, session: Session, subject: Cooperative, vote: Any, outcome: Any) -> str | None:
        if not outcome.passed:
            return notices.COOP_STAYS(name=subject.name, status=subject.status)
        coop = admit(session, subject.id, vote_id=vote.id, actor_id=vote.closed_by_id)
        return notices.COOP_NOW_MEMBER(name=coop.name)

    def link(self, subject: Cooperative) -> tuple[str, dict[str, Any]]:
        return "coops.show", {"slug": subject.slug}


# Registered by voting.init_app.
HANDLER = AdmissionHandler()
