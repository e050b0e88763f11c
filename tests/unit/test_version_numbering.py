"""Version numbering: what changed decides major, minor or patch; a steward may override."""
from __future__ import annotations

import pytest

from deliberate.versions.numbering import (
    NumberingError,
    SectionChange,
    bump,
    change_level,
    classify,
    format_number,
    is_typo_fix,
    next_number,
    parse_number,
    sort_key,
)

OLD = "Members own the platform together.\n\nEach member holds one equal share."


def change(status="changed", kind="principle", old_title="Ownership", new_title="Ownership", old_body=OLD,
           new_body=OLD, key="ownership") -> SectionChange:
    return SectionChange(key=key, status=status, kind=kind, old_title=old_title, new_title=new_title,
                         old_body=old_body, new_body=new_body)


# (what changed, expected level)
CASES = [
    ("a principle added", change("added", old_title="", old_body=""), "major"),
    ("a principle removed", change("removed", new_title="", new_body=""), "major"),
    ("a guidance section added", change("added", "guidance", old_title="", old_body=""), "minor"),
    ("a guidance section removed", change("removed", "guidance", new_title="", new_body=""), "minor"),
    ("an editorial section added", change("added", "editorial", old_title="", old_body=""), "patch"),
    ("an editorial section removed", change("removed", "editorial", new_title="", new_body=""), "patch"),
    ("a principle reworded", change(new_body=OLD.replace("together", "jointly and fairly")), "minor"),
    ("a word added", change(new_body=OLD.replace("one equal", "one single equal")), "minor"),
    ("a negation added", change(new_body=OLD.replace("holds", "never holds")), "minor"),
    ("a weighty word swapped (now/not)", change(old_body="It is now allowed.", new_body="It is not allowed."),
     "minor"),
    ("may becomes must", change(old_body="Members may vote.", new_body="Members must vote."), "minor"),
    ("a principle retitled", change(new_title="Shared ownership"), "minor"),
    ("a principle moved", change("moved"), "minor"),
    ("a guidance section reworded", change(kind="guidance", new_body="Something else entirely."), "minor"),
    ("an editorial section reworded", change(kind="editorial", new_body="Something else entirely."), "patch"),
    ("an editorial section moved", change("moved", "editorial"), "patch"),
    ("a typo fixed", change(old_body=OLD.replace("together", "togehter")), "patch"),
    ("a misspelling fixed", change(old_body="Members recieve a share.", new_body="Members receive a share."),
     "patch"),
    ("punctuation only", change(new_body=OLD.replace("share.", "share!")), "patch"),
    ("a capital letter", change(old_body="members own it.", new_body="Members own it."), "patch"),
    ("spacing and line breaks only", change(old_body="One. Two.", new_body="One.\nTwo."), "patch"),
    ("a typo in the title", change(old_title="Ownreship"), "patch"),
]


@pytest.mark.parametrize("what, given, expected", CASES, ids=[c[0] for c in CASES])
def test_each_kind_of_change_has_its_level(what, given, expected):
    level, reason = classify(given)
    assert level == expected, (what, reason)
    assert reason


@pytest.mark.parametrize("levels, expected", [
    (["patch"], "patch"), (["patch", "minor"], "minor"), (["minor", "major", "patch"], "major"),
    (["minor", "minor"], "minor")])
def test_the_weightiest_change_decides(levels, expected):
    sample = {"major": change("added", old_title="", old_body=""), "minor": change(new_title="Renamed"),
              "patch": change(kind="editorial", new_body="x")}
    level, reasons = change_level([sample[lvl] for lvl in levels])
    assert level == expected and len(reasons) == len(levels)
    assert reasons[0] == classify(sample[expected])[1]  # the weightiest reason first


# (previous, level, expected)
BUMPS = [("1.0", "major", "2.0"), ("1.0", "minor", "1.1"), ("1.0", "patch", "1.0.1"), ("1.1.3", "minor", "1.2"),
         ("1.1.3", "patch", "1.1.4"), ("2.9", "minor", "2.10"), ("2.10.1", "major", "3.0")]


@pytest.mark.parametrize("previous, level, expected", BUMPS)
def test_bumping(previous, level, expected):
    assert bump(previous, level) == expected


def test_the_first_version_is_always_1_0():
    numbering = next_number(None, [change("added", old_title="", old_body="")], override="patch")
    assert (numbering.number, numbering.level, numbering.overridden) == ("1.0", "initial", False)
    assert next_number(None, []).number == "1.0"


def test_later_versions_need_a_change_and_follow_it():
    assert next_number("1.1", [change(new_title="Renamed")]).number == "1.2"
    with pytest.raises(NumberingError, match="nothing changed"):
        next_number("1.1", [])


@pytest.mark.parametrize("override, expected", [("major", "2.0"), ("minor", "1.2"), ("patch", "1.1.1")])
def test_a_steward_overrides_the_level_and_the_reasons_say_so(override, expected):
    numbering = next_number("1.1", [change(new_title="Renamed")], override=override)
    assert numbering.number == expected and numbering.level == override
    if override != "minor":
        assert numbering.overridden and numbering.reasons[0].startswith(f"A steward chose a {override} version")
    else:
        assert not numbering.overridden


def test_an_unknown_override_or_status_is_refused():
    with pytest.raises(NumberingError):
        next_number("1.0", [change(new_title="x")], override="huge")
    with pytest.raises(NumberingError):
        classify(change("renamed"))


@pytest.mark.parametrize("text, parsed", [("1.0", (1, 0, 0)), ("1.2", (1, 2, 0)), ("1.2.3", (1, 2, 3)),
                                          ("10.20", (10, 20, 0))])
def test_parsing_numbers(text, parsed):
    assert parse_number(text) == parsed
    assert format_number(*parsed) == text


@pytest.mark.parametrize("text", ["", "1", "v1.0", "1.0.0", "01.2", "1.2.3.4", "1.x", " 1.0", "1.0\n"])
def test_malformed_numbers(text):
    with pytest.raises(NumberingError):
        parse_number(text)


def test_numbers_sort_numerically():
    assert sorted(["1.10", "1.9", "2.0", "1.9.1", "1.0"], key=sort_key) == ["1.0", "1.9", "1.9.1", "1.10", "2.0"]


@pytest.mark.parametrize("old, new, expected", [
    ("teh text", "the text", True), ("the text", "the text", False), ("a b", "a b c", False),
    ("colour", "color", True), ("data", "Data", True), ("one, two", "one; two", True),
    ("members", "member", True), ("cooperative", "corporation", False), ("not", "now", False)])
def test_typo_fixes(old, new, expected):
    assert is_typo_fix(old, new) is expected
