"""The retry schedule (pure): exponential backoff with a cap and jitter; outages and 4xx answers
never give a mail up, 5xx refusals do after the allowed number."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from deliberate.mail import schedule

T0 = datetime(2031, 3, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("failures, expected", [(1, 60), (2, 120), (3, 240), (4, 480), (5, 960), (6, 1920),
                                                (7, 3600), (8, 3600), (40, 3600), (10_000, 3600)])
def test_the_delay_doubles_up_to_the_cap(failures, expected):
    assert schedule.retry_delay(failures, base=60, cap=3600, jitter=0.1, rand=0.0) == expected


@pytest.mark.parametrize("rand", [0.0, 0.25, 0.5, 0.999])
def test_jitter_only_shortens_the_delay_by_at_most_its_share(rand):
    delay = schedule.retry_delay(3, base=60, cap=3600, jitter=0.1, rand=rand)
    assert 240 * 0.9 <= delay <= 240
    assert delay == pytest.approx(240 * (1 - 0.1 * rand))


@pytest.mark.parametrize("args", [dict(failures=0), dict(failures=1, jitter=1.0), dict(failures=1, rand=1.0),
                                  dict(failures=1, base=-1)])
def test_nonsense_is_refused(args):
    with pytest.raises(ValueError):
        schedule.retry_delay(**args)


def test_sent_is_sent():
    assert schedule.decide(schedule.SENT, failures=3, refusals=1, now=T0) == schedule.Decision("sent", None, 1)


@pytest.mark.parametrize("outcome", [schedule.OUTAGE, schedule.DEFERRED])
def test_outages_and_deferrals_are_retried_forever(outcome):
    failures = 0
    for _ in range(200):
        decision = schedule.decide(outcome, failures, 0, T0, base=60, cap=3600, max_refusals=3, rand=0.0)
        assert decision.status == "pending" and decision.refusals == 0
        assert T0 < decision.retry_at <= T0 + timedelta(hours=1)
        failures += 1
    assert decision.retry_at == T0 + timedelta(hours=1)


@pytest.mark.parametrize("max_refusals", [1, 2, 5])
def test_refusals_fail_after_the_allowed_number(max_refusals):
    refusals, failures, statuses = 0, 0, []
    while True:
        decision = schedule.decide(schedule.REFUSED, failures, refusals, T0, max_refusals=max_refusals, rand=0.0)
        statuses.append(decision.status)
        refusals, failures = decision.refusals, failures + 1
        if decision.status != "pending":
            break
    assert statuses == ["pending"] * (max_refusals - 1) + ["failed"]
    assert refusals == max_refusals and decision.retry_at is None


def test_an_outage_between_refusals_does_not_count_as_one():
    first = schedule.decide(schedule.REFUSED, 0, 0, T0, max_refusals=2, rand=0.0)
    outage = schedule.decide(schedule.OUTAGE, 1, first.refusals, T0, max_refusals=2, rand=0.0)
    assert (outage.status, outage.refusals) == ("pending", 1)
    assert schedule.decide(schedule.REFUSED, 2, outage.refusals, T0, max_refusals=2).status == "failed"


def test_the_retry_time_follows_the_failures_in_a_row():
    assert schedule.decide(schedule.DEFERRED, 0, 0, T0, base=60, cap=3600, rand=0.0).retry_at == T0 + timedelta(seconds=60)
    assert schedule.decide(schedule.DEFERRED, 2, 0, T0, base=60, cap=3600, rand=0.0).retry_at == T0 + timedelta(seconds=240)


def test_an_unknown_outcome_is_a_bug():
    with pytest.raises(ValueError):
        schedule.decide("maybe", 0, 0, T0)


@pytest.mark.parametrize("code, outcome", [(250, schedule.SENT), (421, schedule.DEFERRED), (450, schedule.DEFERRED),
                                           (451, schedule.DEFERRED), (452, schedule.DEFERRED), (550, schedule.REFUSED),
                                           (552, schedule.REFUSED), (554, schedule.REFUSED), (None, schedule.DEFERRED),
                                           (-1, schedule.DEFERRED)])
def test_reply_codes(code, outcome):
    assert schedule.classify_reply(code) == outcome
