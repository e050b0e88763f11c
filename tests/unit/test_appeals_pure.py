"""The pure parts of formal objections: the council draw (checked against an independent
implementation), the council's tallies at their boundaries, the state table, and the record."""
from __future__ import annotations

import hashlib
import io
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deliberate.appeals import check, draw, record, states, tally

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
HEX = st.text(alphabet="0123456789abcdef", min_size=64, max_size=64)
SLUGS = st.lists(st.from_regex(r"[a-z][a-z0-9-]{0,12}", fullmatch=True), unique=True, max_size=12)


# The draw ---------------------------------------------------------------------------------------

def independent_order(seed: str, slugs: list[str]) -> list[str]:
    """The documented method written again from docs/appeals.md, without the module's code:
    a generator over the hash stream and an explicit swap loop."""
    def numbers():
        k = 0
        while True:
            yield int(hashlib.sha256((seed + ":" + str(k)).encode()).hexdigest()[:16], 16)
            k += 1

    stream = numbers()
    out = sorted(slugs)
    i = len(out) - 1
    while i >= 1:
        m = i + 1
        bound = 2 ** 64 - (2 ** 64) % m
        value = next(stream)
        while value >= bound:
            value = next(stream)
        j = value % m
        out[i], out[j] = out[j], out[i]
        i -= 1
    return out


@given(HEX, SLUGS)
def test_the_draw_matches_an_independent_implementation(seed, slugs):
    assert draw.draw_order(seed, slugs) == independent_order(seed, slugs)


@given(HEX, SLUGS, st.randoms())
def test_the_draw_depends_on_the_seed_and_the_set_never_on_input_order(seed, slugs, rnd):
    shuffled = list(slugs)
    rnd.shuffle(shuffled)
    order = draw.draw_order(seed, shuffled)
    assert order == draw.draw_order(seed, slugs) and sorted(order) == sorted(slugs)


def test_the_seed_is_sha256_of_the_documented_text():
    w, r = "a" * 64, "b" * 64
    assert draw.derive_seed(w, r) == hashlib.sha256(f"deliberate-council-v1\n{w}\n{r}".encode()).hexdigest()
    assert draw.derive_seed(w, r) != draw.derive_seed(r, w)


def test_a_known_draw_stays_the_same_across_releases():
    seed = draw.derive_seed("0" * 64, "1" * 64)
    slugs = [f"coop-{n}" for n in range(1, 9)]
    assert draw.draw_order(seed, slugs) == independent_order(seed, slugs)
    assert draw.draw_order(seed, slugs) == draw.draw_order(seed, list(reversed(slugs)))


def test_draws_are_roughly_uniform():
    counts = {slug: 0 for slug in "abcde"}
    for n in range(2000):
        counts[draw.draw_order(hashlib.sha256(str(n).encode()).hexdigest(), "abcde")[0]] += 1
    assert all(300 < c < 500 for c in counts.values()), counts


@pytest.mark.parametrize("order,size,dismissed,expected", [
    (list("abcdefg"), 5, [], list("abcde")),
    (list("abcdefg"), 5, ["a"], list("bcdef")),
    (list("abcdefg"), 5, ["c", "f"], list("abdeg")),
    (list("abc"), 5, [], list("abc")),
    (list("abc"), 2, ["a", "b", "c"], []),
])
def test_seated_replaces_each_dismissed_member_by_the_next_in_order(order, size, dismissed, expected):
    assert draw.seated(order, size, dismissed) == expected


def test_check_draw_finds_a_changed_order_or_seed():
    w, r = "0" * 64, "1" * 64
    seed = draw.derive_seed(w, r)
    order = draw.draw_order(seed, "abcdef")
    assert draw.check_draw(seed, "abcdef", order, w, r) == []
    assert draw.check_draw(seed, "abcdef", list(reversed(order)), w, r)
    assert draw.check_draw(seed, "abcdef", order, w, "2" * 64)
    assert draw.check_draw("nothex", "abc", []) == ["seed must be 64 lowercase hex characters"]
    with pytest.raises(draw.DrawError):
        draw.draw_order(seed, ["a", "a"])


# Tallies ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("seats,needed", [(1, 1), (2, 2), (3, 3), (4, 4), (5, 4), (6, 5), (7, 6), (10, 8), (11, 9)])
def test_eighty_percent_is_the_ceiling(seats, needed):
    assert tally.eighty_percent(seats) == needed
    assert needed * 5 >= 4 * seats and (needed - 1) * 5 < 4 * seats


COUNCIL = ["a", "b", "c", "d", "e"]


@pytest.mark.parametrize("ballots,at,status", [
    ({"a": "yes", "b": "yes", "c": "yes", "d": "yes"}, T0, "passed"),                 # 80% exactly
    ({"a": "yes", "b": "yes", "c": "yes", "d": "yes", "e": "abstain"}, T0, "passed"),
    ({"a": "yes", "b": "yes", "c": "yes"}, T0, "open"),                               # 60%
    ({"a": "yes", "b": "yes", "c": "yes", "d": "yes", "e": "no"}, T0, "open"),        # a nay blocks
    ({"a": "yes", "b": "yes", "c": "yes", "d": "yes", "z": "yes"}, T0, "passed"),     # z does not sit
    ({"a": "yes", "b": "yes", "c": "yes", "z": "yes"}, T0, "open"),
    ({"a": "yes", "b": "yes", "c": "yes", "d": "yes"}, T0 + timedelta(days=14) - timedelta(seconds=1), "passed"),
    ({"a": "yes", "b": "yes", "c": "yes", "d": "yes"}, T0 + timedelta(days=14), "lapsed"),
    ({}, T0 + timedelta(days=15), "lapsed"),
])
def test_short_circuit_boundaries(ballots, at, status):
    assert tally.short_circuit(COUNCIL, ballots, T0, at).status == status


def test_short_circuit_of_an_empty_council_never_passes():
    assert tally.short_circuit([], {}, T0, T0).status == "open"


@given(st.lists(st.sampled_from(tally.CHOICES + (None,)), min_size=1, max_size=12))
def test_short_circuit_agrees_with_the_plain_rule(choices):
    council = [f"c{i}" for i in range(len(choices))]
    ballots = {c: v for c, v in zip(council, choices) if v is not None}
    yes, no = choices.count("yes"), choices.count("no")
    expected = yes / len(council) >= 0.8 - 1e-12 and no == 0
    assert tally.short_circuit(council, ballots, T0, T0).passed == expected


@pytest.mark.parametrize("ballots,passed", [
    ({"b": "yes", "c": "yes"}, False),           # 2 of the 4 others
    ({"b": "yes", "c": "yes", "d": "yes"}, True),  # 3 of 4
    ({"a": "yes", "b": "yes", "c": "yes"}, False),  # a's own ballot does not count
    ({"b": "yes", "c": "yes", "d": "no", "e": "no"}, False),
])
def test_dismissal_needs_a_majority_of_the_other_members(ballots, passed):
    assert tally.dismissal(COUNCIL, "a", ballots).passed == passed


@pytest.mark.parametrize("ballots,passed", [
    ({"a": "yes", "b": "yes"}, False), ({"a": "yes", "b": "yes", "c": "yes"}, True),
    ({"a": "yes", "b": "yes", "c": "abstain", "d": "no"}, False),
])
def test_decision_needs_a_majority_of_the_council(ballots, passed):
    assert tally.decision(COUNCIL, ballots).passed == passed


# States -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("state", states.STATES)
@pytest.mark.parametrize("action", states.ACTIONS)
def test_every_state_and_action(state, action):
    if (state, action) in states.TRANSITIONS:
        assert states.next_state(state, action) in states.STATES
    else:
        with pytest.raises(states.TransitionError):
            states.next_state(state, action)


def test_ended_objections_accept_nothing_but_minority_opinions():
    assert states.allowed_actions("withdrawn") == [] and states.allowed_actions("settled") == []
    assert states.allowed_actions("decided") == ["minority_opinion"]
    assert [s for s in states.STATES if states.is_pending(s)] == ["filed", "mediation", "council"]


# The record -------------------------------------------------------------------------------------

def sample_record() -> list[dict]:
    entries = [record.make_entry(None, "filed", {"objection": 1, "coop": "x"}, T0)]
    entries.append(record.make_entry(entries[-1], "mediation_note", {"by": "steward", "note": "Met."}, T0))
    eligible = ["a", "b", "c", "d", "e", "f"]
    seed = draw.derive_seed("0" * 64, entries[-1]["hash"])
    order = draw.draw_order(seed, eligible)
    entries.append(record.make_entry(entries[-1], "council_drawn", {
        "witness_head": "0" * 64, "witness_seq": None, "record_head": entries[-1]["hash"], "seed": seed,
        "parties": ["x"], "eligible": eligible, "size": 3, "order": order, "council": order[:3]}, T0))
    council = order[:3]
    entries.append(record.make_entry(entries[-1], "decision_draft", {"coop": council[0], "outcome": "affirm",
                                                                     "finding": "overruled", "reason": "Fine."}, T0))
    question = f"decision:{entries[-1]['seq']}"
    for coop in council[:2]:
        entries.append(record.make_entry(entries[-1], "ballot", {"question": question, "coop": coop, "choice": "yes",
                                                                 "reason": ""}, T0))
    entries.append(record.make_entry(entries[-1], "decided", {"question": question, "outcome": "affirm",
                                                              "finding": "overruled", "reason": "Fine.", "yes": 2,
                                                              "no": 0, "abstain": 0, "council": council}, T0))
    entries.append(record.make_entry(entries[-1], "minority_opinion", {"coop": council[2], "text": "No."},
                                     T0 + timedelta(hours=1)))
    return entries


def test_a_whole_record_verifies_and_round_trips():
    entries = sample_record()
    assert record.verify(entries) == []
    assert record.loads(record.dumps(entries)) == entries
    out = io.StringIO()
    assert check.verify_text(record.dumps(entries), out) == check.EXIT_OK and "decided" in out.getvalue()


def test_a_changed_byte_anywhere_is_detected():
    text = record.dumps(sample_record())
    for position in range(0, len(text), 37):
        if text[position] in '"{}:,\n':
            continue
        changed = text[:position] + ("0" if text[position] != "0" else "1") + text[position + 1:]
        try:
            entries = record.loads(changed)
        except record.RecordError:
            continue
        assert record.verify(entries), f"a change at byte {position} went unnoticed"


def test_a_rehashed_forgery_is_still_caught_by_the_replay():
    entries = sample_record()
    # Forge the order (and rehash every entry after it): the draw no longer follows from the seed.
    forged = entries[:2]
    payload = dict(entries[2]["payload"], order=sorted(entries[2]["payload"]["order"]))
    forged.append(record.make_entry(forged[-1], "council_drawn", payload, T0))
    assert any("draw order" in p for p in record.verify(forged))
    # A decision without its ballots.
    lone = entries[:4] + [record.make_entry(entries[3], "decided", entries[-2]["payload"], T0)]
    assert any("majority" in p for p in record.verify(lone))
    # Steps after the end.
    late = entries + [record.make_entry(entries[-1], "mediation_note", {"by": "steward", "note": "x"}, T0 + timedelta(hours=2))]
    assert any("after the objection ended" in p for p in record.verify(late))


def test_removed_entries_and_unknown_kinds_are_reported():
    entries = sample_record()
    assert any("does not match" in p for p in record.verify(entries[:3] + entries[4:]))
    with pytest.raises(record.RecordError):
        record.make_entry(None, "rewritten", {}, T0)
    with pytest.raises(record.RecordError):
        record.loads("not json\n")


def test_the_offline_check_command(tmp_path, capsys):
    path = tmp_path / "objection.jsonl"
    path.write_text(record.dumps(sample_record()))
    out = io.StringIO()
    assert check.main(["verify", str(path)], out=out) == 0
    path.write_text(record.dumps(sample_record()).replace('"Fine."', '"Good."', 1))
    assert check.main(["verify", str(path)], out=io.StringIO()) == 1
    out = io.StringIO()
    seed = draw.derive_seed("0" * 64, "1" * 64)
    assert check.main(["draw", "--seed", seed, "--size", "2", "c", "a", "b"], out=out) == 0
    assert out.getvalue().splitlines()[:3] == [f"{i + 1}. {s}" for i, s in enumerate(draw.draw_order(seed, "abc"))]
    out = io.StringIO()
    assert check.main(["seed", "0" * 64, "1" * 64], out=out) == 0 and out.getvalue().strip() == seed
    assert check.main(["verify", str(tmp_path / "missing.jsonl")], out=io.StringIO()) == 2
