"""Pages say what is true (issue 16): a version's badge is its own state; "¶" links lead to their
paragraph; the text a vote decides is shown as people read it, with its fingerprint and how to
check it; and everyone who wrote a revision is credited wherever the revision is shown."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from deliberate.database import utcnow
from deliberate.extensions import db
from deliberate.standards import services as standards
from deliberate.standards.models import Standard
from deliberate.versions import services as versions
from deliberate.versions.models import Version
from deliberate.voting import closing
from deliberate.voting import services as voting
from tests.web.html_check import Page, badges, problems

VERSION_STATES = ("candidate", "ratified", "failed")


def ratify(network, summary="The founding text.") -> Version:
    standard = standards.get_standard(network["standard"].slug)
    version = versions.assemble_version(actor=network["steward"], standard=standard, summary=summary)
    vote = versions.open_ratification_vote(actor=network["steward"], version=version, closes_at=utcnow() + timedelta(days=7))
    voting.cast_ballot(actor=network["delegate"], vote=vote, choice="for")
    closing.close_vote(actor=network["steward"], vote=vote)
    db.session.expire_all()
    return db.session.get(Version, version.id)


def revise(network, index=0, body="Members own the platform, jointly.", **options):
    section = standards.get_standard(network["standard"].slug).sections[index]
    return standards.revise_section(actor=options.pop("actor", network["steward"]), section=section, title=section.title,
                                    body=body, message=options.pop("message", "Clearer"),
                                    base_revision_id=section.head_revision_id, **options)


def set_maturity(standard_id: int, maturity: str) -> None:
    # As a maturity vote would leave it (tests/web/test_version_pages.py walks the votes themselves).
    db.session.get(Standard, standard_id).maturity = maturity
    db.session.commit()


# 1. A version's badge ---------------------------------------------------------------------------

@pytest.fixture
def every_version_state(network):
    """Version 1.0 ratified, a first 1.1 withdrawn (failed), and a second 1.1 waiting for its vote."""
    ratified = ratify(network)
    revise(network)
    withdrawn = versions.assemble_version(actor=network["steward"], standard=network["standard"], summary="Too early.")
    versions.withdraw_candidate(actor=network["steward"], version=withdrawn, reason="More is coming.")
    revise(network, body="Members own the platform, jointly and equally.")
    candidate = versions.assemble_version(actor=network["steward"], standard=network["standard"], summary="Equally.")
    slug = network["standard"].slug
    return {"ratified": f"/standards/{slug}/v/{ratified.number}",
            "failed": f"/standards/{slug}/v/{withdrawn.number}?attempt={withdrawn.attempt}",
            "candidate": f"/standards/{slug}/v/{candidate.number}?attempt={candidate.attempt}"}


@pytest.mark.parametrize("maturity", ["draft", "candidate", "ratified"])
@pytest.mark.parametrize("state", VERSION_STATES)
def test_a_version_page_shows_its_own_state_and_no_contradicting_badge(client, network, every_version_state,
                                                                       maturity, state):
    set_maturity(network["standard"].id, maturity)
    html = client.get(every_version_state[state]).get_data(as_text=True)
    heading = badges(html, within="h1")
    assert [classes for classes, _text in heading] == [["badge", f"badge-{state}"]], heading
    assert heading[0][1] == f"State: {state}"
    others = {f"badge-{other}" for other in VERSION_STATES if other != state}
    assert not [b for b in badges(html) if others & set(b[0])], "a badge contradicts the version's state"
    says = {"ratified": "Ratified on", "candidate": "A candidate, not ratified.", "failed": "Not ratified."}
    assert says[state] in html and all(says[other] not in html for other in VERSION_STATES if other != state)


@pytest.mark.parametrize("maturity", ["draft", "candidate", "ratified"])
def test_the_standards_own_pages_show_its_maturity(client, network, maturity):
    set_maturity(network["standard"].id, maturity)
    slug = network["standard"].slug
    for path in (f"/standards/{slug}", f"/standards/{slug}/changelog"):
        assert [c for c, _t in badges(client.get(path).get_data(as_text=True), within="h1")] == [["badge", f"badge-{maturity}"]]


# 2. Paragraph anchors ---------------------------------------------------------------------------

def test_paragraph_anchors_name_their_section_and_old_links_still_work_on_a_section_page(client, network):
    revise(network, 0, "Members own the platform.\n\nThey decide together.")
    revise(network, 1, "Members own their data.\n\nThey can take it with them.")
    version = ratify(network)
    slug = network["standard"].slug
    first, second = (s.key for s in standards.get_standard(slug).sections[:2])
    for path in (f"/standards/{slug}", f"/standards/{slug}?draft=1", f"/standards/{slug}/v/{version.number}"):
        html = client.get(path).get_data(as_text=True)
        assert not problems(html), path
        page = Page(html)
        for key in (first, second):
            para = page.find(id=f"{key}-p2")
            assert para and para[0].attrs["data-paragraph"] == "2" and "para" in para[0].classes
            assert page.find("a", href=f"#{key}-p2")
        assert not page.find(id="p2")
    section = Page(client.get(f"/standards/{slug}/s/{second}").get_data(as_text=True))
    assert section.find(id=f"{second}-p2") and section.find("a", id="p2", href=f"#{second}-p2")


def test_a_quote_links_to_its_paragraph_on_the_page_that_shows_it(as_role, network):
    revise(network, 1, "Members own their data.\n\nThey can take it with them.")
    standard = standards.get_standard(network["standard"].slug)
    section = standard.sections[1]
    delegate = as_role("delegate")
    delegate.post(f"/discussions/section/{section.id}/comments", data={
        "body": "Always?", "quote": "take it with them", "anchor": json.dumps({"revision_id": section.head_revision_id,
                                                                                "paragraph": 2})})
    delegate.post(f"/discussions/standard/{standard.id}/comments", data={
        "body": "Own it?", "quote": "own their data", "anchor": json.dumps({"section_key": section.key, "paragraph": 1})})
    on_section = delegate.get(f"/standards/{standard.slug}/s/{section.key}").get_data(as_text=True)
    assert f'href="#{section.key}-p2">¶2</a>' in on_section and not problems(on_section)
    on_standard = delegate.get(f"/standards/{standard.slug}?draft=1").get_data(as_text=True)
    assert f'href="#{section.key}-p1">¶1 in {section.key}</a>' in on_standard and not problems(on_standard)
    # The discussion's own page does not show the text: the quote leads to the page that does.
    apart = delegate.get(f"/discussions/section/{section.id}").get_data(as_text=True)
    assert f'href="/standards/{standard.slug}/s/{section.key}#{section.key}-p2"' in apart and not problems(apart)
