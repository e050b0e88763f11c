"""The demo network's amendments in every phase, with their history moved back in time.

``seed_phases(db.session)`` (after ``seed.seed()``) adds, to the demo's "Member Data Rights", one
amendment in each phase: discussion, last call, ready for a vote, voting and decided. The process
runs through the services; only its clock is moved back (:func:`backdate`), as if the amendments
had been opened days ago. :func:`pass_phases` does the same for the main seed's amendments that
go straight to a vote: their discussion and last call happened before the demo's "now".
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from ..database import unit_of_work, utcnow
from ..extensions import db
from .models import Amendment, AmendmentDraft, Transition


def backdate(amendment_id: int, days: float) -> None:
    """Move an amendment's whole history ``days`` back in time (its order unchanged)."""
    shift = timedelta(days=days)
    with unit_of_work() as session:
        amendment = session.get(Amendment, amendment_id, populate_existing=True)
        for name in ("created_at", "updated_at", "opened_at", "last_call_at", "last_call_ends_at", "vote_opened_at",
                     "decided_at"):
            if getattr(amendment, name) is not None:
                setattr(amendment, name, getattr(amendment, name) - shift)
        for model in (Transition, AmendmentDraft):
            for row in session.scalars(select(model).where(model.amendment_id == amendment_id)):
                row.created_at = row.created_at - shift


def pass_phases(amendment_id: int) -> None:
    """An open amendment whose discussion and last call have run their course: opened long enough
    ago, and its last call (announced then) over a day ago."""
    from .services import current_terms

    amendment = db.session.get(Amendment, amendment_id, populate_existing=True)
    terms = current_terms(amendment)
    discussion, last_call = int(terms.get("discussion_days") or 0), int(terms.get("last_call_days") or 0)
    backdate(amendment_id, discussion + last_call + 1)
    if last_call:
        with unit_of_work() as session:
            amendment = session.get(Amendment, amendment_id, populate_existing=True)
            starts = amendment.opened_at + timedelta(days=discussion)
            session.execute(update(Amendment).where(Amendment.id == amendment_id).values(
                last_call_at=starts, last_call_ends_at=starts + timedelta(days=last_call)))
            session.add(Transition(amendment_id=amendment_id, action="last_call", from_state="open", to_state="open",
                                   actor_id=amendment.author_id, created_at=starts))


DEMO = [
    # (name, section title, old words, new words, summary): words of the demo's text as the other
    # stories leave it (seed_phases runs last).
    ("Consent for each new purpose", "Consent", "before their data is used for a new purpose.",
     "before their data is used for each new purpose.",
     "Consent is asked again for each new purpose."),
    ("Consent in the member's language", "Consent", "asked in plain words",
     "asked in plain words and in the member's language",
     "Consent is asked for in the member's language."),
    ("Cover backups too", "Scope", "on paper or in software",
     "on paper, in software or in backups",
     "Backups are records too."),
    ("Cover former members", "Scope", "including records that others keep for it.",
     "including records that others keep for it, and the records of former members.",
     "Former members' records are covered too."),
    ("Name the data officer", "Scope", "This policy covers",
     "This policy, kept by a named data officer, covers",
     "A named person keeps the policy."),
]


def seed_phases(session=None, standard_slug: str = "member-data-rights") -> dict[str, int]:
    """One amendment of the demo in each phase: discussion, last call, ready, voting, decided.

    Call it after ``seed.seed()`` (it needs the demo's people and "Member Data Rights"):
    ``from deliberate.proposals.phases_demo import seed_phases; seed_phases(db.session)``.
    Returns phase → amendment id.
    """
    from ..members.models import Cooperative, Person
    from ..standards import services as standards
    from ..voting import closing
    from ..voting import services as voting
    from . import last_call
    from . import services as proposals

    def person(email: str) -> Person:
        return db.session.scalar(select(Person).where(Person.email == email))

    def amend(index: int, email: str) -> Amendment:
        name, title, old, new, summary = DEMO[index]
        standard = standards.get_standard(standard_slug)
        section = next(s for s in standard.sections if s.title == title)
        actor = person(email)
        amendment = proposals.propose_amendment(
            actor=actor, standard=standard, kind="modify", section=section, summary=summary,
            proposed_title=section.title, proposed_body=section.body.replace(old, new), name=name,
            coop=actor.acting_coops[0])
        return proposals.open_amendment(actor=actor, amendment=amendment)

    steward = person("steward@example.org")
    made: dict[str, int] = {}
    # In discussion: opened three days ago.
    discussion = amend(0, "lucia@example.org")
    backdate(discussion.id, 3)
    made["discussion"] = discussion.id
    # In last call: opened after its discussion, last call started two days ago (when the policy
    # has a last call for this kind of change at all: a test network may have none).
    in_last_call = amend(2, "jonas@example.org")
    terms = proposals.current_terms(in_last_call)
    if int(terms["last_call_days"]) > 2:
        backdate(in_last_call.id, int(terms["discussion_days"]) + 2)
        last_call.start_last_call(actor=person("jonas@example.org"),
                                  amendment=db.session.get(Amendment, in_last_call.id), now=utcnow() - timedelta(days=2))
    made["last_call"] = in_last_call.id
    # Ready for a vote: its last call ended yesterday.
    ready = amend(3, "amara@example.org")
    pass_phases(ready.id)
    made["ready"] = ready.id
    # Voting, and decided.
    voting_on = amend(1, "maya@example.org")
    pass_phases(voting_on.id)
    closes = utcnow() + timedelta(days=int(proposals.current_terms(voting_on)["voting_days"]))
    voting.open_vote(actor=steward, subject_kind="amendment", subject_id=voting_on.id, closes_at=closes)
    made["voting"] = voting_on.id
    decided = amend(4, "lucia@example.org")
    pass_phases(decided.id)
    vote = voting.open_vote(actor=steward, subject_kind="amendment", subject_id=decided.id,
                            closes_at=utcnow() + timedelta(days=7))
    electorate = db.session.scalars(select(Cooperative).where(Cooperative.status == "member")
                                    .order_by(Cooperative.id)).all()
    for coop in electorate:
        delegate = next((d.person for d in coop.delegations if d.ended_at is None), None)
        if delegate is not None:
            voting.cast_ballot(actor=delegate, vote=vote, coop=coop, choice="consent" if vote.method == "consent" else "for")
    closing.close_vote(actor=steward, vote=vote)
    made["decided"] = decided.id
    return made
