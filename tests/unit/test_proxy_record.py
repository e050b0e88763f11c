"""The proxy record (deliberate/proxies/chain.py) and proxied ballots in the ballot record."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from deliberate.proxies import chain
from deliberate.voting import ledger
from deliberate.voting.rules import PRESETS

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def _record(*kinds, ends=T0 + timedelta(days=1)):
    entries = [chain.make_entry(None, "given", 1, chain.given_payload(1, "coop-a", "coop-b", "network", None, None, ends), T0)]
    for i, kind in enumerate(kinds, start=1):
        entries.append(chain.make_entry(entries[-1], kind, 1, {"proxy_id": 1}, T0 + timedelta(hours=i * 12)))
    return entries


@pytest.mark.parametrize(("kinds", "problem"), [
    ((), None), (("accepted",), None), (("accepted", "revoked"), None), (("declined",), None),
    (("accepted", "expired"), None),  # the second entry is 24 hours after: at the end date
    (("expired",), "before its end date"),
    (("declined", "accepted"), "cannot be accepted"), (("revoked", "revoked"), "cannot be revoked"),
    (("accepted", "accepted"), "cannot be accepted"),
])
def test_transitions_in_the_record(kinds, problem):
    entries = _record(*kinds)
    if kinds == ("expired",):
        entries = _record(ends=T0 + timedelta(days=5))[:1]
        entries.append(chain.make_entry(entries[-1], "expired", 1, {"proxy_id": 1}, T0 + timedelta(hours=1)))
    problems = chain.verify(entries)
    assert (problems == []) if problem is None else (problem in problems[0])


def test_tampering_is_found_and_the_round_trip_is_exact():
    entries = _record("accepted", "revoked")
    text = chain.dumps(entries)
    assert chain.loads(text) == entries and chain.verify(chain.loads(text)) == []
    changed = text.replace('"holder":"coop-b"', '"holder":"coop-c"')
    assert "hash mismatch" in chain.verify(chain.loads(changed))[0]
    assert chain.verify(entries[:1] + entries[2:])  # an entry removed
    assert [p.state for p in chain.replay(entries)] == ["revoked"]


@pytest.mark.parametrize("bad", [
    dict(giver="coop-a", holder="coop-a"), dict(scope="standard"), dict(scope="vote", vote_id=None),
])
def test_given_payloads_are_checked(bad):
    values = dict(proxy_id=1, giver="coop-a", holder="coop-b", scope="network", standard_id=None, vote_id=None, ends_at=T0)
    values.update(bad)
    with pytest.raises(chain.ProxyRecordError):
        chain.given_payload(**values)


def _ballot_record(secret=False, *ballots):
    rule = PRESETS["simple-majority"]
    if secret:
        rule = type(rule).from_dict({**rule.to_dict(), "secret": True})
    opened = ledger.opened_data(1, {"kind": "admission", "id": 1}, rule, {"coop-a": 1, "coop-b": 1, "coop-c": 1}, None,
                                "0" * 64, T0, T0 + timedelta(days=1), secret, secret_key=b"k" * 32 if secret else None)
    entries = [ledger.make_entry(None, "opened", opened, T0)]
    for i, data in enumerate(ballots, start=1):
        entries.append(ledger.make_entry(entries[-1], "ballot", data, T0 + timedelta(minutes=i)))
    return entries


def test_a_proxied_ballot_verifies_and_a_ballot_without_proxy_is_unchanged():
    plain = ledger.ballot_data("coop-a", None, "for", None, None, "a" * 32)
    assert "proxy" not in plain
    assert ledger.ballot_data("coop-a", None, "for", None, None, "a" * 32, proxy=None) == plain
    proxied = ledger.ballot_data("coop-a", None, "for", None, None, "b" * 32, proxy="coop-b")
    assert ledger.verify(_ballot_record(False, proxied, plain), allow_open=True).ok  # own ballot after: fine
    with pytest.raises(ledger.LedgerError):
        ledger.ballot_data("coop-a", None, "for", None, None, proxy="coop-a")


@pytest.mark.parametrize(("proxy", "words"), [("coop-z", "not in the electorate")])
def test_a_proxy_outside_the_electorate_fails(proxy, words):
    data = ledger.ballot_data("coop-a", None, "for", None, None, proxy=proxy)
    report = ledger.verify(_ballot_record(False, data), allow_open=True)
    assert not report.ok and words in report.problems[0]


def test_a_proxy_after_the_coops_own_ballot_fails():
    own = ledger.ballot_data("coop-a", None, "against", None, None)
    proxied = ledger.ballot_data("coop-a", None, "for", None, None, proxy="coop-b")
    report = ledger.verify(_ballot_record(False, own, proxied), allow_open=True)
    assert not report.ok and "already voted itself" in report.problems[0]
