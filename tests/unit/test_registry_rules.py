"""The registry's pure rules: terms, expiry, evidence links, claims, the re-affirmation diff, the
specification → standard track, the badge, and the record's hash chain."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deliberate.registry import badge, chain, rules, terms, track

T0 = datetime(2026, 1, 31, 12, 0, tzinfo=timezone.utc)


# Terms ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("policy, expected", [
    (None, (18, 2, 12)),
    ({}, (18, 2, 12)),
    ({"registry": {}}, (18, 2, 12)),
    ({"registry": {"declaration_months": 24}}, (24, 2, 12)),
    ({"registry": {"evidence_coops": 3, "at_risk_months": 6}}, (18, 3, 6)),
    ({"other": 1, "registry": {"evidence_coops": 1}}, (18, 1, 12)),
])
def test_terms_from_a_policy(policy, expected):
    found = terms.from_policy(policy)
    assert (found.declaration_months, found.evidence_coops, found.at_risk_months) == expected


@pytest.mark.parametrize("values", [
    {"declaration_months": 0}, {"declaration_months": 121}, {"evidence_coops": "2"}, {"evidence_coops": True},
    {"at_risk_months": 1.5}, {"at_risk_months": None}, {"surprise": 1},
])
def test_terms_out_of_range_are_refused(values):
    with pytest.raises(terms.TermsError):
        terms.validate(values)


# Expiry -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("start, months, expected", [
    (T0, 1, datetime(2026, 2, 28, 12, 0, tzinfo=timezone.utc)),   # clamped to February's end
    (T0, 18, datetime(2027, 7, 31, 12, 0, tzinfo=timezone.utc)),
    (datetime(2027, 11, 30, tzinfo=timezone.utc), 3, datetime(2028, 2, 29, tzinfo=timezone.utc)),  # leap year
    (datetime(2026, 12, 15, tzinfo=timezone.utc), 12, datetime(2027, 12, 15, tzinfo=timezone.utc)),
])
def test_add_months(start, months, expected):
    assert rules.add_months(start, months) == expected


@pytest.mark.parametrize("age, superseded, expected", [
    (timedelta(0), False, "current"),
    (timedelta(days=500), False, "current"),
    (timedelta(days=547), False, "lapsed"),  # 31 Jan 2026 + 18 months = 31 Jul 2027, 546 days
    (timedelta(days=546), False, "lapsed"),  # the expiry moment itself
    (timedelta(days=545), False, "current"),
    (timedelta(days=10), True, "superseded"),
    (timedelta(days=900), True, "superseded"),
])
def test_declaration_state(age, superseded, expected):
    assert rules.state(T0, T0 + age, 18, superseded) == expected


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1)), st.integers(1, 120))
def test_expiry_is_months_later_by_an_independent_count(start, months):
    start = start.replace(tzinfo=timezone.utc)
    end = rules.expires_at(start, months)
    # Independent: count months by (year, month) arithmetic; the day never moves forward.
    assert (end.year * 12 + end.month) - (start.year * 12 + start.month) == months
    assert end.day <= start.day and end.time() == start.time()
    assert not rules.is_lapsed(start, end - timedelta(microseconds=1), months) and rules.is_lapsed(start, end, months)


# Evidence links ---------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["https://kazi.example.org/report", "https://example.coop/a?b=c#d",
                                 "  https://example.org/x  ", "HTTPS://Example.org/"])
def test_acceptable_evidence_links(url):
    assert rules.check_evidence_url(url) == url.strip()


@pytest.mark.parametrize("url, code", [
    ("http://example.org/report", "scheme"),
    ("javascript:alert(1)", "scheme"),
    ("data:text/html,<script>", "scheme"),
    ("ftp://example.org/x", "scheme"),
    ("https://user:pw@example.org/", "credentials"),
    ("https://127.0.0.1/admin", "address"),
    ("https://[::1]/", "address"),
    ("https://169.254.169.254/latest/meta-data", "address"),
    ("https://localhost/", "local"),
    ("https://intranet/", "local"),
    ("https://printer.local/", "local"),
    ("https://example.org/a b", "spaces"),
    ("https://example.org/\x00", "spaces"),
    ("https://example.org:99999/", "invalid"),
    ("https:///path", "no_host"),
    ("https://example.org/" + "a" * 600, "too_long"),
])
def test_unsafe_evidence_links_are_refused(url, code):
    with pytest.raises(rules.RuleError) as refused:
        rules.check_evidence_url(url)
    assert refused.value.code == code


def test_no_link_is_fine():
    assert rules.check_evidence_url("") == "" and rules.check_evidence_url(None) == ""


# Claims -----------------------------------------------------------------------------------------

KEYS = ["ownership", "data"]


def claim(status="met", justification="We do.", evidence=""):
    return {"status": status, "justification": justification, "evidence_url": evidence}


def test_claims_are_cleaned_in_the_versions_order():
    cleaned = rules.check_claims("adopts", {"data": claim("not_met", ""), "ownership": claim(justification="  We  do. ")},
                                 KEYS)
    assert list(cleaned) == KEYS and cleaned["ownership"]["justification"] == "We do."


@pytest.mark.parametrize("stance, claims, code", [
    ("maybe", {}, "stance"),
    ("adopts", {"ownership": claim()}, "missing"),
    ("adopts", {"ownership": claim(), "data": claim("great")}, "status"),
    ("adopts", {"ownership": claim(), "other": claim()}, "section"),
    ("adopts", {"ownership": claim(justification=""), "data": claim()}, "justification"),
    ("aspires", {"ownership": claim("partly", ""), "data": claim()}, "justification"),
    ("adopts", {"ownership": claim(evidence="http://x.org"), "data": claim()}, "scheme"),
    ("adopts", {"ownership": claim(justification="x" * 1001), "data": claim()}, "justification_long"),
])
def test_claims_that_break_a_rule(stance, claims, code):
    with pytest.raises(rules.RuleError) as refused:
        rules.check_claims(stance, claims, KEYS)
    assert refused.value.code == code


def test_not_adopting_needs_no_claims_and_not_met_needs_no_reason():
    assert rules.check_claims("does_not_adopt", {}, KEYS) == {}
    assert rules.check_claims("aspires", {k: claim("not_met", "") for k in KEYS}, KEYS)["data"]["status"] == "not_met"


# Re-affirmation diff ----------------------------------------------------------------------------

V1 = [{"key": "ownership", "title": "Member ownership", "body": "Members own the platform."},
      {"key": "data", "title": "Data rights", "body": "Members own their data."},
      {"key": "pay", "title": "Fair pay", "body": "Work is paid fairly."}]


@pytest.mark.parametrize("new, expected", [
    (V1, []),
    ([V1[1], V1[0], V1[2]], []),  # only moved: nothing to re-affirm
    ([V1[0], {**V1[1], "body": "Members own their data and decide who uses it."}, V1[2]], [("data", "changed")]),
    ([{**V1[0], "title": "Ownership"}, V1[1], V1[2]], [("ownership", "changed")]),
    ([V1[0], V1[2]], [("data", "removed")]),
    (V1 + [{"key": "coop", "title": "Cooperation", "body": "Co-ops help each other."}], [("coop", "added")]),
])
def test_what_changed_since_a_declared_version(new, expected):
    changes = rules.changed_since(V1, new)
    assert [(c["key"], c["status"]) for c in changes] == expected
    assert rules.to_reaffirm(V1, new) == [k for k, s in expected if s != "removed"]


def test_the_diff_shows_the_words_that_changed():
    new = [V1[0], {**V1[1], "body": "Members own their data and decide who uses it."}, V1[2]]
    (change,) = rules.changed_since(V1, new)
    inserted = "".join(op.text for op in change["body_ops"] if op.kind == "insert")
    assert "decide who uses it" in inserted


def test_unchanged_claims_carry_over():
    previous = {"ownership": claim(), "data": claim("partly"), "pay": claim("not_met", "")}
    new = [V1[0], {**V1[1], "body": "Changed."}, V1[2], {"key": "coop", "title": "C", "body": "New."}]
    carried = rules.carried_claims(previous, V1, new)
    assert list(carried) == ["ownership", "pay"]


sections = st.lists(st.sampled_from(["a", "b", "c", "d", "e"]), unique=True, max_size=5).flatmap(
    lambda keys: st.tuples(*[st.tuples(st.just(k), st.sampled_from(["one", "two"]), st.sampled_from(["x y", "x z"]))
                             for k in keys]))


@given(sections, sections)
def test_reaffirm_exactly_the_added_or_changed_sections(old, new):
    old = [{"key": k, "title": t, "body": b} for k, t, b in old]
    new = [{"key": k, "title": t, "body": b} for k, t, b in new]
    before = {s["key"]: (s["title"], s["body"]) for s in old}
    # Independent: a section is asked again when it is new, or its title or text differ.
    expected = [s["key"] for s in new if before.get(s["key"]) != (s["title"], s["body"])]
    assert rules.to_reaffirm(old, new) == expected


# Specification → standard -----------------------------------------------------------------------

TERMS = terms.RegistryTerms()


def c(coop, key="a", status="met", evidence="https://e.org/x", in_force=True, member=True):
    return track.Claim(coop, key, status, evidence, in_force, member)


@pytest.mark.parametrize("claims, months_later, expected", [
    ([], 1, "specification"),
    ([], 12, "at_risk"),
    ([c(1)], 1, "specification"),
    ([c(1), c(2)], 1, "standard"),
    ([c(1), c(2)], 30, "standard"),
    ([c(1), c(1)], 13, "at_risk"),              # one co-op counted once
    ([c(1), c(2, evidence="")], 13, "at_risk"),  # met without evidence does not count
    ([c(1), c(2, status="partly")], 5, "specification"),
    ([c(1), c(2, in_force=False)], 5, "specification"),  # a lapsed declaration does not count
    ([c(1), c(2, member=False)], 5, "specification"),    # nor a suspended co-op's
    ([c(1), c(2, key="b")], 5, "specification"),
])
def test_section_maturity(claims, months_later, expected):
    now = rules.add_months(T0, months_later)
    assert track.tracks(["a", "b"], claims, T0, now, TERMS)["a"].maturity == expected


@given(st.lists(st.tuples(st.integers(1, 6), st.sampled_from(["a", "b"]), st.sampled_from(rules.STATUSES),
                          st.booleans(), st.booleans()), max_size=20),
       st.integers(1, 4), st.integers(0, 30))
def test_maturity_against_an_independent_count(raw, needed, months):
    chosen = terms.RegistryTerms(evidence_coops=needed)
    claims = [c(coop, key, status, "https://e.org" if has_evidence else "", in_force)
              for coop, key, status, has_evidence, in_force in raw]
    now = rules.add_months(T0, months)
    found = track.tracks(["a", "b"], claims, T0, now, chosen)
    for key in ("a", "b"):
        coops = {cl.coop_id for cl in claims if cl.key == key and cl.status == "met" and cl.evidence_url and cl.in_force}
        expected = "standard" if len(coops) >= needed else ("at_risk" if months >= 12 else "specification")
        assert found[key].maturity == expected and set(found[key].coop_ids) == coops


# The badge --------------------------------------------------------------------------------------

def test_the_badge_escapes_everything_and_loads_nothing():
    import xml.etree.ElementTree as ET

    text = badge.svg('<script>alert("x")</script> & Co', "adopts", "adopts")
    assert "<script>" not in text and "&lt;script&gt;" in text
    root = ET.fromstring(text)  # well-formed
    assert root.tag.endswith("svg")
    assert "href" not in text and "@import" not in text and "url(" not in text


# The record -------------------------------------------------------------------------------------

DELEGATE = "d-" + "a" * 32


def declaration_payload(ref=1, reaffirms=None):
    return {"declaration_id": ref, "standard": "principles", "version": "1.0", "version_hash": "b" * 64,
            "coop": "kazi-riders", "delegate": DELEGATE, "stance": "adopts", "reaffirms": reaffirms, "note": "",
            "sections": [{"key": "a", "status": "met", "justification": "Yes.", "evidence_url": "https://e.org",
                          "carried": False}]}


def a_record():
    entries = [chain.make_entry(None, "declaration", 1, declaration_payload(), T0)]
    entries.append(chain.make_entry(entries[-1], "question", 1, {
        "question_id": 1, "declaration_id": 1, "coop": "dades", "delegate": DELEGATE, "section": "a",
        "reasons": "Is it?"}, T0 + timedelta(hours=1)))
    entries.append(chain.make_entry(entries[-1], "answer", 1, {
        "question_id": 1, "declaration_id": 1, "coop": "kazi-riders", "delegate": DELEGATE, "answer": "Yes."},
        T0 + timedelta(hours=2)))
    entries.append(chain.make_entry(entries[-1], "escalation", 1, {
        "question_id": 1, "declaration_id": 1, "coop": "dades", "delegate": DELEGATE}, T0 + timedelta(hours=3)))
    entries.append(chain.make_entry(entries[-1], "declaration", 2, declaration_payload(2, reaffirms=1),
                                    T0 + timedelta(days=1)))
    return entries


def test_a_record_round_trips_and_verifies():
    entries = a_record()
    text = chain.dumps(entries)
    assert chain.loads(text) == entries and chain.verify(chain.loads(text)) == []
    assert chain.head(entries) == entries[-1]["hash"]


def test_every_changed_byte_is_detected():
    data = chain.dumps(a_record()).encode()
    for i in range(0, len(data), 7):
        if data[i:i + 1] in (b"\n",):
            continue
        changed = data[:i] + bytes([data[i] ^ 0x01]) + data[i + 1:]
        count, problems = chain.check_file(changed)
        assert problems, (i, changed[i - 10:i + 10])


@pytest.mark.parametrize("mutate, problem", [
    (lambda e: e.pop(1), "seq"),
    (lambda e: e.reverse(), "seq"),
    (lambda e: e.__setitem__(0, {**e[0], "payload": {**e[0]["payload"], "stance": "aspires"}}), "hash"),
])
def test_missing_reordered_or_edited_entries(mutate, problem):
    entries = a_record()
    mutate(entries)
    assert any(problem in p for p in chain.verify(entries))


def test_an_answer_without_its_question_is_refused():
    entries = a_record()
    orphan = chain.make_entry(entries[-1], "answer", 9, {
        "question_id": 9, "declaration_id": 1, "coop": "kazi-riders", "delegate": DELEGATE, "answer": "?"},
        T0 + timedelta(days=2))
    assert any("not earlier in the record" in p for p in chain.verify(entries + [orphan]))


@pytest.mark.parametrize("kind, payload", [
    ("declaration", {**declaration_payload(), "delegate": "Ana Pérez"}),
    ("declaration", {**declaration_payload(), "stance": "maybe"}),
    ("declaration", {**declaration_payload(), "extra": 1}),
    ("vote", {}),
])
def test_entries_that_cannot_be_built(kind, payload):
    with pytest.raises(chain.RegistryChainError):
        chain.make_entry(None, kind, 1, payload, T0)


def test_loads_names_the_bad_line():
    with pytest.raises(chain.RegistryChainError, match="line 2"):
        chain.loads(json.dumps({"a": 1}) + "\n[1]\n")


def test_the_offline_checker(tmp_path, capsys):
    good = tmp_path / "registry.jsonl"
    good.write_text(chain.dumps(a_record()))
    assert chain.main([str(good)]) == 0 and "OK: 5 entries" in capsys.readouterr().out
    bad = tmp_path / "bad.jsonl"
    bad.write_text(chain.dumps(a_record()).replace('"Yes."', '"No."', 1))
    assert chain.main([str(bad)]) == 1
    assert chain.main([str(tmp_path / "missing.jsonl")]) == 2


def test_the_offline_checker_needs_no_installed_package(tmp_path):
    """`python -m deliberate.registry.chain` runs from the source alone (-S: no site-packages)."""
    import subprocess
    import sys
    from pathlib import Path

    record = tmp_path / "registry.jsonl"
    record.write_text(chain.dumps(a_record()))
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-S", "-m", "deliberate.registry.chain", str(record)], cwd=root,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "OK: 5 entries" in done.stdout


def test_the_pure_modules_import_neither_flask_nor_sqlalchemy():
    import subprocess
    import sys

    code = ("import sys; import deliberate.registry.rules, deliberate.registry.track, deliberate.registry.terms, "
            "deliberate.registry.chain, deliberate.registry.badge; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy', 'flask_babel')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "[]", (done.stdout, done.stderr)
