"""Phases and last call (proposals/last_call.py) under the policy's real phase durations."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from deliberate import worker
from deliberate.database import unit_of_work, utcnow
from deliberate.errors import Conflict, PermissionDenied
from deliberate.extensions import db
from deliberate.follows import services as follows
from deliberate.proposals import last_call, phases_demo, services
from deliberate.proposals.models import Amendment, Transition
from deliberate.realtime.events import Event
from deliberate.standards import services as standards
from deliberate.voting import services as voting
from deliberate.voting.models import Vote

TEXT = "Members own the platform together.\n\nNew members may join at any time."
DAY = timedelta(days=1)


@pytest.fixture
def amendment_phases():
    return None  # the policy's built-in phases: principle 14 days of discussion, 7 of last call


@pytest.fixture
def setup(steward, make_standard, make_delegate, make_coop):
    standard = make_standard(sections=[("Member ownership", TEXT)])
    delegates = [make_delegate(coop=make_coop(name=f"Co-op {n}"), name=f"Delegate {n}") for n in range(3)]
    return {"standard": standards.get_standard(standard.slug), "delegates": delegates, "steward": steward}


def set_policy(setup, policy):
    with unit_of_work() as session:
        session.get(type(setup["standard"]), setup["standard"].id).policy = policy


def opened(setup, body=None, who=0, change_kind=None):
    s = standards.get_standard(setup["standard"].slug).sections[0]
    amendment = services.propose_amendment(actor=setup["delegates"][who], standard=setup["standard"], kind="modify",
                                           section=s, summary="Change.", proposed_title=s.title,
                                           proposed_body=body or TEXT.replace("together", f"jointly {who}"),
                                           change_kind=change_kind)
    return services.open_amendment(actor=setup["delegates"][who], amendment=amendment)


def fresh(amendment) -> Amendment:
    db.session.expire_all()
    return db.session.get(Amendment, amendment.id)


def vote_on(setup, kind, ident):
    return voting.open_vote(actor=setup["steward"], subject_kind=kind, subject_id=ident,
                            closes_at=utcnow() + 7 * DAY)


def test_a_last_call_waits_for_the_discussion_and_says_from_when(setup):
    amendment = opened(setup)
    assert amendment.terms["discussion_days"] == 14 and amendment.terms["last_call_days"] == 7
    with pytest.raises(Conflict, match="at least 14 days: the last call can start from"):
        last_call.start_last_call(actor=setup["delegates"][0], amendment=amendment)
    assert last_call.view(fresh(amendment)).phase == "discussion"


def test_starting_a_last_call_sets_its_dates_records_it_and_tells_every_member_coop(setup):
    amendment = opened(setup)
    follower = setup["delegates"][2]
    follows.follow_standard(actor=follower, standard=setup["standard"])
    phases_demo.backdate(amendment.id, 15)
    before = db.session.scalar(select(db.func.max(Event.id)))
    last_call.start_last_call(actor=setup["delegates"][0], amendment=fresh(amendment))
    amendment = fresh(amendment)
    assert amendment.last_call_ends_at - amendment.last_call_at == 7 * DAY
    assert last_call.view(amendment).phase == "last_call"
    steps = db.session.scalars(select(Transition.action).where(Transition.amendment_id == amendment.id)).all()
    assert steps[-1] == "last_call"
    events = db.session.scalars(select(Event).where(Event.id > before).order_by(Event.id)).all()
    assert [(e.kind, e.scope) for e in events if e.kind == "last_call_started"] == [
        ("last_call_started", f"standard:{amendment.standard_id}")]
    told = {e.scope for e in events if e.kind == "last_call_announced"}
    # Every other delegate of a member co-op, but the follower (the standard's event reaches them).
    assert f"user:{setup['delegates'][1].id}" in told
    assert f"user:{follower.id}" not in told and f"user:{setup['delegates'][0].id}" not in told
    with pytest.raises(Conflict, match="already running"):
        last_call.start_last_call(actor=setup["delegates"][0], amendment=amendment)


def test_who_may_start_the_last_call(setup):
    amendment = opened(setup)
    phases_demo.backdate(amendment.id, 15)
    with pytest.raises(PermissionDenied):
        last_call.start_last_call(actor=setup["delegates"][1], amendment=fresh(amendment))
    last_call.start_last_call(actor=setup["steward"], amendment=fresh(amendment))  # stewards always may
    set_policy(setup, {"opening": {"last_call": "stewards"}})
    reserved = opened(setup, who=1)
    phases_demo.backdate(reserved.id, 15)
    with pytest.raises(PermissionDenied, match="Only stewards"):
        last_call.start_last_call(actor=setup["delegates"][1], amendment=fresh(reserved))


def test_a_vote_waits_for_the_discussion_and_the_last_call(setup):
    amendment = opened(setup)
    with pytest.raises(Conflict, match="has not had its last call yet.*from"):
        vote_on(setup, "amendment", amendment.id)
    phases_demo.backdate(amendment.id, 15)
    last_call.start_last_call(actor=setup["delegates"][0], amendment=fresh(amendment))
    with pytest.raises(Conflict, match="is in its last call until"):
        vote_on(setup, "amendment", amendment.id)
    phases_demo.backdate(amendment.id, 8)
    assert last_call.view(fresh(amendment)).phase == "ready"
    vote = vote_on(setup, "amendment", amendment.id)
    amendment = fresh(amendment)
    assert amendment.state == "voting" and amendment.vote_opened_at >= amendment.last_call_ends_at
    assert last_call.view(amendment).phase == "voting"
    assert vote.terms["voting_days"] == 14


def test_an_urgent_kind_may_be_voted_at_once_and_the_vote_ends_its_last_call(setup):
    amendment = opened(setup, change_kind="editorial")
    assert amendment.terms["urgent"] is True
    phases_demo.backdate(amendment.id, 2)
    last_call.start_last_call(actor=setup["delegates"][0], amendment=fresh(amendment))
    vote_on(setup, "amendment", amendment.id)
    amendment = fresh(amendment)
    assert amendment.last_call_ends_at <= amendment.vote_opened_at  # the last call was cut short


def test_a_change_to_the_text_ends_the_last_call(setup):
    amendment = opened(setup)
    phases_demo.backdate(amendment.id, 15)
    last_call.start_last_call(actor=setup["delegates"][0], amendment=fresh(amendment))
    amendment = fresh(amendment)
    services.edit_amendment(actor=setup["delegates"][0], amendment=amendment, expected_draft_id=amendment.head_draft_id,
                            summary="Change.", rationale="", proposed_title="Member ownership",
                            proposed_body=TEXT.replace("together", "as one"))
    amendment = fresh(amendment)
    assert (amendment.last_call_at, amendment.last_call_ends_at) == (None, None)
    seen = last_call.view(amendment)
    assert seen.phase == "discussion" and seen.can_start_last_call  # its discussion already lasted long enough
    with pytest.raises(Conflict, match="has not had its last call yet"):
        vote_on(setup, "amendment", amendment.id)
    steps = db.session.scalars(select(Transition.action).where(Transition.amendment_id == amendment.id)
                               .order_by(Transition.id)).all()
    assert steps[-2:] == ["edit", "end_last_call"]


def test_competing_amendments_join_a_group_only_until_the_last_call_ends(setup):
    first, second, third = opened(setup), opened(setup, who=1), opened(setup, who=2)
    for amendment in (first, second, third):
        phases_demo.backdate(amendment.id, 15)
    last_call.start_last_call(actor=setup["delegates"][0], amendment=fresh(first))
    group = services.group_competing(actor=setup["steward"], amendments=[fresh(first), fresh(second)])
    assert group.id
    phases_demo.pass_phases(third.id)
    late = opened(setup, body=TEXT.replace("together", "in common"), who=1)
    with pytest.raises(Conflict, match="last call ended"):
        services.group_competing(actor=setup["steward"], amendments=[fresh(third), fresh(late)])


def test_a_group_vote_waits_for_every_member(setup):
    first, second = opened(setup), opened(setup, who=1)
    group = services.group_competing(actor=setup["steward"], amendments=[fresh(first), fresh(second)])
    phases_demo.pass_phases(first.id)
    with pytest.raises(Conflict, match=f"A{second.id} has not had its last call yet"):
        voting.open_vote(actor=setup["steward"], subject_kind="group", subject_id=group.id, rule_preset="ranked",
                         closes_at=utcnow() + 7 * DAY)
    phases_demo.pass_phases(second.id)
    voting.open_vote(actor=setup["steward"], subject_kind="group", subject_id=group.id, rule_preset="ranked",
                     closes_at=utcnow() + 7 * DAY)
    assert {fresh(a).state for a in (first, second)} == {"voting"}


def test_the_database_refuses_timestamps_out_of_order(setup):
    amendment = opened(setup)
    for statement in (
        "UPDATE amendments SET last_call_at = opened_at - interval_", # before it was opened
        "UPDATE amendments SET last_call_at = opened_at",  # without its end
        "UPDATE amendments SET vote_opened_at = opened_at - interval_",
        "UPDATE amendments SET decided_at = opened_at - interval_",
    ):
        sql = statement.replace("opened_at - interval_", ":early")
        with pytest.raises(IntegrityError):
            with unit_of_work() as session:
                session.execute(text(sql + " WHERE id = :id"),
                                {"id": amendment.id, "early": fresh(amendment).opened_at - DAY})
    with pytest.raises(IntegrityError):
        with unit_of_work() as session:
            session.execute(text("UPDATE amendments SET last_call_at = :at, last_call_ends_at = :before WHERE id = :id"),
                            {"id": amendment.id, "at": utcnow() + DAY, "before": utcnow()})
    with unit_of_work() as session:  # in order: accepted
        session.execute(text("UPDATE amendments SET last_call_at = :at, last_call_ends_at = :end WHERE id = :id"),
                        {"id": amendment.id, "at": utcnow() + DAY, "end": utcnow() + 2 * DAY})


# Votes that open by themselves ---------------------------------------------------------------------

def automatic(setup):
    set_policy(setup, {"opening": {"vote": "automatic"}})
    amendment = opened(setup)
    assert amendment.terms["vote_opened_by"] == "automatic"
    return amendment


def test_the_job_opens_the_vote_when_the_last_call_ends(app, setup):
    amendment = automatic(setup)
    phases_demo.backdate(amendment.id, 15)
    last_call.start_last_call(actor=setup["delegates"][0], amendment=fresh(amendment))
    assert worker.jobs(app)["phases"].tick is last_call.tick
    assert last_call.tick(app)["opened"] == []  # still in its last call
    phases_demo.backdate(amendment.id, 8)
    opened_now = last_call.tick(app)["opened"]
    assert len(opened_now) == 1
    vote = db.session.get(Vote, opened_now[0])
    assert vote.opened_by_id is None and vote.subject_id == amendment.id
    assert timedelta(days=13, hours=23) < vote.closes_at - vote.opens_at <= timedelta(days=14)
    assert last_call.tick(app)["opened"] == []


def test_two_workers_open_one_vote(app, setup):
    amendment = automatic(setup)
    phases_demo.pass_phases(amendment.id)
    results, barrier = [], threading.Barrier(2)

    def run():
        barrier.wait()
        results.append(last_call.tick(app)["opened"])

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(len(r) for r in results) == [0, 1]
    assert db.session.scalar(select(db.func.count()).select_from(Vote).where(Vote.subject_id == amendment.id,
                                                                             Vote.subject_kind == "amendment")) == 1


def test_the_demo_shows_every_phase(app):
    from deliberate import seed

    seed.seed()  # seed_features runs phases_demo.seed_phases last
    names = {"discussion": 0, "voting": 1, "last_call": 2, "ready": 3, "decided": 4}
    made = {phase: db.session.scalar(select(Amendment.id).where(Amendment.title == phases_demo.DEMO[index][0]))
            for phase, index in names.items()}
    db.session.expire_all()
    seen = {phase: last_call.view(db.session.get(Amendment, ident)).phase for phase, ident in made.items()}
    assert seen == {"discussion": "discussion", "last_call": "last_call", "ready": "ready", "voting": "voting",
                    "decided": "decided"}
    assert db.session.get(Amendment, made["decided"]).state == "adopted"


def test_the_api_carries_the_phase_and_starts_a_last_call(setup, client):
    from deliberate.api import tokens
    from tests.conftest import TEST_PASSWORD

    amendment = opened(setup)
    phases_demo.backdate(amendment.id, 15)
    path = f"/api/v1/standards/{setup['standard'].slug}/amendments/{amendment.id}"
    data = client.get(path).get_json()
    assert data["phase"] == "discussion" and data["last_call_at"] is None and data["opened_at"]
    assert data["last_call_from"] and data["vote_from"] is None
    _token, token = tokens.create_token(actor=setup["delegates"][0], name="t", scopes=["read", "write"],
                                        password=TEST_PASSWORD)
    started = client.post(path + "/last-call", headers={"Authorization": f"Bearer {token}"})
    assert started.status_code == 200, started.get_json()
    data = started.get_json()
    assert data["phase"] == "last_call" and data["phase_ends_at"] == data["last_call_ends_at"] == data["vote_from"]
    again = client.post(path + "/last-call", headers={"Authorization": f"Bearer {token}"})
    assert again.status_code == 409


def test_the_page_shows_the_process_and_starts_the_last_call(setup, client, login):
    amendment = opened(setup)
    page = client.get(f"/standards/{setup['standard'].slug}/amendments/{amendment.id}").get_data(as_text=True)
    assert "Process" in page and "Discussion" in page and "can start the last call from" in page
    phases_demo.backdate(amendment.id, 15)
    login(setup["delegates"][0])
    url = f"/standards/{setup['standard'].slug}/amendments/{amendment.id}"
    page = client.get(url).get_data(as_text=True)
    assert "Start the last call" in page
    response = client.post(url + "/last-call", data={})
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Last call" in page and "A change to the text ends the last call" in page and "Last call ends" in page
    listing = client.get(f"/standards/{setup['standard'].slug}/amendments").get_data(as_text=True)
    assert 'class="meta phase">Last call' in listing


def test_without_a_last_call_the_automatic_vote_opens_when_the_discussion_ends(app, setup):
    set_policy(setup, {"opening": {"vote": "automatic"},
                       "phases": {"principle": {"discussion_days": 3, "last_call_days": 0}}})
    amendment = opened(setup)
    assert last_call.tick(app)["opened"] == []
    phases_demo.backdate(amendment.id, 3)
    assert len(last_call.tick(app)["opened"]) == 1
    assert fresh(amendment).state == "voting"
