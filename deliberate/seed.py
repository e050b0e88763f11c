"""The demo network: a living example for newcomers, built only through the services."""
from __future__ import annotations

from .members import services as members
from .standards import services as standards

DEMO_PASSWORD = "cooperate-together"

# email, name, role (as printed by ``seed-demo``)
DEMO_PEOPLE = [
    ("steward@example.org", "Sam Steward", "steward (secretariat)"),
    ("amara@example.org", "Amara Okafor", "delegate of Kazi Riders (KE)"),
    ("lucia@example.org", "Lucía Ferrer", "delegate of Dades Comunes (ES)"),
    ("jonas@example.org", "Jonas Weber", "delegate of Fairbnb Kollektiv (DE)"),
    ("maya@example.org", "Maya Patel", "delegate of Loom Makers (IN) and Open Ledger (US)"),
    ("theo@example.org", "Théo Martin", "delegate of Coop Courses (FR)"),
]

COOPS = [
    ("Kazi Riders", "KE", "worker", "A courier co-op owned by the riders of Nairobi.", "member"),
    ("Dades Comunes", "ES", "data", "A data co-op pooling members' health and mobility data.", "member"),
    ("Fairbnb Kollektiv", "DE", "platform", "A community-owned home-sharing platform.", "member"),
    ("Loom Makers", "IN", "multi-stakeholder", "Weavers, designers and buyers sharing one marketplace.", "member"),
    ("Open Ledger", "US", "consumer", "A consumer co-op for open-source accounting software.", "member"),
    ("Coop Courses", "FR", "worker", "Teachers running their own online learning platform.", "applicant"),
]

PRINCIPLES = [
    ("Member ownership", "principle",
     "The platform is owned by the people who depend on it: its workers, its users, or both.\n\n"
     "Each member holds an equal share of ownership, and ownership cannot be sold to outside investors."),
    ("Democratic governance", "principle",
     "Members decide on the rules of the platform together, one member one vote.\n\n"
     "Decisions that change these principles need the consent of the member co-ops of the network."),
    ("Data rights", "principle",
     "Data created by members belongs to them. The co-op holds it in trust and uses it only for purposes "
     "the members have agreed.\n\n"
     "Members can see, download and correct the data held about them at any time."),
    ("Fair compensation", "principle",
     "Work on the platform is paid fairly and on time. The co-op publishes how pay is calculated.\n\n"
     "Surpluses are shared among members in proportion to their participation, not their capital."),
    ("Transparency", "principle",
     "The co-op publishes its accounts, its rules and the algorithms that allocate work or visibility, "
     "in words members can understand."),
    ("The right to be forgotten", "principle",
     "A member who leaves can have their personal data erased. Records the co-op must keep by law are "
     "kept anonymised where possible."),
    ("Interoperability", "guidance",
     "Members can take their data and reputation with them to another co-op, in an open format."),
]

# (section title, person email, co-op name, new body, message)
HISTORY = [
    ("Data rights", "lucia@example.org", "Dades Comunes",
     "Data created by members belongs to them. The co-op holds it in trust and uses it only for purposes "
     "the members have agreed, and never sells it.\n\n"
     "Members can see, download and correct the data held about them at any time, free of charge.",
     "Say plainly that member data is never sold, and that access is free"),
    ("Fair compensation", "amara@example.org", "Kazi Riders",
     "Work on the platform is paid fairly and on time, at no less than the local living wage. The co-op "
     "publishes how pay is calculated.\n\n"
     "Surpluses are shared among members in proportion to their participation, not their capital.",
     "Name the living wage as the floor, as our riders asked"),
    ("Transparency", "jonas@example.org", "Fairbnb Kollektiv",
     "The co-op publishes its accounts, its rules and the algorithms that allocate work or visibility, "
     "in words members can understand.\n\n"
     "Changes to those algorithms are announced to members before they take effect.",
     "Announce algorithm changes before they happen"),
]


def seed() -> None:
    """Build the demo network. Idempotence is the caller's job (``seed-demo --if-empty``)."""
    steward = members.create_steward(email=DEMO_PEOPLE[0][0], name=DEMO_PEOPLE[0][1], password=DEMO_PASSWORD)
    coops = {}
    for name, country, kind, description, status in COOPS:
        coop = members.register_coop(actor=steward, name=name, country=country, kind=kind, description=description)
        if status == "member":
            coop = members.change_coop_status(actor=steward, coop=coop, status="member",
                                              reason="Admitted at the founding assembly")
        coops[name] = coop
    memberships = {
        "amara@example.org": ["Kazi Riders"],
        "lucia@example.org": ["Dades Comunes"],
        "jonas@example.org": ["Fairbnb Kollektiv"],
        "maya@example.org": ["Loom Makers", "Open Ledger"],
        "theo@example.org": ["Coop Courses"],
    }
    people = {}
    for email, name, _role in DEMO_PEOPLE[1:]:
        for index, coop_name in enumerate(memberships[email]):
            _invitation, token = members.invite_delegate(actor=steward, coop=coops[coop_name], email=email)
            if index == 0:
                people[email] = members.accept_invitation(token=token, name=name, email=email, password=DEMO_PASSWORD)
            else:
                members.accept_invitation(token=token, name="", email="", password="", actor=people[email])

    standard = standards.create_standard(
        actor=steward,
        title="Platform Co-op Principles",
        summary="The principles that platform and data co-ops of this network hold in common. They grow from "
                "the bottom up: any member co-op can propose a change, and the co-ops decide together.",
    )
    for title, kind, body in PRINCIPLES:
        standards.add_section(actor=steward, standard=standard, title=title, body=body, kind=kind)
    standards.create_standard(
        actor=steward,
        title="Member Data Rights",
        summary="A model policy on how a co-op handles the data of its members.",
        sections=[("Scope", "This policy covers every record a co-op keeps about its members."),
                  ("Consent", "Members give informed consent before their data is used for a new purpose.")],
    )

    from .extensions import db
    from .members.models import Person

    standard = standards.get_standard(standard.slug)
    by_title = {s.title: s for s in standard.sections}
    for title, email, coop_name, body, message in HISTORY:
        person = db.session.get(Person, people[email].id)
        section = by_title[title]
        standards.revise_section(actor=person, section=section, title=title, body=body, message=message,
                                 base_revision_id=section.head_revision_id, coop=coops[coop_name])
