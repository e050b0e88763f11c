"""The standard's public page renders byte for byte as before its templates were made faster
(issue 19: links and labels that are the same for every section or paragraph are worked out once).

``reference_templates/`` holds the two templates as they were before that change
(standards/show.html and versions/_macros.html); the page is rendered once with them and once with
the real ones, for each reading (ratified version, working draft), language and role. When either
template is changed on purpose, this test has done its work: delete it with its folder (or copy
the new templates there to guard another refactor).
"""
from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from jinja2 import ChoiceLoader, FileSystemLoader

from deliberate.database import utcnow
from deliberate.discussions import services as discussions
from deliberate.extensions import db
from deliberate.standards import services as standards
from deliberate.versions import services as versions
from deliberate.voting import closing
from deliberate.voting import services as voting

REFERENCE = Path(__file__).parent / "reference_templates"
SECTIONS = [("Member ownership", "Members own the platform.\n\n- one member, one vote\n- open books"),
            ("Data rights", "Members own their data.\n\nThey can **download** it.\n\nAnd [erase](https://example.org) it."),
            ("Guidance on <pay>", "Pay is \"fair\" & open.")]


@pytest.fixture
def standard(network, make_standard):
    steward, delegate = network["steward"], network["delegate"]
    made = make_standard(title="Render Principles", sections=SECTIONS)
    version = versions.assemble_version(actor=steward, standard=standards.get_standard(made.slug), summary="First.")
    vote = versions.open_ratification_vote(actor=steward, version=version, closes_at=utcnow() + timedelta(days=7))
    voting.cast_ballot(actor=delegate, vote=vote, choice="for")
    closing.close_vote(actor=steward, vote=vote)
    current = standards.get_standard(made.slug)
    standards.revise_section(actor=steward, section=current.sections[0], title="Member ownership",
                             body="Members own the platform, jointly.", message="Jointly.",
                             base_revision_id=current.sections[0].head_revision_id)
    for n in range(4):
        discussions.post_comment(actor=delegate, subject_kind="standard", subject_id=current.id,
                                 body=f"Comment {n}: this **works** for us.")
    db.session.expire_all()
    return current


def _page(client, path: str, language: str) -> str:
    response = client.get(path, headers={"Accept-Language": language})
    assert response.status_code == 200, path
    # A fresh id per form (sending twice posts once) and the CSRF token differ on every render.
    html = re.sub(r"f-[0-9a-f-]{36}", "f-…", response.get_data(as_text=True))
    return re.sub(r'(name="csrf[-_]token"[^>]*(?:content|value)=")[^"]*"', r'\1"', html)


@pytest.mark.parametrize("role", ["observer", "delegate"])
def test_the_public_page_is_the_same_with_the_reference_templates(app, as_role, standard, role):
    client = as_role(role)
    client.get("/")  # the welcome message, shown once
    paths = [f"/standards/{standard.slug}", f"/standards/{standard.slug}?draft=1", f"/standards/{standard.slug}/v/1.0"]
    pages = {(path, language): _page(client, path, language) for path in paths for language in ("en", "es")}
    reference = app.jinja_env.overlay(loader=ChoiceLoader([FileSystemLoader(str(REFERENCE)), app.jinja_env.loader]),
                                      cache_size=0)
    real = app.jinja_env
    app.__dict__["jinja_env"] = reference  # Flask's jinja_env is a cached property: this app renders with the copies
    try:
        for (path, language), page in pages.items():
            assert _page(client, path, language) == page, (path, language)
    finally:
        app.__dict__["jinja_env"] = real
    assert 'aria-label="Paragraph 2 ¶3"' in pages[(paths[0], "en")]  # the version's text, numbered
