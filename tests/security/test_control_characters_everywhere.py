"""NUL and the other control characters, in any field a form sends (not only the fields each route's
usual data names), on every POST route: a clear 4xx, never a 500, never stored.

tests/web/test_control_characters.py sends them in each route's usual fields; this sends every
field the route's own page has (hidden ones too: ``next``, ``client_id``, ``anchor``, ids, found
in the page's HTML), the fields of the form class posted to it (when the page is a POST only, every
form class's fields) and the few values views read from the request themselves.
"""
from __future__ import annotations

import re

import pytest

from tests.authz_world import ROLES, every_row
from tests.web.authz_table import TABLE, fill, form_data, refused

CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Values some views read straight from the request rather than through a form.
RAW_NAMES = ("next", "owner", "locale", "rank-0", "amendments")

CASES = []
for endpoint, route in sorted(TABLE.items()):
    if route.post is None:
        continue
    accepted = [role for role in ROLES if not refused(route.post[role])]
    if accepted:
        CASES.append((endpoint, "steward" if "steward" in accepted else accepted[0]))


def _field_names(app, client, route, path: str, role: str) -> list[str]:
    """The names the route's page sends (its HTML), or every form field name there is."""
    names = set(RAW_NAMES) | set(route.data)
    if route.get is not None and not refused(route.get[role]):
        html = client.get(path).get_data(as_text=True)
        return sorted((names | set(re.findall(r'<(?:input|textarea|select)[^>]*\bname="([^"]+)"', html))) - {"csrf_token"})
    return sorted(names | set(_every_form_field(app)))


def _every_form_field(app) -> list[str]:
    from flask_wtf import FlaskForm

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    names = set()
    with app.test_request_context():
        for form_class in subclasses(FlaskForm):
            names.update(field.name for field in form_class(meta={"csrf": False}))
    return sorted(names - {"csrf_token"})


def _stored_controls() -> list[str]:
    return [f"{table}: {value!r}" for table, rows in every_row().items() for row in rows
            for value in row if isinstance(value, str) and CONTROL.search(value)]


class _FormReads:
    """The names the requests' forms were asked for, through every way of reading one; ``whole``
    once any request read a form whole (iterated it, copied it)."""

    def __init__(self):
        self.names: set[str] = set()
        self.whole = False

    def install(self, app) -> None:
        from flask import request
        from werkzeug.datastructures import ImmutableMultiDict

        reads = self

        class Recording(ImmutableMultiDict):
            def __getitem__(self, key):
                reads.names.add(key)
                return super().__getitem__(key)

            def get(self, key, default=None, type=None):
                reads.names.add(key)
                return super().get(key, default, type)

            def getlist(self, key, type=None):
                reads.names.add(key)
                return super().getlist(key, type)

            def __contains__(self, key):
                reads.names.add(key)
                return super().__contains__(key)

            def _whole(self):
                reads.whole = True

            def __iter__(self):
                self._whole()
                return super().__iter__()

            def keys(self):
                self._whole()
                return super().keys()

            def items(self, multi=False):
                self._whole()
                return super().items(multi)

            def values(self):
                self._whole()
                return super().values()

            def lists(self):
                self._whole()
                return super().lists()

            def to_dict(self, flat=True):
                self._whole()
                return super().to_dict(flat)

            def copy(self):
                self._whole()
                return super().copy()

        def record():
            request.__dict__["form"] = Recording(request.form)

        # First of the app's hooks, so that nothing reads the form unrecorded before it.
        app.before_request_funcs.setdefault(None, []).insert(0, record)


@pytest.mark.parametrize("endpoint, role", CASES, ids=[e for e, _ in CASES])
def test_no_field_of_any_form_takes_a_control_character(app, authz_world, authz_client, endpoint, role):
    """Each name the route reads holds a control character in a post of its own. A name the route
    never reads cannot change what it does, so the names no post read are sent together in one
    more post (and one by one if that post read any of them)."""
    route = TABLE[endpoint]
    path = fill(route.path, authz_world["ids"])
    client = authz_client(role)
    reads = _FormReads()
    reads.install(app)
    names = _field_names(app, client, route, path, role)
    failures, tried = [], set()

    def post(bad_names):
        bad = {name: "x\x00y" if name != "rank-0" else "1\x00" for name in bad_names}
        response = client.post(path, data={**form_data(route, authz_world["ids"]), **bad})
        if response.status_code >= 500:
            failures.append((sorted(bad_names), response.status_code))

    while True:
        for name in names:
            if name not in tried and (not tried or reads.whole or name in reads.names):
                post([name])
                tried.add(name)
        unread = [name for name in names if name not in tried]
        if not unread:
            break
        post(unread)
        if not (reads.whole or reads.names & set(unread)):
            break
    assert not failures, (endpoint, failures)
    assert not _stored_controls(), endpoint


# Every query parameter a page reads (request.args), and the JSON API's.
QUERY_NAMES = ("q", "kind", "standard", "page", "votes", "draft", "section", "view", "from", "to", "attempt",
               "subject", "next", "r", "cursor", "limit", "owner", "state", "since")
GET_CASES = sorted(endpoint for endpoint, route in TABLE.items() if route.get is not None)


@pytest.mark.parametrize("endpoint", GET_CASES)
def test_no_query_parameter_with_a_control_character_is_a_500(authz_world, authz_client, endpoint):
    route = TABLE[endpoint]
    path = fill(route.path, authz_world["ids"])
    client = authz_client("steward" if not refused(route.get["steward"]) else "delegate")
    joiner = "&" if "?" in path else "?"
    failures = [(name, response.status_code) for name in QUERY_NAMES
                for response in [client.get(f"{path}{joiner}{name}=x%00y%1B")] if response.status_code >= 500]
    assert not failures, (endpoint, failures)


@pytest.mark.parametrize("path", ["/api/v1/standards", "/api/v1/standards/{std}/amendments", "/api/v1/votes",
                                  "/api/v1/standards/{std}/versions/{ref}"])
def test_no_api_query_parameter_with_a_control_character_is_a_500(app, authz_world, path):
    client = app.test_client()
    url = path.format(**authz_world["ids"])
    failures = [(name, response.status_code) for name in QUERY_NAMES
                for response in [client.get(f"{url}?{name}=x%00y%1B")] if response.status_code >= 500]
    assert not failures, (path, failures)


def test_no_path_part_with_a_control_character_is_a_500(app, authz_world, authz_client):
    """Every rule's text parts (slugs, keys, version numbers, tokens) given a NUL or an escape."""
    from deliberate.routing import IdConverter

    ids = authz_world["ids"]
    values = {"slug": ids["std"], "key": ids["key"], "kind": "standard", "subject_kind": "standard", "ref": ids["ref"],
              "number": ids["ref"], "token": ids["join_token"], "filename": "app.css"}
    ints = {"revision": 1, "amendment_id": ids["amendment"], "vote_id": ids["vote"], "comment_id": ids["comment"],
            "subject_id": ids["std_id"], "objection_id": ids["objection"], "webhook_id": ids["hook"], "thread_id": ids["thread"],
            "person_id": ids["other_person"], "version_id": ids["version"], "token_id": 1, "number": 1,
            "proxy_id": ids["proxy"], "declaration_id": ids["declaration"], "question_id": ids["question"]}
    client = authz_client("steward")
    failures = []
    for rule in app.url_map.iter_rules():
        texts = [name for name, conv in rule._converters.items() if not isinstance(conv, IdConverter)]
        for name in texts:
            for bad in ("x%00y", "x%1By", "x%C2%85y"):
                path = rule.rule
                for part, conv in rule._converters.items():
                    value = bad if part == name else (ints[part] if isinstance(conv, IdConverter) else values.get(part, "x"))
                    path = re.sub(rf"<(?:[a-z]+(?:\([^)]*\))?:)?{part}>", str(value), path)
                for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                    response = client.open(path, method=method)
                    if response.status_code >= 500:
                        failures.append((method, rule.rule, name, bad, response.status_code))
    assert not failures, failures
