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
    seed_amendments(standard.slug)
    seed_versions(standard.slug)
    seed_votes(standard.slug)
    seed_features(db.session)


def seed_features(session) -> None:
    """The demo stories of the later features, each from its own package, in order."""
    from sqlalchemy import select

    from .appeals.demo import seed_appeals
    from .credit.seed import seed_credit
    from .members.models import Cooperative
    from .policies.seed import seed_netrules
    from .proposals.phases_demo import seed_phases
    from .proxies.seed import seed_proxies
    from .registry.seed import seed_registry
    from .voting.models import Vote

    def coop(name: str) -> Cooperative:
        return session.scalar(select(Cooperative).where(Cooperative.name == name))

    seed_registry(session)  # first: it ratifies Member Data Rights 1.0, dated two years back
    seed_credit(session)
    # Two co-ops hand their vote on the open admission to Loom Makers, which splits them.
    admission = session.scalar(select(Vote).where(Vote.subject_kind == "admission", Vote.state == "open"))
    seed_proxies(session, giver=coop("Dades Comunes"), second_giver=coop("Fairbnb Kollektiv"),
                 holder=coop("Loom Makers"), vote=admission)
    seed_appeals(session)  # a formal objection to an adopted amendment, mediated, decided by a council
    seed_netrules(session)  # the Network rules standard, and one ratified change of the network's rules
    seed_phases(session)  # one amendment in each phase: discussion, last call, ready, voting, decided


def seed_amendments(standard_slug: str = "platform-co-op-principles") -> None:
    """Amendments in every state, so that newcomers see drafting at work."""
    from .database import unit_of_work
    from .extensions import db
    from .members.models import Person
    from .proposals import adoption
    from .proposals import services as proposals
    from .proposals.models import Amendment

    def person(email: str) -> Person:
        return db.session.scalar(db.select(Person).where(Person.email == email))

    def section(title: str):
        standard = standards.get_standard(standard_slug)
        return next(s for s in standard.sections if s.title == title)

    def propose(email, title, old, new, summary, rationale="", name=""):
        s = section(title)
        assert old in s.body, (title, old)
        actor = person(email)
        return proposals.propose_amendment(actor=actor, standard=standards.get_standard(standard_slug),
                                           kind="modify", section=s, summary=summary, rationale=rationale,
                                           proposed_title=s.title, proposed_body=s.body.replace(old, new), name=name,
                                           coop=actor.acting_coops[0])

    def open_(email, amendment):
        return proposals.open_amendment(actor=person(email), amendment=amendment)

    def adopt(amendment, note):
        with unit_of_work() as session:
            adoption.apply_amendment(session, session.get(Amendment, amendment.id),
                                     person("steward@example.org"), note)

    # Adopted, and a second one on the same section rebased underneath it.
    governance = open_("amara@example.org", propose(
        "amara@example.org", "Democratic governance", "one member one vote.",
        "one member one vote, whatever their share of the work.",
        "Every member has the same say, however much or little they work on the platform.",
        "Part-time riders asked for this: their vote must count as much as anyone's.", "Equal say for part-timers"))
    open_("jonas@example.org", propose(
        "jonas@example.org", "Democratic governance", "need the consent of the member co-ops of the network.",
        "need the consent of the member co-ops of the network, given at a meeting announced a month ahead.",
        "Changes to the principles are decided at meetings announced a month in advance.",
        "Small co-ops need time to consult their own members.", "Announce decisions a month ahead"))
    adopt(governance, "Adopted at the founding assembly.")

    # Conflicted: two amendments change the same words; one is adopted.
    wage_a = open_("lucia@example.org", propose(
        "lucia@example.org", "Fair compensation", "at no less than the local living wage",
        "at no less than the local living wage, reviewed every year",
        "The living wage floor is reviewed every year.", "Prices change; the floor must follow.", "Yearly review"))
    open_("maya@example.org", propose(
        "maya@example.org", "Fair compensation", "at no less than the local living wage",
        "at no less than the living wage agreed with the workers' own union",
        "The wage floor is agreed with the workers' union rather than set by a formula.",
        "Weavers in our co-op already negotiate with their union.", "Union-agreed floor"))
    adopt(wage_a, "Adopted by consent at the November meeting.")

    # Competing: two ways to say the same thing, grouped for a ranked choice.
    first = open_("jonas@example.org", propose(
        "jonas@example.org", "Transparency", "in words members can understand.",
        "in plain words that members can understand, in the languages they use.",
        "Publications come in the members' own languages.", name="In members' languages"))
    second = open_("amara@example.org", propose(
        "amara@example.org", "Transparency", "in words members can understand.",
        "in words members can understand, with a yearly meeting to explain them.",
        "The co-op explains its accounts and algorithms at a yearly meeting.", name="A yearly explanation meeting"))
    proposals.group_competing(actor=person("steward@example.org"), amendments=[first, second],
                              title="How should the co-op explain itself?")

    # Open for discussion, and a private draft.
    open_("maya@example.org", propose(
        "maya@example.org", "Data rights", "and never sells it.",
        "and never sells it or gives it to third parties without the members' consent.",
        "Member data is never passed to third parties without consent, not only never sold.",
        "Giving data away for free is as harmful as selling it.", "No sharing without consent"))
    propose("lucia@example.org", "The right to be forgotten", "kept anonymised where possible.",
            "kept anonymised where possible, and deleted as soon as the law allows.",
            "Records kept by law are deleted as soon as the law allows.", name="Delete when the law allows")
    seed_discussions(standard_slug)


def seed_versions(standard_slug: str = "platform-co-op-principles") -> None:
    """A history of ratified versions, each decided by the member co-ops' votes, so that the
    changelog tells a story: 1.0 the founding text, 1.1 two amendments adopted by vote, 2.0 a new
    principle; the standard becomes a candidate after 1.0 and a ratified standard after 2.0."""
    from datetime import timedelta

    from .database import utcnow
    from .extensions import db
    from .members.models import Cooperative, Person
    from .proposals import services as proposals
    from .proposals.phases_demo import pass_phases
    from .versions import services as versions
    from .voting import closing
    from .voting import services as voting

    def person(email: str) -> Person:
        return db.session.scalar(db.select(Person).where(Person.email == email))

    def coop(name: str) -> Cooperative:
        return db.session.scalar(db.select(Cooperative).where(Cooperative.name == name))

    steward = person("steward@example.org")
    # Each member co-op's ballot, cast by its delegate (Maya acts for two co-ops, so she names each).
    electorate = [("amara@example.org", "Kazi Riders"), ("lucia@example.org", "Dades Comunes"),
                  ("jonas@example.org", "Fairbnb Kollektiv"), ("maya@example.org", "Loom Makers"),
                  ("maya@example.org", "Open Ledger")]

    def decide(kind: str, subject_id: int, choices: list[str]):
        vote = voting.open_vote(actor=steward, subject_kind=kind, subject_id=subject_id,
                                closes_at=utcnow() + timedelta(days=14))
        for (email, coop_name), choice in zip(electorate, choices):
            voting.cast_ballot(actor=person(email), vote=vote, coop=coop(coop_name), choice=choice)
        return closing.close_vote(actor=steward, vote=vote)

    def ratify(summary: str) -> None:
        version = versions.assemble_version(actor=steward, standard=standards.get_standard(standard_slug),
                                            summary=summary)
        decide("version", version.id, ["for", "for", "for", "for", "abstain"])

    def amend(email: str, title: str, old: str, new: str, summary: str, rationale: str, name: str,
              choice: str = "consent") -> None:
        section = next(s for s in standards.get_standard(standard_slug).sections if s.title == title)
        assert old in section.body, (title, old)
        actor = person(email)
        amendment = proposals.propose_amendment(
            actor=actor, standard=standards.get_standard(standard_slug), kind="modify", section=section,
            summary=summary, rationale=rationale, proposed_title=section.title,
            proposed_body=section.body.replace(old, new), name=name, coop=actor.acting_coops[0])
        amendment = proposals.open_amendment(actor=actor, amendment=amendment)
        pass_phases(amendment.id)  # discussed and last-called before the demo's "now"
        decide("amendment", amendment.id, [choice] * 5)

    standard = standards.get_standard(standard_slug)
    ratify("The founding text, as the member co-ops agreed it at the founding assembly.")
    decide("maturity", standard.id, ["for", "for", "for", "for", "for"])

    amend("lucia@example.org", "Member ownership", "cannot be sold to outside investors.",
          "cannot be sold to, or held on behalf of, outside investors.",
          "Shares cannot be held for outside investors either, not only sold to them.",
          "A loophole: nominees could hold shares for investors.", "Close the nominee loophole")
    amend("jonas@example.org", "Interoperability", "in an open format.",
          "in an open, documented format, at no cost.",
          "Data and reputation move in a documented open format, free of charge.",
          "An open format nobody documents is not portable in practice.", "Documented, free export",
          choice="for")
    ratify("Ownership cannot be held for outside investors, and members take their data along in a documented "
           "format at no cost.")

    proposals_standard = standards.get_standard(standard_slug)
    actor = person("amara@example.org")
    insertion = proposals.propose_amendment(
        actor=actor, standard=proposals_standard, kind="insert",
        summary="A new principle: the co-ops of the network help each other.",
        rationale="Our riders' co-op would not exist without the help of older co-ops.",
        proposed_title="Cooperation among co-ops",
        proposed_body="Co-ops of this network share what they learn, their code and their tools with each other.\n\n"
                      "They support new platform co-ops as they start, with advice and, where they can, with "
                      "capital that asks for no control in return.",
        target_position=len(proposals_standard.sections) + 1, name="Cooperation among co-ops",
        coop=actor.acting_coops[0])
    insertion = proposals.open_amendment(actor=actor, amendment=insertion)
    pass_phases(insertion.id)
    decide("amendment", insertion.id, ["consent"] * 5)
    ratify("A new principle: cooperation among co-ops.")
    decide("maturity", standard.id, ["for", "for", "for", "for", "abstain"])


def seed_discussions(standard_slug: str = "platform-co-op-principles") -> None:
    """Lively threads on the demo's amendments and principles, with replies and a quote."""
    from .discussions import services as discussions
    from .extensions import db
    from .members.models import Person
    from .proposals.models import Amendment

    def person(email: str) -> Person:
        return db.session.scalar(db.select(Person).where(Person.email == email))

    def amendment(name: str) -> Amendment:
        return db.session.scalar(db.select(Amendment).where(Amendment.title == name))

    def say(email, kind, ident, body, parent=None, quote=None):
        actor = person(email)
        return discussions.post_comment(actor=actor, subject_kind=kind, subject_id=ident, body=body, parent_id=parent,
                                        quote=quote, coop=actor.acting_coops[0] if actor.acting_coops else None)

    consent = amendment("No sharing without consent")
    first = say("lucia@example.org", "amendment", consent.id,
                "Yes. In our data co-op, *giving* data to a research partner needed the same vote as selling it.")
    say("maya@example.org", "amendment", consent.id,
        "Exactly: the harm is the same whether money changes hands or not.", parent=first.id)
    say("jonas@example.org", "amendment", consent.id,
        "Should we say what counts as *consent*? A yearly checkbox is not enough for us.")

    union = amendment("Union-agreed floor")
    say("maya@example.org", "amendment", union.id,
        "The yearly review was adopted first, so this now conflicts. I will rewrite it on top: "
        "a floor agreed with the union **and** reviewed every year.")
    say("amara@example.org", "amendment", union.id,
        "Riders in Nairobi have no union yet; can it say *or with the workers' own assembly*?")

    languages = amendment("In members' languages")
    meeting = amendment("A yearly explanation meeting")
    say("jonas@example.org", "amendment", languages.id, "Both are good; languages matter most to our hosts abroad.")
    say("amara@example.org", "amendment", meeting.id,
        "A meeting reaches people who do not read reports. Why not both, in a later amendment?")

    standard = standards.get_standard(standard_slug)
    rights = next(s for s in standard.sections if s.title == "The right to be forgotten")
    say("lucia@example.org", "section", rights.id,
        "How long must records be kept by law in each country? A table in the guidance would help.",
        quote="Records the co-op must keep by law")


def seed_votes(standard_slug: str = "platform-co-op-principles") -> None:
    """Open and closed votes of every method, with ballots, an objection and an outcome statement."""
    from datetime import date, timedelta

    from .database import utcnow
    from .extensions import db
    from .members.models import Cooperative, Person
    from .proposals.models import Amendment, CompetingGroup
    from .proposals.phases_demo import pass_phases
    from .voting import closing, objections
    from .voting import services as voting

    def person(email: str) -> Person:
        return db.session.scalar(db.select(Person).where(Person.email == email))

    def coop(name: str) -> Cooperative:
        return db.session.scalar(db.select(Cooperative).where(Cooperative.name == name))

    steward = person("steward@example.org")
    week = utcnow() + timedelta(days=7)

    # Ranked choice between the competing amendments, decided: the status quo was always an option.
    group = db.session.scalar(db.select(CompetingGroup).where(CompetingGroup.title == "How should the co-op explain itself?"))
    refs = [a.reference for a in group.amendments]
    for amendment in group.amendments:
        pass_phases(amendment.id)  # discussed and last-called before the demo's "now"
    vote = voting.open_vote(actor=steward, subject_kind="group", subject_id=group.id, rule_preset="ranked",
                            closes_at=week)
    rankings = {"Kazi Riders": [refs[1], refs[0], "status_quo"], "Dades Comunes": [refs[0], refs[1], "status_quo"],
                "Fairbnb Kollektiv": [refs[0], "status_quo", refs[1]], "Loom Makers": [refs[0], refs[1], "status_quo"]}
    voters = {"Kazi Riders": "amara@example.org", "Dades Comunes": "lucia@example.org",
              "Fairbnb Kollektiv": "jonas@example.org", "Loom Makers": "maya@example.org"}
    for name, ranking in rankings.items():
        voting.cast_ballot(actor=person(voters[name]), vote=vote, coop=coop(name), ranking=ranking)
    vote = closing.close_vote(actor=steward, vote=vote)
    closing.add_outcome_statement(actor=steward, vote=vote, review_date=date.today() + timedelta(days=365),
                                  text="Publications will come in the members' languages. The yearly meeting was "
                                       "popular too: Kazi Riders will propose it again as a separate principle.")

    # Consent, still open, with a standing objection and a logged concern.
    consent = db.session.scalar(db.select(Amendment).where(Amendment.title == "No sharing without consent"))
    pass_phases(consent.id)
    vote = voting.open_vote(actor=steward, subject_kind="amendment", subject_id=consent.id, rule_preset="consent",
                            closes_at=week)
    voting.cast_ballot(actor=person("lucia@example.org"), vote=vote, coop=coop("Dades Comunes"), choice="consent",
                       note="Agreed at our members' meeting of 12 November.")
    voting.cast_ballot(actor=person("amara@example.org"), vote=vote, coop=coop("Kazi Riders"), choice="stand_aside")
    objections.raise_objection(actor=person("jonas@example.org"), vote=vote, coop=coop("Fairbnb Kollektiv"),
                           passage="without the members' consent",
                           argument="Consent must be specific and renewable; as written, a single yearly checkbox "
                                    "would satisfy it.")
    objections.log_concern(actor=person("maya@example.org"), vote=vote, coop=coop("Loom Makers"),
                       argument="Small co-ops will need a template consent form.")

    # Admission of an applicant co-op by simple majority, open.
    vote = voting.open_vote(actor=steward, subject_kind="admission", subject_id=coop("Coop Courses").id,
                            rule_preset="simple-majority", closes_at=week)
    voting.cast_ballot(actor=person("amara@example.org"), vote=vote, coop=coop("Kazi Riders"), choice="for")
    voting.cast_ballot(actor=person("maya@example.org"), vote=vote, coop=coop("Open Ledger"), choice="abstain")
