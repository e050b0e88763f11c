"""What a formal objection can be about: a registry of decision kinds, one per kind of decision.

Each kind says, for one id, what was decided, when, by whose terms (``objection_days``: how long
objections may be filed), which co-ops are *party* to it, and where its page is. "amendment",
"version" and "admission" are registered here; another feature registers its own kind the same
way (e.g. "declaration_question" from the registry of declarations) with
:func:`register_decision_kind`.

**Party** to an objection (never drawn for its council): the co-op that filed it; the co-ops that
filed another objection to the same decision still pending; and the co-ops the decision is about
or comes from: an amendment's author's and co-authors' co-ops; for a version, those of every
amendment it includes; for an admission, the co-op admitted (or refused).
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import Conflict, NotFound
from ..voting.policy import DEFAULT_PHASES


@dataclass(frozen=True)
class Decision:
    """A decision objections may be filed against."""

    kind: str
    subject_id: int
    title: str  # e.g. "A12 · Plainer words: adopted"
    outcome: str  # adopted, rejected, ratified, admitted, refused, …
    decided_at: datetime
    objection_days: int
    standard_id: int | None
    parties: frozenset[int] = field(default_factory=frozenset)  # co-op ids
    link: tuple[str, dict[str, Any]] = ("appeals.index", {})
    # An adopted amendment: an overturn offers "propose the reverting amendment".
    revertible: bool = False


class DecisionKind(ABC):
    kind: str = ""
    label: Any = ""

    @abstractmethod
    def decision(self, session: Session, subject_id: int) -> Decision:
        """The decision; NotFound if there is no such thing, Conflict if nothing was decided yet."""


_KINDS: dict[str, DecisionKind] = {}


def register_decision_kind(handler: DecisionKind) -> DecisionKind:
    if not isinstance(handler, DecisionKind):
        raise TypeError("register a DecisionKind instance")
    _KINDS[handler.kind] = handler
    return handler


def get_decision_kind(kind: str) -> DecisionKind:
    try:
        return _KINDS[kind]
    except KeyError:
        raise NotFound(_("Formal objections to “%(kind)s” are not possible.", kind=kind)) from None


def registered_decision_kinds() -> list[str]:
    return sorted(_KINDS)


def _days(terms: dict | None, default_kind: str) -> int:
    if terms and isinstance(terms.get("objection_days"), int):
        return terms["objection_days"]
    return DEFAULT_PHASES[default_kind]["objection_days"]


def _closed_vote(session: Session, kind: str, subject_id: int | None):
    from ..voting.models import Vote

    if subject_id is None:
        return None
    return session.scalar(select(Vote).where(Vote.subject_kind == kind, Vote.subject_id == subject_id,
                                             Vote.state == "closed").order_by(Vote.closed_at.desc(), Vote.id.desc())
                          .limit(1))


def _author_coops(amendment) -> set[int]:
    coops = {amendment.coop_id} | {c.coop_id for c in amendment.coauthors}
    return {c for c in coops if c is not None}


class AmendmentDecision(DecisionKind):
    kind = "amendment"
    label = _l("Amendment")

    def decision(self, session: Session, subject_id: int) -> Decision:
        from ..policies.queries import terms
        from ..proposals.models import Amendment

        amendment = session.get(Amendment, subject_id)
        if amendment is None or amendment.is_private:
            raise NotFound(_("There is no such amendment."))
        if amendment.state not in ("adopted", "rejected") or amendment.decided_at is None:
            raise Conflict(_("Amendment %(ref)s has not been decided: a formal objection is about a decision.",
                             ref=amendment.reference))
        vote = _closed_vote(session, "amendment", amendment.id) or _closed_vote(session, "group", amendment.group_id)
        source = (vote.terms if vote is not None and vote.terms else None) or amendment.terms
        if not source:
            section = amendment.section.key if amendment.section is not None else None
            source = terms(amendment.standard, amendment.change_kind, section)
        word = _("adopted") if amendment.state == "adopted" else _("rejected")
        return Decision(kind=self.kind, subject_id=amendment.id, title=f"{amendment.reference} · {amendment.title}: {word}",
                        outcome=amendment.state, decided_at=amendment.decided_at,
                        objection_days=_days(source, amendment.change_kind if amendment.change_kind in DEFAULT_PHASES
                                             else "principle"),
                        standard_id=amendment.standard_id, parties=frozenset(_author_coops(amendment)),
                        link=("amendments.show", {"slug": amendment.standard.slug, "amendment_id": amendment.id}),
                        revertible=amendment.state == "adopted")


class VersionDecision(DecisionKind):
    kind = "version"
    label = _l("Version")

    def decision(self, session: Session, subject_id: int) -> Decision:
        from ..policies.queries import terms
        from ..proposals.models import Amendment
        from ..standards.models import Standard
        from ..versions.models import Version
        from ..voting.models import Vote

        version = session.get(Version, subject_id)
        if version is None:
            raise NotFound(_("No such version."))
        if version.state != "ratified" or version.ratified_at is None:
            raise Conflict(_("Version %(number)s has not been ratified: a formal objection is about a decision.",
                             number=version.number))
        standard = session.get(Standard, version.standard_id)
        vote = session.get(Vote, version.vote_id) if version.vote_id else None
        source = (vote.terms if vote is not None else None) or terms(standard, "version")
        parties: set[int] = set()
        ids = list(version.amendment_ids or [])
        for amendment in session.scalars(select(Amendment).where(Amendment.id.in_(ids))) if ids else []:
            parties |= _author_coops(amendment)
        return Decision(kind=self.kind, subject_id=version.id,
                        title=_("%(standard)s, version %(number)s: ratified", standard=standard.title,
                                number=version.number),
                        outcome="ratified", decided_at=version.ratified_at, objection_days=_days(source, "version"),
                        standard_id=standard.id, parties=frozenset(parties),
                        link=("versions.show", {"slug": standard.slug, "ref": version.number}))


class AdmissionDecision(DecisionKind):
    """The closed admission vote on a co-op (its subject id is the co-op's)."""

    kind = "admission"
    label = _l("Admission of a co-op")

    def decision(self, session: Session, subject_id: int) -> Decision:
        from ..members.models import Cooperative
        from ..policies.queries import admission_terms

        coop = session.get(Cooperative, subject_id)
        vote = _closed_vote(session, "admission", subject_id)
        if coop is None or vote is None:
            if coop is None:
                raise NotFound(_("There is no such co-op."))
            raise Conflict(_("No vote has decided the admission of %(name)s.", name=coop.name))
        word = _("admitted") if vote.passed else _("not admitted")
        return Decision(kind=self.kind, subject_id=coop.id, title=_("Admission of %(name)s: %(outcome)s",
                                                                    name=coop.name, outcome=word),
                        outcome="admitted" if vote.passed else "refused", decided_at=vote.closed_at,
                        objection_days=_days(vote.terms or admission_terms(), "admission"), standard_id=None,
                        parties=frozenset({coop.id}), link=("coops.show", {"slug": coop.slug}))


AMENDMENTS, VERSIONS, ADMISSIONS = AmendmentDecision(), VersionDecision(), AdmissionDecision()


def register_builtin() -> None:
    for handler in (AMENDMENTS, VERSIONS, ADMISSIONS):
        register_decision_kind(handler)
