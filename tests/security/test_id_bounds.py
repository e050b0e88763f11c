"""Ids outside the id columns' range, or not written in ASCII digits, name nothing: every route
answers 404 before a view runs, never a 500 (the database refused them: ``/votes/2147483648`` on
PostgreSQL, ``/votes/9223372036854775808`` on SQLite), and never reads "١٢" as 12.

Walks ``app.url_map``: every rule with an ``<int:…>`` part, every method it answers, each int part
in turn given a bad value (the other parts are real things of the authorization world), asked by a
steward, a delegate and (for the JSON API) a steward's token.
"""
from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.exceptions import NotFound

from deliberate.limits import MAX_ID, parse_id
from deliberate.routing import IdConverter, digits_up_to
from tests.conftest import TEST_PASSWORD

BAD = {"2^31": str(2**31), "2^63": str(2**63), "zero": "0", "arabic-indic 12": "١٢"}


def _int_rules(app) -> list:
    rules = [rule for rule in app.url_map.iter_rules()
             if any(isinstance(conv, IdConverter) for conv in rule._converters.values())]
    assert len(rules) > 40, "the walk found too few routes with ids: is the converter registered?"
    return rules


def _good_values(world: dict, token_id: int) -> dict[str, object]:
    """A real value for each path part the id routes use (the part under test is replaced)."""
    ids = world["ids"]
    return {"slug": ids["std"], "key": ids["key"], "kind": "standard", "subject_kind": "standard",
            "person_id": ids["other_person"], "number": 1, "revision": 1, "vote_id": ids["vote"],
            "objection_id": ids["objection"], "amendment_id": ids["amendment"], "subject_id": ids["std_id"],
            "comment_id": ids["comment"], "thread_id": ids["thread"], "version_id": ids["version"],
            "webhook_id": ids["hook"], "token_id": token_id, "part": "ballot", "fmt": "json",
            "proxy_id": ids["proxy"], "action": "accept", "declaration_id": ids["declaration"],
            "question_id": ids["question"]}


def _path(rule, values: dict[str, object], name: str, bad: str) -> str:
    path = rule.rule
    for part in rule._converters:
        value = bad if part == name else values[part]
        path = re.sub(rf"<(?:[^<>]*:)?{part}>", lambda _match, value=value: str(value), path)
    assert "<" not in path, path
    return path


@pytest.fixture
def clients(app, authz_world, authz_client):
    from deliberate.api import tokens
    from deliberate.extensions import db
    from deliberate.members.models import Person

    steward = db.session.get(Person, authz_world["person_ids"]["steward"])
    token, raw = tokens.create_token(actor=steward, name="bounds", scopes=["read", "write", "vote"],
                                     password=TEST_PASSWORD)
    return {"steward": authz_client("steward"), "delegate": authz_client("delegate")}, raw, token.id


def test_every_id_in_a_path_outside_the_range_is_a_404(app, authz_world, clients):
    browsers, raw_token, token_id = clients
    values = _good_values(authz_world, token_id)
    failures = []
    for rule in _int_rules(app):
        for name, conv in rule._converters.items():
            if not isinstance(conv, IdConverter):
                continue
            for label, bad in BAD.items():
                path = _path(rule, values, name, bad)
                for method in sorted(rule.methods - {"HEAD", "OPTIONS"} | {"GET"}):
                    if rule.rule.startswith("/api/"):
                        answers = [app.test_client().open(path, method=method,
                                                          headers={"Authorization": f"Bearer {raw_token}"})]
                    else:
                        answers = [client.open(path, method=method) for client in browsers.values()]
                    # A method the rule does not answer may be a 405 (Werkzeug checks methods
                    # before converting); one it answers must be a 404.
                    allowed = (404,) if method in rule.methods else (404, 405)
                    for response in answers:
                        if response.status_code not in allowed:
                            failures.append((method, rule.rule, name, label, response.status_code))
    assert not failures, failures


def test_ids_in_range_that_name_nothing_are_never_a_500(app, authz_world, clients):
    """The largest id that fits (and 1 for the parts numbered from one) reaches the views: they
    answer 4xx (404, or 403/405/422 before the lookup), or a redirect, never a 500."""
    browsers, raw_token, token_id = clients
    values = _good_values(authz_world, token_id)
    failures = []
    for rule in _int_rules(app):
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        for name, conv in rule._converters.items():
            if not isinstance(conv, IdConverter):
                continue
            path = _path(rule, values, name, str(MAX_ID))
            for method in methods:
                if rule.rule.startswith("/api/"):
                    answers = [app.test_client().open(path, method=method, json={},
                                                      headers={"Authorization": f"Bearer {raw_token}"})]
                else:
                    answers = [client.open(path, method=method) for client in browsers.values()]
                for response in answers:
                    if response.status_code >= 500:
                        failures.append((method, rule.rule, name, response.status_code))
    assert not failures, failures


def test_a_route_id_is_read_from_ascii_digits_only(app, authz_world, authz_client):
    """The same vote by its id, and not by the id written in other digits or with extra signs."""
    client = authz_client("steward")
    vote = authz_world["ids"]["vote"]
    assert client.get(f"/votes/{vote}").status_code == 200
    arabic = str(vote).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    fullwidth = str(vote).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    for other in (arabic, fullwidth, "²", "१", str(2**64), f"+{vote}", f"-{vote}", f"{vote}.0", f"{vote}_0"):
        assert client.get(f"/votes/{other}").status_code == 404, other


def test_urls_are_still_built_and_read_for_real_ids(app, authz_world):
    from flask import url_for

    with app.test_request_context():
        assert url_for("votes.show", vote_id=authz_world["ids"]["vote"]).endswith(f"/votes/{authz_world['ids']['vote']}")
        assert url_for("votes.show", vote_id=MAX_ID).endswith(f"/votes/{MAX_ID}")
    adapter = app.url_map.bind("localhost.test")
    assert adapter.match(f"/votes/{MAX_ID}") == ("votes.show", {"vote_id": MAX_ID})
    with pytest.raises(NotFound):  # one address per thing: no leading zeros
        adapter.match("/votes/007")


@given(st.integers(min_value=-10, max_value=2**64))
def test_the_converter_pattern_matches_exactly_the_ids_in_range(number):
    pattern = re.compile(IdConverter.regex)
    assert bool(pattern.fullmatch(str(number))) == (1 <= number <= MAX_ID)
    assert parse_id(str(number)) == (number if 1 <= number <= MAX_ID else None)


@pytest.mark.parametrize("limit", [1, 9, 10, 11, 19, 20, 99, 100, 101, 250, 1009, 65_535])
def test_digits_up_to_any_limit(limit):
    pattern = re.compile(digits_up_to(limit))
    assert [n for n in range(0, limit + 200) if pattern.fullmatch(str(n))] == list(range(1, limit + 1))
    assert not pattern.fullmatch("0" + str(limit)[:1])


@pytest.mark.parametrize("value, expected", [(1, 1), (MAX_ID, MAX_ID), ("12", 12), ("0012", 12), (MAX_ID + 1, None),
                                             (0, None), (-1, None), (True, None), ("١٢", None), ("１２", None),
                                             ("²", None), ("+12", None), (" 12", None), ("1_2", None), ("12.0", None),
                                             (12.0, None), (None, None), ("", None), ("9" * 11, None)])
def test_parse_id(value, expected):
    assert parse_id(value) == expected
