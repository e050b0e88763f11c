"""Issue 14, the services' side: records that end and say so, heads anchored on the vote and its
events, second calls that close, failures stewards can see, secret votes that announce nothing
per ballot, receipts, a rule kept as given, and the database refusing to rewrite a record."""
from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from deliberate.database import is_postgres, utcnow
from deliberate.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from deliberate.extensions import db
from deliberate.members import services as members
from deliberate.members.erasure import export_person
from deliberate.proposals import services as proposals
from deliberate.proposals.models import Amendment
from deliberate.realtime.events import Event
from deliberate.standards import services as standards
from deliberate.versions import services as versions
from deliberate.versions.models import Version
from deliberate.voting import closing, ledger, objections, queries, services
from deliberate.voting.models import Ballot, LedgerEntry, Vote
from deliberate.voting.subjects import SubjectHandler, register_subject

T0 = datetime(2031, 3, 2, 9, 0, tzinfo=UTC)
WEEK = timedelta(days=7)
HOUR = timedelta(hours=1)


@pytest.fixture
def voters(make_delegate):
    """Five member co-ops, one delegate each: [(delegate, coop), ...]."""
    return [(d, d.coops[0]) for d in (make_delegate() for _ in range(5))]


@pytest.fixture
def applicant(make_coop):
    return make_coop("applicant", name="Coop Courses")


def open_admission(steward, applicant, **options):
    options.setdefault("closes_at", T0 + WEEK)
    options.setdefault("now", T0)
    return services.open_vote(actor=steward, subject_kind="admission", subject_id=applicant.id, **options)


def events(vote_id, kind=None):
    query = select(Event).where(Event.payload["vote_id"].as_integer() == vote_id).order_by(Event.id)
    return [e for e in db.session.scalars(query) if kind is None or e.kind == kind]


def fresh(vote):
    db.session.expire_all()
    return db.session.get(Vote, vote.id)


# 4. A record is complete or says so ----------------------------------------------------------

def test_closing_stores_the_head_of_the_published_record_and_sends_it_out(steward, voters, applicant):
    vote = open_admission(steward, applicant)
    services.cast_ballot(actor=voters[0][0], vote=vote, choice="for", now=T0 + HOUR)
    vote = fresh(closing.close_vote(actor=services.SYSTEM, vote=vote, now=T0 + WEEK))
    record = queries.published_record(vote)
    assert record[-1]["type"] == "closed" and vote.record_head == record[-1]["hash"]
    assert record == queries.ledger_entries(vote)  # a public vote is published as stored
    closed = events(vote.id, "vote_closed")
    assert len(closed) == 2 and all(e.payload["record_head"] == vote.record_head for e in closed)
    assert vote.close_error is None and vote.close_failed_at is None


@pytest.mark.parametrize("how", ["steward", "subject"])
def test_a_cancelled_vote_ends_its_record_with_the_reason(steward, voters, applicant, how):
    vote = open_admission(steward, applicant)
    services.cast_ballot(actor=voters[0][0], vote=vote, choice="for", now=T0 + HOUR)
    if how == "steward":
        closing.cancel_vote(actor=steward, vote=vote, reason="The description was wrong.", now=T0 + 2 * HOUR)
    else:
        from deliberate.database import unit_of_work

        with unit_of_work() as session:
            closing.cancel_votes_on_subject(session, "admission", applicant.id, "The description was wrong.",
                                            now=T0 + 2 * HOUR)
    vote = fresh(vote)
    record = queries.published_record(vote)
    assert [e["type"] for e in record] == ["opened", "ballot", "cancelled"]
    assert record[-1]["data"] == {"reason": "The description was wrong."}
    assert vote.state == "cancelled" and vote.record_head == record[-1]["hash"]
    assert [e.payload["record_head"] for e in events(vote.id, "vote_cancelled")] == [vote.record_head] * 2
    assert ledger.verify_chain(record) == []


def test_an_open_vote_has_no_published_record_but_the_operator_can_export_it(steward, voters, applicant):
    vote = open_admission(steward, applicant, secret=True)
    services.cast_ballot(actor=voters[0][0], vote=vote, choice="for", now=T0 + HOUR)
    with pytest.raises(Conflict):
        queries.published_record(vote)
    assert ledger.loads_jsonl(queries.export_ledger(vote)) == queries.ledger_entries(vote)


def test_a_secret_vote_is_published_sealed(steward, voters, applicant):
    vote = open_admission(steward, applicant, secret=True)
    for i, (delegate, _coop) in enumerate(voters):
        services.cast_ballot(actor=delegate, vote=vote, choice="for" if i % 2 else "against", now=T0 + (i + 1) * HOUR)
    vote = fresh(closing.close_vote(actor=services.SYSTEM, vote=vote, now=T0 + WEEK))
    stored, published = queries.ledger_entries(vote), queries.published_record(vote)
    ballots = [e for e in published if e["type"] == "ballot"]
    # Neither the order nor the times follow casting: sorted by receipt, all at the closing time.
    assert [e["data"]["voter"] for e in ballots] == sorted(e["data"]["voter"] for e in ballots)
    assert {e["at"] for e in ballots} == {published[-1]["at"]} and published[0] == stored[0]
    assert all(e["data"]["delegate"] is None for e in ballots)
    assert vote.record_head == published[-1]["hash"] != stored[-1]["hash"]
    assert ledger.loads_jsonl(queries.export_ledger(vote)) == published
    assert ledger.verify_chain(published) == []
    assert ledger.replay(published).recompute().to_dict() == vote.result


# 3. Second call ------------------------------------------------------------------------------

TEXT = "Members own the platform together.\n\nNew members may join at any time."


@pytest.fixture
def world(steward, make_standard, make_delegate, make_coop):
    standard = make_standard(sections=[("Member ownership", TEXT)])
    delegates = [make_delegate(coop=make_coop(name=f"Co-op {n}"), name=f"Delegate {n}") for n in range(3)]
    return {"standard": standards.get_standard(standard.slug), "delegates": delegates, "steward": steward}


def _amendment(world, body, who=0):
    s = standards.get_standard(world["standard"].slug).sections[0]
    amendment = proposals.propose_amendment(actor=world["delegates"][who], standard=world["standard"], kind="modify",
                                            section=s, summary="Change.", proposed_title=s.title, proposed_body=body)
    return proposals.open_amendment(actor=world["delegates"][who], amendment=amendment)


def _subject(world, kind, applicant):
    if kind == "admission":
        return applicant.id, "simple-majority", "for"
    if kind == "amendment":
        return _amendment(world, TEXT.replace("together", "jointly")).id, "simple-majority", "for"
    if kind == "group":
        a = _amendment(world, TEXT.replace("together", "jointly"))
        b = _amendment(world, TEXT.replace("together", "as one"), who=1)
        group = proposals.group_competing(actor=world["steward"], amendments=[a, b])
        return group.id, "ranked", [a.reference, b.reference, "status_quo"]
    version = versions.assemble_version(actor=world["steward"], standard=world["standard"], summary="First.")
    return version.id, "simple-majority", "for"


def _cast(vote, delegate, choice):
    if isinstance(choice, list):
        return services.cast_ballot(actor=delegate, vote=vote, ranking=choice)
    return services.cast_ballot(actor=delegate, vote=vote, choice=choice)


@pytest.mark.parametrize("kind", ["admission", "amendment", "group", "version"])
def test_a_second_call_opens_closes_and_acts(world, applicant, kind):
    steward, delegates = world["steward"], world["delegates"]
    subject_id, preset, choice = _subject(world, kind, applicant)
    first = services.open_vote(actor=steward, subject_kind=kind, subject_id=subject_id, rule_preset=preset,
                               second_call_quorum="1/4", closes_at=utcnow() + WEEK)
    _cast(first, delegates[0], choice)  # 1 of 3: the quorum of 1/2 is missed, nothing else
    first = fresh(closing.close_vote(actor=steward, vote=first))
    second = queries.second_call_of(first)
    assert first.state == "closed" and not first.passed and second is not None, first.effect_note
    assert second.state == "open" and second.second_call_of_id == first.id
    assert str(second.rule_obj.quorum) == "1/4" and second.rule_obj.second_call_quorum is None
    if kind in ("amendment", "group"):
        assert {a.state for a in db.session.scalars(select(Amendment))} == {"voting"}
    if kind == "version":
        assert db.session.get(Version, subject_id).vote_id == second.id
    _cast(second, delegates[1], choice)
    second = fresh(closing.close_vote(actor=steward, vote=second))
    assert second.state == "closed" and second.passed, second.explanation
    assert queries.second_call_of(second) is None
    if kind == "admission":
        assert db.session.get(type(applicant), applicant.id).status == "member"
    elif kind == "amendment":
        assert db.session.get(Amendment, subject_id).state == "adopted"
    elif kind == "group":
        assert sorted(a.state for a in db.session.scalars(select(Amendment))) == ["adopted", "superseded"]
    else:
        assert db.session.get(Version, subject_id).state == "ratified"


class Stubborn:
    def __init__(self, ident):
        self.id = ident


class StubbornHandler(SubjectHandler):
    """A subject whose second call is refused, or whose closing fails outright, while ``problem`` says so."""

    kind = "stubborn"
    label = "A stubborn question"
    problem: Exception | None = None

    def load(self, subject_id):
        return Stubborn(subject_id)

    def title(self, subject):
        return f"Stubborn {subject.id}"

    def frozen_text(self, subject):
        return "Shall we?"

    def rule_preset(self, subject):
        return "simple-majority"

    def on_second_call(self, session, subject, vote, second):
        if StubbornHandler.problem is not None:
            raise StubbornHandler.problem

    def link(self, subject):
        return "votes.index", {}


register_subject(StubbornHandler())


def test_a_vote_that_cannot_close_says_why_once_and_closes_when_it_can(steward, voters, caplog, monkeypatch):
    vote = services.open_vote(actor=steward, subject_kind="stubborn", subject_id=1, second_call_quorum="1/5",
                              closes_at=T0 + WEEK, now=T0)
    services.cast_ballot(actor=voters[0][0], vote=vote, choice="for", now=T0 + HOUR)
    monkeypatch.setattr(StubbornHandler, "problem", Conflict("The subject is locked."))
    caplog.set_level(logging.DEBUG, logger="deliberate.voting.closing")
    later = T0 + WEEK
    for minute in range(3):
        assert closing.close_due_votes(later + timedelta(minutes=minute)) == []
    vote = fresh(vote)
    assert (vote.state, vote.close_error, vote.close_failed_at) == ("open", "The subject is locked.", later)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and "could not close" in r.getMessage()]
    assert len(warnings) == 1  # once per reason, not at every run of the scheduler
    # Another reason is stored and logged again (an unexpected error included).
    monkeypatch.setattr(StubbornHandler, "problem", RuntimeError("disk full"))
    assert closing.close_due_votes(later + HOUR) == []
    vote = fresh(vote)
    assert vote.close_error == "RuntimeError: disk full" and vote.close_failed_at == later + HOUR
    assert len([r for r in caplog.records if r.levelno >= logging.WARNING and "could not close" in r.getMessage()]) == 2
    monkeypatch.setattr(StubbornHandler, "problem", None)
    assert closing.close_due_votes(later + 2 * HOUR) == [vote.id]
    vote = fresh(vote)
    assert vote.state == "closed" and vote.close_error is None and vote.close_failed_at is None
    assert queries.second_call_of(vote) is not None


# 1. Secrecy: nothing per ballot, turnout in batches -------------------------------------------

def test_a_secret_vote_announces_no_ballot_and_no_objection_only_batched_turnout(steward, voters, applicant):
    vote = open_admission(steward, applicant, rule_preset="consent", secret=True)
    assert vote.published_turnout == 0
    services.cast_ballot(actor=voters[0][0], vote=vote, choice="consent", now=T0 + HOUR)
    objection = objections.raise_objection(actor=voters[1][0], vote=vote, argument="Fees unclear", now=T0 + HOUR)
    objections.withdraw_objection(actor=voters[1][0], objection=objection, note="Fees explained", now=T0 + 2 * HOUR)
    objections.log_concern(actor=voters[2][0], vote=vote, argument="Watch the fees", now=T0 + 2 * HOUR)
    assert [e.kind for e in events(vote.id)] == ["vote_opened", "vote_opened"]
    assert queries.turnout(fresh(vote)) == {"turnout": 0, "electorate": 5}
    assert queries.turnouts([fresh(vote)]) == {vote.id: 0}
    # The batch: one event per changed vote, naming nobody.
    assert closing.publish_turnouts(T0 + 3 * HOUR) == [vote.id]
    batch = events(vote.id, "turnout_changed")
    assert [(e.scope, e.actor_id, e.payload) for e in batch] == [
        (f"vote:{vote.id}", None, {"vote_id": vote.id, "turnout": 2, "electorate": 5})]
    assert fresh(vote).published_turnout == 2 and queries.turnout(fresh(vote))["turnout"] == 2
    assert closing.publish_turnouts(T0 + 4 * HOUR) == []  # nothing changed: nothing announced
    services.cast_ballot(actor=voters[2][0], vote=vote, choice="stand_aside", now=T0 + 5 * HOUR)
    services.cast_ballot(actor=voters[0][0], vote=vote, choice="stand_aside", now=T0 + 5 * HOUR)
    assert closing.publish_turnouts(T0 + 6 * HOUR) == [vote.id]
    assert events(vote.id, "turnout_changed")[-1].payload["turnout"] == 3
    assert {e.kind for e in events(vote.id)} == {"vote_opened", "turnout_changed"}


def test_the_scheduler_and_close_due_publish_turnouts(app, steward, voters, applicant):
    from deliberate.voting import scheduler

    vote = open_admission(steward, applicant, secret=True)
    services.cast_ballot(actor=voters[0][0], vote=vote, choice="for", now=T0 + HOUR)
    assert scheduler.tick(app, now=T0 + 2 * HOUR)["turnouts"] == [vote.id]
    services.cast_ballot(actor=voters[1][0], vote=vote, choice="for", now=T0 + 3 * HOUR)
    result = app.test_cli_runner().invoke(args=["votes", "close-due", "--now", "2031-03-02T13:00"])
    assert result.exit_code == 0 and "turnout of 1 secret vote(s)" in result.output, result.output
    assert [e.payload["turnout"] for e in events(vote.id, "turnout_changed")] == [1, 2]


def test_a_public_vote_still_announces_each_ballot(steward, voters, applicant):
    vote = open_admission(steward, applicant, live_totals=True)
    services.cast_ballot(actor=voters[0][0], vote=vote, choice="for", now=T0 + HOUR)
    cast = events(vote.id, "ballot_cast")
    assert cast[0].payload["turnout"] == 1 and cast[0].payload["totals"]["for"] == 1
    assert closing.publish_turnouts(T0 + 2 * HOUR) == []
    assert fresh(vote).published_turnout is None


def test_a_delegate_of_two_coops_gets_two_unrelated_pseudonyms(steward, voters, applicant):
    delegate, coop = voters[0]
    other = voters[1][1]
    _inv, token = members.invite_delegate(actor=steward, coop=other)
    members.accept_invitation(token=token, name="", email="", password="", actor=delegate)
    vote = open_admission(steward, applicant)
    services.cast_ballot(actor=delegate, vote=vote, coop=coop, choice="for", now=T0 + HOUR)
    services.cast_ballot(actor=delegate, vote=vote, coop=other, choice="for", now=T0 + HOUR)
    names = [e["data"]["delegate"] for e in queries.ledger_entries(vote) if e["type"] == "ballot"]
    assert len(set(names)) == 2 and all(n.startswith("d-") for n in names)


def test_a_secret_record_names_no_delegate(steward, voters, applicant):
    vote = open_admission(steward, applicant, secret=True)
    ballot = services.cast_ballot(actor=voters[0][0], vote=vote, choice="for", now=T0 + HOUR)
    assert ballot.delegate_pseudonym is None
    assert queries.ledger_entries(vote)[-1]["data"]["delegate"] is None


# 5. Receipts ---------------------------------------------------------------------------------

@pytest.mark.parametrize("secret", [False, True])
def test_each_coop_holds_the_receipt_of_its_counted_ballot(steward, voters, applicant, secret):
    vote = open_admission(steward, applicant, rule_preset="consent", secret=secret)
    delegate, coop = voters[0]
    first = services.cast_ballot(actor=delegate, vote=vote, choice="consent", now=T0 + HOUR).receipt_hash
    objections.raise_objection(actor=voters[1][0], vote=vote, argument="Fees unclear", now=T0 + HOUR)
    ballot = services.cast_ballot(actor=delegate, vote=vote, choice="stand_aside", now=T0 + 2 * HOUR)
    assert ballot.receipt_hash != first and len(ballot.receipt_hash) == 64
    stored = queries.ledger_entries(vote)
    mine = [e for e in stored if e["type"] in ("ballot", "objection") and e["data"]["voter"] ==
            next(m.voter for m in queries.electorate(vote) if m.coop_id == coop.id)]
    assert ballot.receipt_hash == ledger.ballot_receipt(mine[-1]["data"])
    nonces = [e["data"]["nonce"] for e in stored if e["type"] in ("ballot", "objection")]
    assert len(set(nonces)) == len(nonces) == 3 and all(len(n) == 32 for n in nonces)
    objecting = db.session.scalar(select(Ballot).where(Ballot.vote_id == vote.id, Ballot.coop_id == voters[1][1].id))
    assert objecting.receipt_hash == ledger.ballot_receipt(stored[2]["data"])
    closing.close_vote(actor=services.SYSTEM, vote=vote, now=T0 + WEEK)
    published = queries.published_record(fresh(vote))
    receipts = {ledger.ballot_receipt(e["data"]) for e in published if e["type"] in ("ballot", "objection")}
    assert {ballot.receipt_hash, objecting.receipt_hash, first} <= receipts
    # ... and in the delegate's own data download.
    exported = export_person(actor=delegate)
    assert [b["receipt_hash"] for b in exported["ballots"] if b["vote_id"] == vote.id] == [ballot.receipt_hash]


# 5. The database refuses to rewrite a record ---------------------------------------------------

@pytest.mark.parametrize("statement", ["UPDATE vote_ledger SET hash = '0'", "DELETE FROM vote_ledger",
                                       "UPDATE vote_ledger SET entry = entry WHERE seq = 0",
                                       "TRUNCATE vote_ledger"])
def test_raw_sql_cannot_change_or_delete_a_record(steward, voters, applicant, statement):
    vote = open_admission(steward, applicant)
    services.cast_ballot(actor=voters[0][0], vote=vote, choice="for", now=T0 + HOUR)
    closing.close_vote(actor=services.SYSTEM, vote=vote, now=T0 + WEEK)
    before = queries.ledger_entries(vote)
    if statement.startswith("TRUNCATE"):
        if not is_postgres():
            pytest.skip("SQLite has no TRUNCATE")
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text(statement))
    db.session.rollback()
    assert queries.ledger_entries(vote) == before
    # Appending still works: a new vote's record grows.
    other = open_admission(steward, applicant)
    assert db.session.scalar(select(LedgerEntry.kind).where(LedgerEntry.vote_id == other.id)) == "opened"


# 7. Rules the code applies, now said ----------------------------------------------------------

def test_a_coop_that_is_no_longer_a_member_cannot_withdraw_its_objection(steward, voters, applicant):
    vote = open_admission(steward, applicant, rule_preset="consent")
    delegate, coop = voters[0]
    objection = objections.raise_objection(actor=delegate, vote=vote, argument="Fees unclear", now=T0 + HOUR)
    members.change_coop_status(actor=steward, coop=coop, status="suspended")
    with pytest.raises(PermissionDenied, match="suspended"):
        objections.withdraw_objection(actor=delegate, objection=objection, now=T0 + 2 * HOUR)
    assert [e["type"] for e in queries.ledger_entries(vote)] == ["opened", "objection"]
    closing.close_vote(actor=services.SYSTEM, vote=vote, now=T0 + WEEK)
    assert fresh(vote).passed is False  # its objection still blocks


def test_a_ballot_cast_before_suspension_stays_counted(steward, voters, applicant):
    vote = open_admission(steward, applicant)
    for delegate, _coop in voters[:3]:
        services.cast_ballot(actor=delegate, vote=vote, choice="for", now=T0 + HOUR)
    members.change_coop_status(actor=steward, coop=voters[0][1], status="suspended")
    members.change_coop_status(actor=steward, coop=voters[1][1], status="left")
    vote = fresh(closing.close_vote(actor=services.SYSTEM, vote=vote, now=T0 + WEEK))
    assert vote.passed and vote.result["counts"]["for"] == 3 and vote.result["turnout"] == 3


def test_resolving_an_objection_names_a_real_amendment_of_the_standard(world, make_standard):
    steward, delegates = world["steward"], world["delegates"]
    amendment = _amendment(world, TEXT.replace("together", "jointly"))
    vote = services.open_vote(actor=steward, subject_kind="amendment", subject_id=amendment.id,
                              rule_preset="consent", closes_at=utcnow() + WEEK)
    objection = objections.raise_objection(actor=delegates[1], vote=vote, argument="Too vague.")
    elsewhere = make_standard()
    section = standards.get_standard(elsewhere.slug).sections[0]
    foreign = proposals.propose_amendment(actor=delegates[0], standard=standards.get_standard(elsewhere.slug),
                                          kind="modify", section=section, summary="Other.",
                                          proposed_title=section.title, proposed_body=section.body + " Always.")
    for bad in (999_999, foreign.id, -1):
        with pytest.raises(InvalidInput, match="no amendment"):
            objections.resolve_objection(actor=steward, objection=objection, amendment_id=bad)
    assert [e["type"] for e in queries.ledger_entries(vote)] == ["opened", "objection"]
    resolving = _amendment(world, TEXT.replace("at any time", "at any time, once a year"), who=2)
    done = objections.resolve_objection(actor=steward, objection=objection, amendment_id=resolving.id)
    assert done.status == "resolved" and done.resolved_amendment_id == resolving.id


def test_an_objection_in_an_admission_vote_cannot_be_resolved_by_an_amendment(steward, voters, applicant, world):
    vote = open_admission(steward, applicant, rule_preset="consent")
    objection = objections.raise_objection(actor=voters[0][0], vote=vote, argument="Unclear", now=T0 + HOUR)
    amendment = _amendment(world, TEXT.replace("together", "jointly"))
    with pytest.raises(InvalidInput, match="no amendment"):
        objections.resolve_objection(actor=steward, objection=objection, amendment_id=amendment.id, now=T0 + 2 * HOUR)


def test_a_consent_vote_nobody_took_part_in_is_rejected_even_without_quorum(steward, voters, applicant):
    vote = open_admission(steward, applicant, rule={"method": "consent"})
    assert vote.rule_obj.quorum is None and vote.rule_obj.quorum_count is None
    vote = fresh(closing.close_vote(actor=services.SYSTEM, vote=vote, now=T0 + WEEK))
    assert vote.passed is False and vote.result["turnout"] == 0


def test_no_vote_on_a_missing_subject(steward):
    with pytest.raises(NotFound):
        services.open_vote(actor=steward, subject_kind="admission", subject_id=999_999, closes_at=T0 + WEEK, now=T0)


# The migration brings existing votes to the new rules -------------------------------------------

def test_the_migration_ends_old_records_and_fills_heads_receipts_and_turnouts(app, steward, voters, applicant,
                                                                              make_coop):
    from flask_migrate import downgrade, upgrade

    public = open_admission(steward, applicant)
    services.cast_ballot(actor=voters[0][0], vote=public, choice="for", now=T0 + HOUR)
    closing.close_vote(actor=services.SYSTEM, vote=public, now=T0 + WEEK)
    secret = open_admission(steward, make_coop("applicant"), secret=True)
    for delegate, _coop in reversed(voters[:3]):
        services.cast_ballot(actor=delegate, vote=secret, choice="for", now=T0 + HOUR)
    closing.close_vote(actor=services.SYSTEM, vote=secret, now=T0 + WEEK)
    cancelled = open_admission(steward, make_coop("applicant"))
    services.cast_ballot(actor=voters[0][0], vote=cancelled, choice="for", now=T0 + HOUR)
    closing.cancel_vote(actor=steward, vote=cancelled, reason="Wrong text.", now=T0 + 2 * HOUR)
    running = open_admission(steward, make_coop("applicant"), secret=True)
    services.cast_ballot(actor=voters[1][0], vote=running, choice="for", now=T0 + HOUR)
    ended = [public.id, secret.id, cancelled.id]
    public_id, secret_id, cancelled_id, running_id = public.id, secret.id, cancelled.id, running.id
    expected = {i: db.session.get(Vote, i).record_head for i in ended}
    # Before this change a secret vote's record was published as stored, in casting order: the
    # migration keeps that head (copies kept elsewhere, a changelog citing it) and never re-seals it.
    stored_secret = queries.ledger_entries(db.session.get(Vote, secret_id))
    expected[secret_id] = stored_secret[-1]["hash"]
    receipts = {b.id: b.receipt_hash for b in db.session.scalars(select(Ballot))}
    final = queries.published_record(db.session.get(Vote, cancelled_id))[-1]
    assert final["type"] == "cancelled" and None not in expected.values() and None not in receipts.values()
    db.session.remove()
    try:
        # As written before this change: no final entry for a cancelled vote, no heads, no receipts.
        downgrade(revision="j1events0001")
        with db.engine.begin() as connection:
            connection.execute(text("DELETE FROM vote_ledger WHERE kind = 'cancelled'"))
        upgrade()
    finally:
        for logger in logging.root.manager.loggerDict.values():  # Alembic's fileConfig disables them
            if isinstance(logger, logging.Logger):
                logger.disabled = False
    assert {i: db.session.get(Vote, i).record_head for i in ended} == expected
    assert queries.published_record(db.session.get(Vote, secret_id)) == stored_secret
    assert [db.session.get(Vote, i).record_sealed for i in (secret_id, running_id)] == [False, True]
    assert queries.published_record(db.session.get(Vote, cancelled_id))[-1] == final
    assert {b.id: b.receipt_hash for b in db.session.scalars(select(Ballot))} == receipts
    assert db.session.get(Vote, running_id).published_turnout == 1
    assert db.session.get(Vote, public_id).published_turnout is None
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text("DELETE FROM vote_ledger"))
    db.session.rollback()
