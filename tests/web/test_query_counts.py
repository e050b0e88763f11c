"""The number of SQL queries a page makes does not grow with the number of sections, versions or
comments: a small and a large standard are read with exactly as many queries."""
from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from bench.pages import build_standard, people
from deliberate.extensions import db

PAGES = ["/standards/{slug}", "/standards/{slug}?draft=1", "/standards/{slug}/changelog",
         "/standards/{slug}/v/1.1", "/standards/{slug}/v/1.1.json",
         "/standards/{slug}/versions/compare?from=1.0&to=1.1", "/standards/{slug}/changelog.jsonl"]


@contextmanager
def counting():
    statements: list[str] = []

    def count(_conn, _cursor, statement, _params, _context, _many):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def _build_standards() -> tuple[str, str]:
    from deliberate.versions.models import Version

    steward, delegates = people("qc")
    small = build_standard(sections=2, versions=2, comments=3, slug_title="Small Standard", steward=steward,
                           delegates=delegates)
    large = build_standard(sections=30, versions=10, comments=90, slug_title="Large Standard", steward=steward,
                           delegates=delegates)
    ratified = db.session.scalars(db.select(Version.standard_id).where(Version.state == "ratified")).all()
    assert (ratified.count(small.id), ratified.count(large.id)) == (2, 10)
    return small.slug, large.slug


@pytest.fixture(scope="module")
def kept_world_file(database_template, tmp_path_factory):
    from tests.conftest import build_world_once

    return build_world_once(database_template, tmp_path_factory, _build_standards, "query-counts")


@pytest.fixture
def standards(kept_world):
    """(small, large): the slugs of a 2-section and a 30-section standard with their versions and
    comments, built once for the module."""
    return kept_world


def queries(client, path: str) -> list[str]:
    client.get(path)  # warm up: lazily built things are built once per process, not per request
    # Test requests share the test's session; in production each request starts with an empty one.
    db.session.remove()
    with counting() as statements:
        response = client.get(path)
    assert response.status_code == 200, (path, response.get_data(as_text=True)[:500])
    return statements


@pytest.mark.parametrize("role", ["observer", "delegate"])
def test_pages_make_as_many_queries_for_a_large_standard_as_for_a_small_one(app, standards, role, login):
    from deliberate.members.models import Person

    small, large = standards
    client = app.test_client()
    if role == "delegate":
        login(db.session.scalar(db.select(Person).where(Person.email == "qc-delegate0@example.org")),
              password="a long benchmark password", test_client=client)
    counts = {}
    for page in PAGES:
        few, many = queries(client, page.format(slug=small)), queries(client, page.format(slug=large))
        counts[page] = (len(few), len(many))
        assert len(few) == len(many), (page, "\n".join(" ".join(q.split())[:120] for q in many))
    # And they stay small: a handful of queries whatever the size of the standard.
    assert all(n <= 25 for n, _ in counts.values()), counts


class TestCachedForObservers:
    @pytest.fixture
    def app_config(self):
        return {"OBSERVER_PAGE_CACHE": True}

    def test_a_cached_page_costs_one_query(self, app, standards):
        client = app.test_client()
        for page in PAGES[:4]:
            path = page.format(slug=standards[1])
            client.get(path)
            db.session.remove()
            with counting() as statements:
                assert client.get(path).status_code == 200
            # The one query: the newest event of the rooms that can change the standard's pages.
            reads = [s for s in statements if s.strip() != "BEGIN"]
            assert len(reads) == 1 and "FROM events" in reads[0], (path, statements)
