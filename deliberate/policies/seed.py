"""Demo data for the network's own rules: call ``seed_netrules(db.session)`` after ``seed()``.

Adds the Network rules standard with version 1.0 (the built-in rules, ratified by vote), and one
ratified change of the network's rules: a steward proposes that core principles be decided by a
3/4 supermajority with a 60% quorum instead of consent; under the ratchet the change itself is
decided by the stricter parts of both (consent, with a 60% quorum); the member co-ops consent, the
policy is set, the sections are rewritten, and version 1.1 is ratified with the change in its
changelog.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

ELECTORATE = [("amara@example.org", "Kazi Riders"), ("lucia@example.org", "Dades Comunes"),
              ("jonas@example.org", "Fairbnb Kollektiv"), ("maya@example.org", "Loom Makers"),
              ("maya@example.org", "Open Ledger")]


def seed_netrules(session: Session, steward_email: str = "steward@example.org",
                  electorate: list[tuple[str, str]] | None = None) -> None:
    """Add the Network rules (1.0, a ratified change, 1.1) to the demo network."""
    from ..database import utcnow
    from ..members.models import Cooperative, Person
    from ..proposals import services as proposals
    from ..proposals.phases_demo import pass_phases
    from ..standards import services as standards
    from ..versions import services as versions
    from ..voting import closing
    from ..voting import services as voting
    from . import netrules, queries
    from . import services as policies

    def person(email: str) -> Person:
        return session.scalar(select(Person).where(Person.email == email))

    def coop(name: str) -> Cooperative:
        return session.scalar(select(Cooperative).where(Cooperative.name == name))

    steward = person(steward_email)

    def decide(kind: str, subject_id: int, choice: str) -> None:
        if kind == "amendment":
            pass_phases(subject_id)  # its discussion and last call ran before the demo's "now"
        vote = voting.open_vote(actor=steward, subject_kind=kind, subject_id=subject_id,
                                closes_at=utcnow() + timedelta(days=14))
        for email, coop_name in electorate or ELECTORATE:
            voting.cast_ballot(actor=person(email), vote=vote, coop=coop(coop_name), choice=choice)
        closing.close_vote(actor=steward, vote=vote)

    rules = netrules.ensure_network_rules(actor=steward)
    first = versions.assemble_version(actor=steward, standard=standards.get_standard(rules.slug),
                                      summary="The rules the network started with.")
    decide("version", first.id, "for")

    proposed = queries.network_policy()
    proposed["amendments"]["principle"] = "three-quarters"
    proposed["quorums"]["principle"] = "3/5"
    change = policies.propose_policy_change(
        actor=steward, standard=None, policy=proposed, name="Principles by a 3/4 supermajority",
        summary="Changes to core principles are decided by a 3/4 supermajority with a 60% quorum, instead of consent.",
        rationale="Two proposals stalled this year on a single objection although every other co-op agreed. "
                  "A 3/4 supermajority still protects principles; a higher quorum makes sure most co-ops take part.")
    change = proposals.open_amendment(actor=steward, amendment=change)
    decide("amendment", change.id, "consent")  # the ratchet: consent (the old rule), with the new 60% quorum
    second = versions.assemble_version(actor=steward, standard=standards.get_standard(rules.slug),
                                       summary="Core principles are decided by a 3/4 supermajority with a 60% quorum.")
    decide("version", second.id, "for")
