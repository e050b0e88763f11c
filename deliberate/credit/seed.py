"""Demo data for the contribution records: call ``seed_credit(db.session)`` after ``seed()``.

The demo's "Platform Co-op Principles" already has three ratified versions written by several
delegates. This adds, on "Member Data Rights", what those lack: a revision two people wrote
together (live co-editing credits), an amendment with a co-author, an objection that amendment
resolved, two ratified versions, and a delegate who wrote words and was then erased (her words stay
counted under Dades Comunes, as "a former delegate of Dades Comunes").
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

STANDARD = "member-data-rights"
ELECTORATE = [("amara@example.org", "Kazi Riders"), ("lucia@example.org", "Dades Comunes"),
              ("jonas@example.org", "Fairbnb Kollektiv"), ("maya@example.org", "Loom Makers"),
              ("maya@example.org", "Open Ledger")]


def seed_credit(session: Session, standard_slug: str = STANDARD, password: str | None = None) -> None:
    """Add the contribution-record story to the demo network (after ``deliberate.seed.seed()``)."""
    from ..database import utcnow
    from ..members import erasure
    from ..members import services as members
    from ..members.models import Cooperative, Person
    from ..proposals import services as proposals
    from ..proposals.phases_demo import pass_phases
    from ..seed import DEMO_PASSWORD
    from ..standards import services as standards
    from ..versions import services as versions
    from ..voting import closing, objections
    from ..voting import services as voting

    def person(email: str) -> Person:
        return session.scalar(select(Person).where(Person.email == email))

    def coop(name: str) -> Cooperative:
        return session.scalar(select(Cooperative).where(Cooperative.name == name))

    def section(title: str):
        return next(s for s in standards.get_standard(standard_slug).sections if s.title == title)

    def decide(kind: str, subject_id: int, choice: str) -> None:
        if kind == "amendment":
            pass_phases(subject_id)  # its discussion and last call ran before the demo's "now"
        vote = voting.open_vote(actor=steward, subject_kind=kind, subject_id=subject_id,
                                closes_at=utcnow() + timedelta(days=14))
        for email, coop_name in ELECTORATE:
            voting.cast_ballot(actor=person(email), vote=vote, coop=coop(coop_name), choice=choice)
        closing.close_vote(actor=steward, vote=vote)

    def ratify(summary: str) -> None:
        version = versions.assemble_version(actor=steward, standard=standards.get_standard(standard_slug),
                                            summary=summary)
        decide("version", version.id, "for")

    steward = person("steward@example.org")
    lucia, maya, jonas, amara = (person(f"{n}@example.org") for n in ("lucia", "maya", "jonas", "amara"))
    _invitation, token = members.invite_delegate(actor=steward, coop=coop("Dades Comunes"), email="rosa@example.org")
    rosa = members.accept_invitation(token=token, name="Rosa Quintana", email="rosa@example.org",
                                     password=password or DEMO_PASSWORD)

    # Lucía and Maya wrote the scope together, live.
    scope = section("Scope")
    standards.revise_section(actor=lucia, section=scope, title=scope.title, coop=coop("Dades Comunes"),
                             body="This policy covers every record a co-op keeps about its members, on paper or in "
                                  "software, including records that others keep for it.",
                             message="Records kept by others count too", base_revision_id=scope.head_revision_id,
                             credits=[(maya.id, coop("Loom Makers").id)])
    consent = section("Consent")
    standards.revise_section(actor=rosa, section=consent, title=consent.title, coop=coop("Dades Comunes"),
                             body="Members give informed consent, asked in plain words, before their data is used "
                                  "for a new purpose.",
                             message="Plain words", base_revision_id=consent.head_revision_id)
    ratify("The first version of the model data policy.")

    # Jonas proposes, with Amara, that consent can be withdrawn; Amara's objection to a rival
    # amendment is resolved by theirs.
    consent = section("Consent")
    withdrawal = proposals.propose_amendment(
        actor=jonas, standard=standards.get_standard(standard_slug), kind="modify", section=consent,
        summary="Consent can be withdrawn as easily as it was given.",
        rationale="A consent that cannot be taken back is not a free choice.", proposed_title=consent.title,
        proposed_body=consent.body + "\n\nA member can withdraw consent at any time, as easily as it was given.",
        name="Withdrawing consent", coop=coop("Fairbnb Kollektiv"))
    proposals.add_coauthor(actor=jonas, amendment=withdrawal, email="amara@example.org")
    withdrawal = proposals.open_amendment(actor=jonas, amendment=withdrawal)
    rival = proposals.propose_amendment(
        actor=maya, standard=standards.get_standard(standard_slug), kind="modify", section=consent,
        summary="Ask for consent once, when a member joins.", rationale="Fewer questions for members.",
        proposed_title=consent.title, proposed_body="Members give their consent once, when they join.",
        name="Consent once", coop=coop("Open Ledger"))
    rival = proposals.open_amendment(actor=maya, amendment=rival)
    pass_phases(rival.id)
    vote = voting.open_vote(actor=steward, subject_kind="amendment", subject_id=rival.id, rule_preset="consent",
                            closes_at=utcnow() + timedelta(days=14))
    objection = objections.raise_objection(actor=amara, vote=vote, coop=coop("Kazi Riders"),
                                           argument="Consent given once can never be taken back.",
                                           passage="once, when they join")
    objections.resolve_objection(actor=steward, objection=objection, amendment_id=withdrawal.id,
                                 note="Withdrawing consent is now its own amendment.")
    closing.cancel_vote(actor=steward, vote=vote, reason="The objection is resolved by another amendment.")
    decide("amendment", withdrawal.id, "consent")
    ratify("Consent can be withdrawn.")

    # Rosa leaves and asks to be erased: her words stay, under her co-op.
    erasure.erase_person(actor=steward, person_id=rosa.id, reason="request")
