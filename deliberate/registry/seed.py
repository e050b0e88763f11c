"""The registry in the demo network: ``seed_registry(db.session)`` after ``seed()`` (deliberate/seed.py).

It shows: declarations that adopt and that aspire, a lapsed one, a re-affirmation after a new
version, a question answered (and one still open), a section that became a standard by evidence
and one at risk. Built through the services, except two dates that only a demo may move: the
lapsed declaration is made with a date 20 months back, and the ratification of "Member Data
Rights" 1.0 is dated two years back (a direct UPDATE of ``versions.ratified_at``: nothing else
could make a section at risk today)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..database import utcnow
from ..members.models import Cooperative, Person
from ..versions.models import Version
from . import services

SCOPE_EVIDENCE = {
    "Kazi Riders": "https://kazi-riders.example.coop/data-register",
    "Dades Comunes": "https://dadescomunes.example.coop/records-policy",
}


def seed_registry(session: Session, principles: str = "platform-co-op-principles",
                  data_rights: str = "member-data-rights") -> None:
    """Declarations, questions and evidence for the demo (needs the demo network of seed())."""
    from ..standards import services as standards
    from ..versions import services as versions
    from ..voting import closing
    from ..voting import services as voting

    def person(email: str) -> Person:
        return session.scalar(select(Person).where(Person.email == email))

    def coop(name: str) -> Cooperative:
        return session.scalar(select(Cooperative).where(Cooperative.name == name))

    def version(slug: str, number: str) -> Version:
        standard = standards.get_standard(slug)
        return session.scalar(select(Version).where(Version.standard_id == standard.id, Version.number == number,
                                                    Version.state == "ratified"))

    def keys(found: Version) -> list[str]:
        return [s["key"] for s in services.snapshot(session, found)]

    steward = person("steward@example.org")
    amara, lucia, jonas, maya = (person(f"{n}@example.org") for n in ("amara", "lucia", "jonas", "maya"))

    # Member Data Rights 1.0, ratified by the member co-ops (and dated two years back: see above).
    data_standard = standards.get_standard(data_rights)
    candidate = versions.assemble_version(actor=steward, standard=data_standard, summary="The first model policy.")
    vote = versions.open_ratification_vote(actor=steward, version=candidate, closes_at=utcnow() + timedelta(days=14))
    for email, name in (("amara@example.org", "Kazi Riders"), ("lucia@example.org", "Dades Comunes"),
                        ("jonas@example.org", "Fairbnb Kollektiv"), ("maya@example.org", "Loom Makers"),
                        ("maya@example.org", "Open Ledger")):
        voting.cast_ballot(actor=person(email), vote=vote, coop=coop(name), choice="for")
    closing.close_vote(actor=steward, vote=vote)
    two_years_ago = utcnow() - timedelta(days=730)
    session.execute(update(Version.__table__).where(Version.__table__.c.id == candidate.id)
                    .values(ratified_at=two_years_ago))
    session.commit()
    data_v1 = version(data_rights, "1.0")
    scope, consent = keys(data_v1)

    # A lapsed declaration: Open Ledger declared 20 months ago and never again (the first entry
    # of the record, so that its times still run forward).
    services.declare(actor=maya, coop=coop("Open Ledger"), version=data_v1, stance="adopts", claims={
        scope: {"status": "met", "justification": "Our records list is on the wiki.", "evidence_url": ""},
        consent: {"status": "partly", "justification": "Consent is asked by email, not yet recorded.",
                  "evidence_url": ""}}, now=utcnow() - timedelta(days=610))
    # "Scope" becomes a standard: two co-ops declare it met with evidence; "Consent" stays short
    # of evidence more than a year after ratification: at risk.
    for name, actor in (("Kazi Riders", amara), ("Dades Comunes", lucia)):
        services.declare(actor=actor, coop=coop(name), version=data_v1, stance="adopts", claims={
            scope: {"status": "met", "justification": "Every record we keep is listed, with why we keep it.",
                    "evidence_url": SCOPE_EVIDENCE[name]},
            consent: {"status": "met" if name == "Dades Comunes" else "partly",
                      "justification": "Members consent in the app before any new use of their data.",
                      "evidence_url": ""}})

    # Platform Co-op Principles: Kazi Riders adopted 1.1, then re-affirms 2.0 on the new section only.
    v11, v20 = version(principles, "1.1"), version(principles, "2.0")
    evidence = "https://kazi-riders.example.coop/bylaws"
    services.declare(actor=amara, coop=coop("Kazi Riders"), version=v11, stance="adopts", claims={
        key: {"status": "met", "justification": "Written into our bylaws and practised at every assembly.",
              "evidence_url": evidence} for key in keys(v11)}, note="Adopted by our general assembly.")
    changed = services.reaffirmation(session, coop("Kazi Riders"), v20)[1]
    services.reaffirm(actor=amara, coop=coop("Kazi Riders"), version=v20, claims={
        c["key"]: {"status": "met", "justification": "We mentor two new courier co-ops.",
                   "evidence_url": "https://kazi-riders.example.coop/mentoring"} for c in changed})
    # Fairbnb adopts 2.0 with evidence; Dades Comunes aspires to it.
    fair = services.declare(actor=jonas, coop=coop("Fairbnb Kollektiv"), version=v20, stance="adopts", claims={
        key: {"status": "met", "justification": "Our statutes and our public reports say so.",
              "evidence_url": "https://fairbnb.example.coop/statutes"} for key in keys(v20)})
    services.declare(actor=lucia, coop=coop("Dades Comunes"), version=v20, stance="aspires", claims={
        key: {"status": "partly" if i % 2 else "not_met",
              "justification": "Agreed in principle; our assembly votes on it in spring." if i % 2 else "",
              "evidence_url": ""} for i, key in enumerate(keys(v20))})

    # Questions instead of inspectors: one answered, one still open.
    pay = next((k for k in keys(v20) if "compensation" in k), keys(v20)[0])
    question = services.ask_question(actor=lucia, coop=coop("Dades Comunes"), declaration=fair, section_key=pay,
                                      reasons="Your hosts' fees are set by the platform: how is pay "
                                              "calculated, and is that published?")
    services.answer_question(actor=jonas, question=question,
                             answer="The formula is in section 4 of our statutes and in the app's help pages; "
                                    "hosts voted on it last year.")
    services.ask_question(actor=maya, coop=coop("Loom Makers"), declaration=fair,
                          reasons="Is the algorithm that ranks listings published in words members understand?")
