"""Helpers for the registry's tests: a world of three member co-ops and a ratified standard."""
from __future__ import annotations

from datetime import timedelta

from deliberate.database import utcnow
from deliberate.extensions import db
from deliberate.standards import services as standards
from deliberate.versions import services as versions
from deliberate.versions.models import Version
from deliberate.voting import closing
from deliberate.voting import services as voting


def ratify(steward, standard_slug: str, voters, summary: str = "A version.") -> Version:
    """Assemble the working draft and have every (delegate, coop) in ``voters`` ratify it."""
    standard = standards.get_standard(standard_slug)
    version = versions.assemble_version(actor=steward, standard=standard, summary=summary)
    vote = versions.open_ratification_vote(actor=steward, version=version, closes_at=utcnow() + timedelta(days=7))
    for person, coop in voters:
        voting.cast_ballot(actor=person, vote=vote, coop=coop, choice="for")
    closing.close_vote(actor=steward, vote=vote)
    db.session.expire_all()
    found = db.session.get(Version, version.id)
    assert found.state == "ratified", found.decision_note
    return found


def revise(steward, standard_slug: str, index: int, body: str) -> None:
    section = standards.get_standard(standard_slug).sections[index]
    standards.revise_section(actor=steward, section=section, title=section.title, body=body,
                             message="Clearer", base_revision_id=section.head_revision_id)


def world(network, make_coop, make_delegate) -> dict:
    """The network plus two more member co-ops with a delegate each, and version 1.0 ratified."""
    kazi, amara = network["member"], network["delegate"]
    dades = make_coop(name="Dades Comunes")
    lucia = make_delegate(coop=dades, email="lucia@example.org")
    fair = make_coop(name="Fairbnb Kollektiv")
    jonas = make_delegate(coop=fair, email="jonas@example.org")
    voters = [(amara, kazi), (lucia, dades), (jonas, fair)]
    version = ratify(network["steward"], network["standard"].slug, voters)
    return {"kazi": kazi, "amara": amara, "dades": dades, "lucia": lucia, "fair": fair, "jonas": jonas,
            "voters": voters, "version": version, "steward": network["steward"], "standard": network["standard"],
            "keys": [s.key for s in version.sections]}


def full_claims(keys, status="met", evidence="https://kazi.example.org/report") -> dict:
    return {key: {"status": status, "justification": "We do this every day.", "evidence_url": evidence}
            for key in keys}
