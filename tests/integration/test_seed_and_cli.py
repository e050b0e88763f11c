"""The demo network and the command-line tasks."""
from sqlalchemy import func, select

from deliberate.extensions import db
from deliberate.members.models import Cooperative, Person
from deliberate.seed import DEMO_PASSWORD, DEMO_PEOPLE
from deliberate.standards.models import Revision, Standard


def test_seed_demo_builds_a_living_network(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "Demo network created" in result.output and DEMO_PASSWORD in result.output
    coops = list(db.session.scalars(select(Cooperative)))
    members = [c for c in coops if c.status == "member"]
    assert len(members) >= 5
    assert len({c.kind for c in coops}) >= 4 and len({c.country for c in coops}) >= 5
    assert db.session.scalar(select(func.count(Person.id)).where(Person.is_steward)) == 1
    principles = db.session.scalar(select(Standard).where(Standard.slug == "platform-co-op-principles"))
    titles = [s.title for s in principles.sections]
    for expected in ("Member ownership", "Democratic governance", "Data rights", "Fair compensation",
                     "Transparency", "The right to be forgotten", "Interoperability"):
        assert expected in titles
    # A little history: delegates of several co-ops have revised principles.
    revised = list(db.session.scalars(select(Revision).where(Revision.number > 1)))
    assert len({r.coop_id for r in revised}) >= 3
    for email, _name, _role in DEMO_PEOPLE:
        assert db.session.scalar(select(Person).where(Person.email == email)) is not None


def test_a_second_seed_keeps_the_data(seeded_demo):
    # The first seed-demo is the one of the test above; this one starts from the seeded network.
    runner = seeded_demo.test_cli_runner()
    before = db.session.scalar(select(func.count(Revision.id)))
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0 and "keeping your data" in result.output
    assert db.session.scalar(select(func.count(Revision.id))) == before


def test_create_steward_command(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-steward", "--email", "sec@example.org", "--name", "Secretariat"],
                           input="a long steward password\na long steward password\n")
    assert result.exit_code == 0, result.output
    person = db.session.scalar(select(Person).where(Person.email == "sec@example.org"))
    assert person.is_steward
    again = runner.invoke(args=["create-steward", "--email", "sec@example.org", "--name", "X"],
                          input="a long steward password\na long steward password\n")
    assert again.exit_code != 0 and "already exists" in again.output


def test_create_steward_refuses_a_weak_password(app):
    result = app.test_cli_runner().invoke(args=["create-steward", "--email", "w@example.org", "--name", "W"],
                                          input="short\nshort\n")
    assert result.exit_code != 0 and "at least" in result.output


def test_the_demo_has_amendments_in_every_state(seeded_demo):
    from deliberate.proposals.models import Amendment

    states = {a.state for a in db.session.scalars(select(Amendment))}
    assert {"draft", "open", "adopted", "conflicted"} <= states
    assert any(a.group_id for a in db.session.scalars(select(Amendment)))
    assert any(a.head.reason == "rebased" for a in db.session.scalars(select(Amendment)))


def test_the_demo_has_votes_of_every_method_open_and_closed(seeded_demo):
    from deliberate.voting.models import Objection, Vote

    votes = list(db.session.scalars(select(Vote)))
    methods = {v.rule["method"] for v in votes}
    assert {"majority", "consent", "ranked"} <= methods
    assert {"open", "closed"} <= {v.state for v in votes}
    assert any(v.outcome_statement for v in votes)
    assert db.session.scalar(select(func.count(Objection.id))) >= 1
