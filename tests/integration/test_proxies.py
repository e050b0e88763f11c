"""Proxies between co-ops against the database (SQLite and PostgreSQL): giving, accepting before it
counts, limits, revoking, expiry, casting by proxy and splitting, a co-op's own ballot overriding
(before and after), quorum, secrecy, the proxy record, and the holder and the co-op at one moment."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from deliberate.errors import Conflict, InvalidInput, PermissionDenied
from deliberate.extensions import db
from deliberate.members.models import Cooperative, Person
from deliberate.proxies import chain, queries, services
from deliberate.proxies.models import Proxy
from deliberate.voting import closing, ledger
from deliberate.voting import queries as vote_queries
from deliberate.voting import services as voting
from deliberate.voting.models import Ballot, Vote
from tests.concurrency import run_together

T0 = datetime(2031, 3, 2, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
MONTH = timedelta(days=30)


@pytest.fixture
def coops(make_delegate):
    """Four member co-ops A, B, C, D with one delegate each: {"A": (delegate, coop), ...}."""
    result = {}
    for name in "ABCD":
        delegate = make_delegate()
        result[name] = (delegate, delegate.coops[0])
    return result


def _vote(steward, make_coop, **keywords):
    applicant = make_coop("applicant")
    return voting.open_vote(actor=steward, subject_kind="admission", subject_id=applicant.id,
                            closes_at=T0 + timedelta(days=7), now=T0, **keywords)


def _proxy(coops, giver, holder, *, accept=True, now=T0 - HOUR, **keywords):
    keywords.setdefault("scope", "network")
    proxy = services.give_proxy(actor=coops[giver][0], giver=coops[giver][1], holder=coops[holder][1],
                                ends_at=keywords.pop("ends_at", T0 + MONTH), now=now, **keywords)
    if accept:
        proxy = services.accept_proxy(actor=coops[holder][0], proxy=proxy, now=now)
    return proxy


def _ballot(vote, coop) -> Ballot | None:
    return db.session.scalar(select(Ballot).where(Ballot.vote_id == vote.id, Ballot.coop_id == coop.id)
                             .execution_options(populate_existing=True))


def test_a_proxy_counts_only_once_accepted(coops, steward, make_coop):
    vote = _vote(steward, make_coop)
    proxy = _proxy(coops, "A", "B", accept=False)
    (b, coop_b), coop_a = coops["B"], coops["A"][1]
    with pytest.raises(PermissionDenied, match="does not hold"):
        services.cast_by_proxy(actor=b, vote=vote, holder=coop_b, for_coop=coop_a, choice="for", now=T0 + HOUR)
    services.accept_proxy(actor=b, proxy=proxy, now=T0)
    ballot = services.cast_by_proxy(actor=b, vote=vote, holder=coop_b, for_coop=coop_a, choice="for", now=T0 + HOUR)
    assert (ballot.coop_id, ballot.proxy_holder_coop_id, ballot.cast_by_id) == (coop_a.id, coop_b.id, b.id)
    entry = vote_queries.ledger_entries(vote)[-1]
    assert entry["data"]["proxy"] == f"coop-{coop_b.slug}" and entry["data"]["voter"] == f"coop-{coop_a.slug}"


def test_only_the_holders_delegates_answer_and_only_the_givers_revoke(coops):
    proxy = _proxy(coops, "A", "B", accept=False)
    with pytest.raises(PermissionDenied):
        services.accept_proxy(actor=coops["A"][0], proxy=proxy, now=T0)
    with pytest.raises(PermissionDenied):
        services.accept_proxy(actor=coops["C"][0], proxy=proxy, now=T0)
    with pytest.raises(PermissionDenied):
        services.revoke_proxy(actor=coops["B"][0], proxy=proxy, now=T0)
    with pytest.raises(PermissionDenied):
        services.give_proxy(actor=coops["B"][0], giver=coops["A"][1], holder=coops["C"][1], scope="network",
                            ends_at=T0 + MONTH, now=T0)
    declined = services.decline_proxy(actor=coops["B"][0], proxy=proxy, now=T0)
    assert declined.state == "declined"
    with pytest.raises(Conflict):
        services.accept_proxy(actor=coops["B"][0], proxy=proxy, now=T0)


def test_giving_is_checked(coops, make_coop, make_standard):
    a, coop_a = coops["A"]
    cases = [dict(holder=coop_a, scope="network", ends_at=T0 + MONTH),
             dict(holder=coops["B"][1], scope="network", ends_at=T0 - HOUR),
             dict(holder=coops["B"][1], scope="network", ends_at=T0 + timedelta(days=400)),
             dict(holder=coops["B"][1], scope="standard", ends_at=T0 + MONTH),
             dict(holder=coops["B"][1], scope="everything", ends_at=T0 + MONTH),
             dict(holder=make_coop("applicant"), scope="network", ends_at=T0 + MONTH)]
    for case in cases:
        with pytest.raises(InvalidInput):
            services.give_proxy(actor=a, giver=coop_a, now=T0, **case)
    _proxy(coops, "A", "B", accept=False)
    with pytest.raises(Conflict, match="Revoke"):
        _proxy(coops, "A", "C", accept=False)  # one live network proxy at a time
    _proxy(coops, "A", "C", accept=False, scope="standard", standard=make_standard())  # another scope is fine


def test_the_policy_limits_how_many_coops_one_holds(coops):
    with mock.patch.object(services, "max_per_coop", return_value=1):
        _proxy(coops, "A", "D")
        with pytest.raises(Conflict, match="most the network's rules allow"):
            _proxy(coops, "B", "D", accept=False)
    with mock.patch.object(services, "max_per_coop", return_value=0):
        with pytest.raises(PermissionDenied, match="do not allow proxies"):
            _proxy(coops, "C", "B", accept=False)


def test_the_limit_is_checked_again_at_acceptance(coops):
    offered = [_proxy(coops, giver, "D", accept=False) for giver in "AB"]
    with mock.patch.object(services, "max_per_coop", return_value=1):
        services.accept_proxy(actor=coops["D"][0], proxy=offered[0], now=T0 - HOUR)
        with pytest.raises(Conflict):
            services.accept_proxy(actor=coops["D"][0], proxy=offered[1], now=T0 - HOUR)


def test_revoked_and_expired_proxies_no_longer_count(coops, steward, make_coop):
    vote = _vote(steward, make_coop)
    (b, coop_b), (a, coop_a) = coops["B"], coops["A"]
    revoked = _proxy(coops, "A", "B")
    services.revoke_proxy(actor=a, proxy=revoked, now=T0)
    with pytest.raises(PermissionDenied):
        services.cast_by_proxy(actor=b, vote=vote, holder=coop_b, for_coop=coop_a, choice="for", now=T0 + HOUR)
    coop_c, (d, coop_d) = coops["C"][1], coops["D"]
    _proxy(coops, "C", "D", ends_at=T0 + 2 * HOUR)
    services.cast_by_proxy(actor=d, vote=vote, holder=coop_d, for_coop=coop_c, choice="for", now=T0 + HOUR)
    with pytest.raises(PermissionDenied):  # past its end date, whether or not the expiry has run
        services.cast_by_proxy(actor=d, vote=vote, holder=coop_d, for_coop=coop_c, choice="against", now=T0 + 3 * HOUR)
    assert services.expire_due_proxies(now=T0 + 3 * HOUR) == 1
    assert services.expire_due_proxies(now=T0 + 3 * HOUR) == 0
    kinds = [(e["kind"], e["ref"]) for e in queries.record_entries()]
    assert kinds[-1][0] == "expired" and ("revoked", revoked.id) in kinds
    assert chain.verify(queries.record_entries()) == []


def test_most_specific_proxy_decides(coops, steward, make_coop):
    vote = _vote(steward, make_coop)
    _proxy(coops, "A", "B")
    _proxy(coops, "A", "C", scope="vote", vote=vote)
    with pytest.raises(PermissionDenied):
        services.cast_by_proxy(actor=coops["B"][0], vote=vote, holder=coops["B"][1], for_coop=coops["A"][1], choice="for",
                               now=T0 + HOUR)
    services.cast_by_proxy(actor=coops["C"][0], vote=vote, holder=coops["C"][1], for_coop=coops["A"][1], choice="for",
                           now=T0 + HOUR)


def test_no_chains(coops, steward, make_coop):
    vote = _vote(steward, make_coop)
    _proxy(coops, "A", "B")
    _proxy(coops, "B", "C")
    with pytest.raises(PermissionDenied):  # C holds B's vote, not A's
        services.cast_by_proxy(actor=coops["C"][0], vote=vote, holder=coops["C"][1], for_coop=coops["A"][1], choice="for",
                               now=T0 + HOUR)
    # B still holds A's vote although it gave its own away.
    services.cast_by_proxy(actor=coops["B"][0], vote=vote, holder=coops["B"][1], for_coop=coops["A"][1], choice="for",
                           now=T0 + HOUR)


def test_split_and_quorum_count_proxied_coops(coops, steward, make_coop):
    # Quorum 3/4 of the electorate: D's own ballot and the two it cast by proxy count toward it.
    vote = _vote(steward, make_coop, rule={"quorum": "3/4"}, rule_preset="simple-majority")
    _proxy(coops, "A", "D")
    _proxy(coops, "B", "D")
    d, coop_d = coops["D"]
    services.cast_by_proxy(actor=d, vote=vote, holder=coop_d, for_coop=coops["A"][1], choice="for", now=T0 + HOUR)
    services.cast_by_proxy(actor=d, vote=vote, holder=coop_d, for_coop=coops["B"][1], choice="against", now=T0 + HOUR)
    voting.cast_ballot(actor=d, vote=vote, choice="for", now=T0 + HOUR)
    electorate = len(vote_queries.electorate(vote))
    closed = closing.close_vote(actor=steward, vote=db.session.get(Vote, vote.id), now=T0 + 2 * HOUR)
    outcome = closed.outcome
    assert outcome.turnout == 3 and outcome.electorate_size == electorate
    assert outcome.counts["for"] == 2 and outcome.counts["against"] == 1  # split: A for, B against
    report = ledger.verify(vote_queries.published_record(closed))
    assert report.ok, report.problems
    assert outcome.quorum_met == (3 * 4 >= 3 * electorate)


def test_a_coops_own_ballot_overrides_its_proxy_after_and_before(coops, steward, make_coop):
    vote = _vote(steward, make_coop)
    _proxy(coops, "A", "B")
    (a, coop_a), (b, coop_b) = coops["A"], coops["B"]
    services.cast_by_proxy(actor=b, vote=vote, holder=coop_b, for_coop=coop_a, choice="for", now=T0 + HOUR)
    voting.cast_ballot(actor=a, vote=vote, choice="against", now=T0 + 2 * HOUR)  # after: replaces it
    ballot = _ballot(vote, coop_a)
    assert (ballot.choice, ballot.proxy_holder_coop_id, ballot.cast_by_id) == ("against", None, a.id)
    with pytest.raises(Conflict, match="own ballot"):  # and the holder can no longer cast for it
        services.cast_by_proxy(actor=b, vote=vote, holder=coop_b, for_coop=coop_a, choice="for", now=T0 + 3 * HOUR)
    # Before: C votes itself first, then its holder D is refused.
    _proxy(coops, "C", "D")
    voting.cast_ballot(actor=coops["C"][0], vote=vote, choice="for", now=T0 + HOUR)
    with pytest.raises(Conflict):
        services.cast_by_proxy(actor=coops["D"][0], vote=vote, holder=coops["D"][1], for_coop=coops["C"][1],
                               choice="against", now=T0 + 2 * HOUR)
    assert len(db.session.scalars(select(Ballot).where(Ballot.vote_id == vote.id)).all()) == 2
    # A tampered record where a proxy ballot follows a direct one fails the verifier.
    entries = vote_queries.ledger_entries(vote)
    forged = ledger.make_entry(entries[-1], "ballot", ledger.ballot_data(f"coop-{coop_a.slug}", None, "for", None, None,
                                                                          proxy=f"coop-{coop_b.slug}"), T0 + 4 * HOUR)
    report = ledger.verify(entries + [forged], allow_open=True)
    assert not report.ok and "already voted itself" in report.problems[0]


def test_secret_vote_records_no_proxy_and_the_receipt_is_the_represented_coops(coops, steward, make_coop):
    vote = _vote(steward, make_coop, secret=True)
    _proxy(coops, "A", "B")
    (a, coop_a), (b, coop_b) = coops["A"], coops["B"]
    ballot = services.cast_by_proxy(actor=b, vote=vote, holder=coop_b, for_coop=coop_a, choice="for", note="as agreed",
                                    now=T0 + HOUR)
    data = vote_queries.ledger_entries(vote)[-1]["data"]
    assert "proxy" not in data and data["delegate"] is None and data["note"] is None
    assert data["voter"].startswith("r-")
    page = vote_queries.vote_page(vote, a, T0 + HOUR)
    assert page.my_ballots[0].receipt_hash == ballot.receipt_hash == ledger.ballot_receipt(data)
    assert queries.vote_section(vote, a, T0 + HOUR).cast_for_mine == {coop_a.id: coop_b.name}
    closed = closing.close_vote(actor=steward, vote=db.session.get(Vote, vote.id), now=T0 + 2 * HOUR)
    published = vote_queries.published_record(closed)
    assert ledger.verify(published).ok
    assert ledger.find_receipt(published, ballot.receipt_hash).counted


@pytest.mark.parametrize("order", ["holder first", "coop first"])
def test_the_holder_and_the_coop_at_the_same_moment_leave_one_ballot_the_coops(app, coops, steward, make_coop, order):
    vote = _vote(steward, make_coop)
    _proxy(coops, "A", "B")
    ids = {"vote": vote.id, "a": coops["A"][0].id, "b": coops["B"][0].id, "A": coops["A"][1].id, "B": coops["B"][1].id}

    def work(i):
        get = db.session.get
        if (i == 0) == (order == "holder first"):
            return services.cast_by_proxy(actor=get(Person, ids["b"]), vote=get(Vote, ids["vote"]),
                                          holder=get(Cooperative, ids["B"]), for_coop=get(Cooperative, ids["A"]),
                                          choice="for", now=T0 + HOUR).id
        return voting.cast_ballot(actor=get(Person, ids["a"]), vote=get(Vote, ids["vote"]), choice="against",
                                  now=T0 + HOUR).id

    results, errors = run_together(app, work, writers=2)
    assert all(isinstance(e, Conflict) for e in errors) and len(errors) <= 1
    rows = db.session.scalars(select(Ballot).where(Ballot.vote_id == ids["vote"])).all()
    assert len(rows) == 1
    assert (rows[0].choice, rows[0].proxy_holder_coop_id) == ("against", None)  # the co-op's own ballot, whatever the order
    assert ledger.verify(vote_queries.ledger_entries(db.session.get(Vote, ids["vote"])), allow_open=True).ok


def test_the_record_is_append_only_and_verifies(coops):
    proxy = _proxy(coops, "A", "B")
    services.revoke_proxy(actor=coops["A"][0], proxy=proxy, now=T0)
    entries = queries.record_entries()
    assert [e["kind"] for e in entries] == ["given", "accepted", "revoked"]
    assert chain.verify(chain.loads(chain.dumps(entries))) == []
    assert [p.state for p in chain.replay(entries)] == ["revoked"]
    from sqlalchemy import text

    from deliberate.proxies.models import ProxyRecordEntry
    with pytest.raises(DBAPIError):
        db.session.execute(text("UPDATE proxy_record SET kind = 'accepted' WHERE seq = 2"))
        db.session.flush()
    db.session.rollback()
    assert db.session.get(ProxyRecordEntry, 2).kind == "revoked"
    assert db.session.get(Proxy, proxy.id).state == "revoked"


def test_seed_proxies_gives_accepts_and_splits(coops, steward, make_coop):
    from deliberate.proxies.seed import seed_proxies

    applicant = make_coop("applicant")
    vote = voting.open_vote(actor=steward, subject_kind="admission", subject_id=applicant.id,
                            closes_at=datetime.now(UTC) + timedelta(days=7))
    ballots = seed_proxies(db.session, giver=coops["A"][1], second_giver=coops["B"][1], holder=coops["C"][1], vote=vote)
    assert [(b.choice, b.proxy_holder_coop_id) for b in ballots] == [("for", coops["C"][1].id), ("against", coops["C"][1].id)]
