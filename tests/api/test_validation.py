"""The request checker (deliberate/api/validation.py): pure, table-driven, and property-tested
against the schemas it guards."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deliberate.api.schemas import COMPONENTS
from deliberate.api.validation import validate

AMENDMENT = COMPONENTS["NewAmendment"]
GOOD = {"kind": "modify", "section": "member-ownership", "summary": "Say it plainly."}


@pytest.mark.parametrize("body, field, message", [
    ({**GOOD, "colour": "red"}, "colour", "Unknown field."),
    ({"kind": "modify"}, "summary", "This field is required."),
    ({**GOOD, "summary": 7}, "summary", "Expected a string, got an integer."),
    ({**GOOD, "summary": ""}, "summary", "This field is required."),
    ({**GOOD, "summary": "x" * 601}, "summary", "At most 600 characters."),
    ({**GOOD, "kind": "rewrite"}, "kind", "Must be one of: modify, retitle, insert, delete, move."),
    ({**GOOD, "target_position": True}, "target_position", "Expected an integer or null, got a boolean."),
    ({**GOOD, "target_position": 0}, "target_position", "At least 1."),
    ({**GOOD, "target_position": 1.5}, "target_position", "Expected an integer or null, got a number."),
    ({**GOOD, "summary": "a\x00b"}, "summary", "Contains characters that cannot be stored (NUL or a lone surrogate)."),
    ({**GOOD, "summary": "a\ud800b"}, "summary", "Contains characters that cannot be stored (NUL or a lone surrogate)."),
])
def test_each_problem_is_named_on_its_field(body, field, message):
    assert validate(body, AMENDMENT, COMPONENTS) == {field: [message]}


def test_valid_bodies_pass_and_null_is_allowed_where_declared():
    assert validate(GOOD, AMENDMENT, COMPONENTS) == {}
    assert validate({**GOOD, "section": None, "coop": None, "target_position": None}, AMENDMENT, COMPONENTS) == {}


def test_nested_paths_and_arrays():
    ballot = COMPONENTS["NewBallot"]
    assert validate({"ranking": ["a", 3]}, ballot, COMPONENTS) == {"ranking.1": ["Expected a string, got an integer."]}
    assert validate({"ranking": ["a"] * 51}, ballot, COMPONENTS) == {"ranking": ["At most 50 items."]}
    assert validate([], ballot, COMPONENTS) == {"body": ["Expected an object, got a list."]}


def test_references_any_of_formats_and_patterns():
    schema = {"type": "object", "properties": {
        "coop": {"anyOf": [{"$ref": "#/components/schemas/CoopRef"}, {"type": "null"}]},
        "at": {"type": "string", "format": "date-time"}, "day": {"type": "string", "format": "date"},
        "id": {"type": "string", "pattern": "^[a-z]+$"}}, "additionalProperties": False}
    assert validate({"coop": None, "at": "2026-11-26T10:00:00+00:00", "day": "2026-11-26", "id": "abc"},
                    schema, COMPONENTS) == {}
    problems = validate({"coop": {"slug": "x"}, "at": "2026-11-26T10:00:00", "day": "26/11/2026", "id": "A1"},
                        schema, COMPONENTS)
    assert problems == {"coop.name": ["This field is required."], "at": ["Give the time zone (e.g. +00:00)."],
                        "day": ["Not a date (use 2026-11-26)."], "id": ["Not in the expected form."]}


_json = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                     lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                     max_leaves=12)


@given(body=st.dictionaries(st.sampled_from(["kind", "section", "summary", "rationale", "name", "target_position",
                                             "base_revision_id", "coop", "proposed_body", "other"]), _json, max_size=8))
def test_the_checker_never_crashes_and_accepts_only_what_the_schema_allows(body):
    problems = validate(body, AMENDMENT, COMPONENTS)
    assert isinstance(problems, dict)
    if not problems:
        assert set(body) <= set(AMENDMENT["properties"]) and {"kind", "summary"} <= set(body)
        assert isinstance(body["summary"], str) and 1 <= len(body["summary"]) <= 600
