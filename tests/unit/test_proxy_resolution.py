"""Proxy resolution (deliberate/proxies/resolution.py): table-driven cases, and Hypothesis against
an independent implementation."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deliberate.proxies import resolution
from deliberate.proxies.resolution import ProxyTerms, VoteTerms
from deliberate.proxies.states import ACTIONS, STATES, TRANSITIONS, ProxyStateError, check_scope, next_state

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
LATER = T0 + timedelta(days=30)
VOTE = VoteTerms(id=10, standard_id=2, at=T0)


def proxy(id, giver, holder, scope="network", *, state="accepted", ends_at=LATER, standard_id=None, vote_id=None):
    if scope == "standard" and standard_id is None:
        standard_id = 2
    if scope == "vote" and vote_id is None:
        vote_id = 10
    return ProxyTerms(id=id, giver=giver, holder=holder, scope=scope, ends_at=ends_at, state=state,
                      standard_id=standard_id, vote_id=vote_id)


@pytest.mark.parametrize(("proxies", "expected"), [
    pytest.param([], {}, id="no proxies"),
    pytest.param([proxy(1, 1, 2)], {2: [1]}, id="network proxy"),
    pytest.param([proxy(1, 1, 2, state="offered")], {}, id="not yet accepted"),
    pytest.param([proxy(1, 1, 2, state="declined")], {}, id="declined"),
    pytest.param([proxy(1, 1, 2, state="revoked")], {}, id="revoked"),
    pytest.param([proxy(1, 1, 2, state="expired")], {}, id="expired state"),
    pytest.param([proxy(1, 1, 2, ends_at=T0)], {}, id="ends at the moment of casting"),
    pytest.param([proxy(1, 1, 2, ends_at=T0 + timedelta(seconds=1))], {2: [1]}, id="ends a second later"),
    pytest.param([proxy(1, 1, 2, "standard")], {2: [1]}, id="standard proxy for its standard"),
    pytest.param([proxy(1, 1, 2, "standard", standard_id=3)], {}, id="standard proxy for another standard"),
    pytest.param([proxy(1, 1, 2, "vote")], {2: [1]}, id="vote proxy for its vote"),
    pytest.param([proxy(1, 1, 2, "vote", vote_id=11)], {}, id="vote proxy for another vote"),
    pytest.param([proxy(1, 1, 2), proxy(2, 1, 3, "standard")], {3: [1]}, id="standard beats network"),
    pytest.param([proxy(2, 1, 3, "standard"), proxy(1, 1, 2, "vote")], {2: [1]}, id="vote beats standard"),
    pytest.param([proxy(1, 1, 2, "vote"), proxy(2, 1, 3)], {2: [1]}, id="vote beats a later network proxy"),
    pytest.param([proxy(1, 1, 2, "vote", state="offered"), proxy(2, 1, 3)], {3: [1]},
                 id="an offered vote proxy does not hide the accepted network proxy"),
    pytest.param([proxy(1, 1, 2), proxy(2, 1, 3)], {3: [1]}, id="same scope: the later wins"),
    pytest.param([proxy(1, 1, 2), proxy(2, 2, 3)], {2: [1], 3: [2]}, id="no chain: 3 does not get 1"),
    pytest.param([proxy(1, 1, 2), proxy(2, 2, 1)], {2: [1], 1: [2]}, id="a swap is two proxies"),
    pytest.param([proxy(1, 1, 1)], {}, id="never its own vote"),
    pytest.param([proxy(1, 1, 3), proxy(2, 2, 3), proxy(3, 4, 3, "standard")], {3: [1, 2, 4]}, id="several givers"),
])
def test_holdings(proxies, expected):
    assert resolution.holdings(proxies, VOTE) == expected
    for holder, givers in expected.items():
        assert resolution.held_by(proxies, holder, VOTE) == givers
        for giver in givers:
            assert resolution.holder_of(proxies, giver, VOTE) == holder


def test_an_admission_vote_has_no_standard():
    admission = VoteTerms(id=10, standard_id=None, at=T0)
    assert resolution.holdings([proxy(1, 1, 2, "standard")], admission) == {}
    assert resolution.holdings([proxy(1, 1, 2, "standard"), proxy(2, 1, 3)], admission) == {3: [1]}


@pytest.mark.parametrize(("electorate", "expected"), [
    ({1, 2}, {2: [1]}),
    ({2}, {}),      # the giver is not in the electorate
    ({1}, {}),      # the holder is not in the electorate: the giver votes itself
    (None, {2: [1]}),
])
def test_electorate(electorate, expected):
    assert resolution.holdings([proxy(1, 1, 2)], VOTE, electorate) == expected


def test_holders_count_counts_distinct_givers_not_yet_ended():
    proxies = [proxy(1, 1, 9), proxy(2, 1, 9, "standard"), proxy(3, 2, 9, state="offered"),
               proxy(4, 3, 9, ends_at=T0), proxy(5, 4, 8)]
    assert resolution.holders_count(proxies, 9, T0) == 1
    assert resolution.holders_count(proxies, 9, T0, states=("offered", "accepted")) == 2
    assert resolution.holders_count(proxies, 9, T0, exclude=1) == 0


# --------------------------------------------------------------------------- states

@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", ACTIONS)
def test_every_state_and_action(state, action):
    if (state, action) in TRANSITIONS:
        assert next_state(state, action) == TRANSITIONS[(state, action)]
    else:
        with pytest.raises(ProxyStateError):
            next_state(state, action)


@pytest.mark.parametrize(("scope", "standard_id", "vote_id", "ok"), [
    ("network", None, None, True), ("network", 1, None, False), ("standard", 1, None, True),
    ("standard", None, None, False), ("standard", 1, 2, False), ("vote", None, 2, True),
    ("vote", 1, 2, False), ("vote", None, None, False), ("council", None, None, False),
])
def test_scopes(scope, standard_id, vote_id, ok):
    if ok:
        check_scope(scope, standard_id, vote_id)
    else:
        with pytest.raises(ProxyStateError):
            check_scope(scope, standard_id, vote_id)


# --------------------------------------------------------------------------- against an independent implementation

def reference_holdings(proxies, vote, electorate):
    """Written apart from the module: rank each giver's usable proxies in one sort and take the top."""
    rank = {"vote": 3, "standard": 2, "network": 1}
    usable = [p for p in proxies
              if p.state == "accepted" and p.ends_at > vote.at and p.giver != p.holder
              and ((p.scope == "network") or (p.scope == "standard" and vote.standard_id is not None
                                              and p.standard_id == vote.standard_id)
                   or (p.scope == "vote" and p.vote_id == vote.id))]
    usable.sort(key=lambda p: (p.giver, -rank[p.scope], -p.id))
    chosen = {}
    for p in usable:
        chosen.setdefault(p.giver, p)
    result = {}
    for giver, p in sorted(chosen.items()):
        if electorate is None or (giver in electorate and p.holder in electorate):
            result.setdefault(p.holder, []).append(giver)
    return result


coops = st.integers(min_value=1, max_value=5)
proxies_strategy = st.lists(st.builds(
    lambda giver, holder, scope, state, days, standard, vote: proxy(
        0, giver, holder, scope, state=state, ends_at=T0 + timedelta(days=days),
        standard_id=standard if scope == "standard" else None, vote_id=vote if scope == "vote" else None),
    coops, coops, st.sampled_from(["network", "standard", "vote"]), st.sampled_from(STATES),
    st.integers(min_value=-2, max_value=2), st.integers(min_value=1, max_value=3), st.integers(min_value=9, max_value=11),
), max_size=12).map(lambda items: [ProxyTerms(**{**p.__dict__, "id": i + 1}) for i, p in enumerate(items)])


@settings(max_examples=400, deadline=None)
@given(proxies=proxies_strategy, standard=st.one_of(st.none(), st.integers(min_value=1, max_value=3)),
       electorate=st.one_of(st.none(), st.sets(coops)))
def test_matches_an_independent_implementation(proxies, standard, electorate):
    vote = VoteTerms(id=10, standard_id=standard, at=T0)
    expected = reference_holdings(proxies, vote, electorate)
    assert resolution.holdings(proxies, vote, electorate) == expected
    # Invariants: a co-op's vote is held by at most one co-op, never by itself, and no chains.
    held = [giver for givers in expected.values() for giver in givers]
    assert len(held) == len(set(held))
    assert all(holder not in givers for holder, givers in expected.items())
