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
from deliberate.voting.models import Vote
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


# 3. The text voted on ---------------------------------------------------------------------------

def open_amendment(network, kind="modify", index=0, body=None, **options):
    from deliberate.proposals import services as proposals

    standard = standards.get_standard(network["standard"].slug)
    section = standard.sections[index] if kind != "insert" else None
    delegate = network["delegate"]
    amendment = proposals.propose_amendment(
        actor=delegate, standard=standard, kind=kind, section=section, summary=options.pop("summary", f"A {kind}."),
        proposed_title=options.pop("title", section.title if section else "Open books"),
        proposed_body=body if body is not None else (section.body if section else "We publish our accounts."),
        name=options.pop("name", f"The {kind}"), **options)
    return proposals.open_amendment(actor=delegate, amendment=amendment)


def open_vote(network, kind, subject_id, **options):
    return voting.open_vote(actor=network["steward"], subject_kind=kind, subject_id=subject_id,
                            closes_at=utcnow() + timedelta(days=7), **options)


@pytest.fixture
def votes_of_every_kind(network):
    """An open vote on each kind of subject, by what it is about."""
    from deliberate.proposals import services as proposals

    made = {"modify": open_amendment(network, body="Members own and run the platform.", name="Own and run"),
            "insert": open_amendment(network, "insert", title="Open books", body="We publish our accounts.",
                                     target_position=3, name="Open books"),
            "move": open_amendment(network, "move", index=1, target_position=1, name="Data first"),
            "delete": open_amendment(network, "delete", index=1, name="No data section")}
    votes = {kind: open_vote(network, "amendment", amendment.id) for kind, amendment in made.items()
             if kind in ("modify", "insert")}
    # A move and a removal of the same section compete: a ranked vote between them.
    group = proposals.group_competing(actor=network["steward"], amendments=[made["move"], made["delete"]],
                                      title="What to do with data rights")
    votes["group"] = open_vote(network, "group", group.id, rule_preset="ranked")
    votes["admission"] = open_vote(network, "admission", network["applicant"].id)
    version = ratify(network)
    set_maturity(network["standard"].id, "candidate")
    votes["maturity"] = open_vote(network, "maturity", network["standard"].id)
    votes["version"] = db.session.get(Vote, version.vote_id)
    return votes, made, version


def test_the_text_voted_on_reads_as_what_it_changes_with_its_fingerprint_and_how_to_check_it(client, network,
                                                                                              votes_of_every_kind):
    import hashlib

    votes, made, _version = votes_of_every_kind
    expected = {
        "modify": [f"{made['modify'].reference} · Own and run", "Changes the section “Member ownership”.",
                   "<ins>and run "],
        "insert": ["Adds a new section at place 3.", "<ins>Open books</ins>", "<ins>We publish our accounts.</ins>"],
        "group": [f"{made['move'].reference} · Data first", "Moves the section “Data rights” to place 1. Its words do not change.",
                  f"{made['delete'].reference} · No data section", "Removes the section “Data rights”.",
                  "<del>Members own their data."],
        "admission": ["Admission of New Co-op (worker co-op, ES) as a member of the network."],
        "maturity": ["moves from candidate to ratified"],
        "version": ["Version 1.0 of “Platform Co-op Principles”, in full:", "<h3>1. Member ownership</h3>",
                    "<p>Members own the platform.</p>", "<h3>2. Data rights</h3>", "<p>They can download it.</p>"],
    }
    for kind, vote in votes.items():
        html = client.get(f"/votes/{vote.id}").get_data(as_text=True)
        shown = html[html.index('id="voted-text"'):html.index("</details>", html.index('id="voted-text"'))]
        assert '{"amendment"' not in shown and "&#34;amendment&#34;" not in shown and "&quot;" not in shown, kind
        assert "<h1" not in shown and "deliberate section" not in shown, kind
        for words in expected[kind]:
            assert words in shown, (kind, words)
        assert f"<code>{vote.text_hash}</code>" in shown and f'href="/votes/{vote.id}/text.txt"' in shown, kind
        assert f"sha256sum vote-{vote.id}-text.txt" in shown
        assert not problems(html), kind
        download = client.get(f"/votes/{vote.id}/text.txt")
        assert download.headers["Content-Type"] == "text/plain; charset=utf-8"
        assert f'filename="vote-{vote.id}-text.txt"' in download.headers["Content-Disposition"]
        assert hashlib.sha256(download.data).hexdigest() == vote.text_hash == hashlib.sha256(vote.text.encode()).hexdigest()


def test_the_voted_text_is_the_frozen_one_not_the_amendments_later_draft(client, network):
    vote = open_vote(network, "amendment", open_amendment(network, body="Members own and run the platform.").id)
    closing.cancel_vote(actor=network["steward"], vote=vote, reason="The text must change.")
    from deliberate.proposals import services as proposals
    from deliberate.proposals.models import Amendment

    amendment = db.session.get(Amendment, vote.subject_id)
    proposals.edit_amendment(actor=network["delegate"], amendment=amendment, summary="Later.", rationale="",
                             proposed_title=amendment.head.proposed_title, proposed_body="Members run the platform.",
                             expected_draft_id=amendment.head_draft_id)
    shown = client.get(f"/votes/{vote.id}").get_data(as_text=True)
    assert "<ins>and run " in shown and "Members run the platform" not in shown


def test_the_form_that_opens_a_vote_previews_the_text_readably(as_role, network):
    import hashlib

    from deliberate.proposals import adoption

    amendment = open_amendment(network, body="Members own and run the platform.")
    form = as_role("steward").get(f"/votes/new?subject=amendment:{amendment.id}").get_data(as_text=True)
    assert "<ins>and run " in form and "Changes the section “Member ownership”." in form
    assert '{"amendment"' not in form and "&#34;amendment" not in form
    assert hashlib.sha256(adoption.frozen_text(amendment).encode()).hexdigest() in form
    admission = as_role("steward").get(f"/votes/new?subject=admission:{network['applicant'].id}").get_data(as_text=True)
    assert "Admission of New Co-op" in admission


# 4. Co-editing credits --------------------------------------------------------------------------

@pytest.fixture
def coedited(network, make_coop, make_delegate):
    """Revision 2 of the first section, saved by the delegate and written with Amara Okafor."""
    loom = make_coop(name="Loom Makers")
    amara = make_delegate(coop=loom, name="Amara Okafor", email="amara@example.org")
    revision = revise(network, 0, "Members own and run the platform.", actor=network["delegate"],
                      message="Written together", credits=[(amara.id, loom.id)])
    return revision, amara


def credited_everywhere(client, network, revision, author: str, coauthor: str, api_name: str) -> None:
    slug, key = network["standard"].slug, standards.get_standard(network["standard"].slug).sections[0].key
    line = f"{author}, with {coauthor}"
    pages = {"section": f"/standards/{slug}/s/{key}", "revision": f"/standards/{slug}/s/{key}/r/{revision.number}",
             "who wrote what": f"/standards/{slug}/s/{key}/blame"}
    for name, path in pages.items():
        html = client.get(path).get_data(as_text=True)
        assert line in html, name
    section_page = client.get(pages["section"]).get_data(as_text=True)
    assert section_page.count(line) == 2  # beside the current text, and in the history
    api = f"/api/v1/standards/{slug}/sections/{key}"
    for data in (client.get(f"{api}/revisions/{revision.number}").get_json(), client.get(api).get_json()["head"],
                 client.get(f"{api}/revisions").get_json()["items"][-1]):
        assert data["credits"] == [{"name": api_name, "coop": {"slug": "loom-makers", "name": "Loom Makers"}}]
    first = client.get(f"{api}/revisions/1").get_json()
    assert first["credits"] == []


def test_co_authors_are_credited_on_every_page_and_in_the_api(client, network, coedited):
    revision, _amara = coedited
    credited_everywhere(client, network, revision, "Delegate 1 (Kazi Riders)", "Amara Okafor (Loom Makers)", "Amara Okafor")


def test_an_erased_co_author_is_credited_as_a_former_delegate(client, network, coedited):
    from deliberate.members import erasure

    revision, amara = coedited
    erasure.erase_person(actor=network["steward"], person_id=amara.id, reason="request")
    db.session.expire_all()
    credited_everywhere(client, network, revision, "Delegate 1 (Kazi Riders)", "a former delegate of Loom Makers",
                        "a former delegate of Loom Makers")
    slug, key = network["standard"].slug, standards.get_standard(network["standard"].slug).sections[0].key
    for path in (f"/standards/{slug}/s/{key}", f"/standards/{slug}/s/{key}/r/2", f"/standards/{slug}/s/{key}/blame",
                 f"/api/v1/standards/{slug}/sections/{key}/revisions"):
        assert "Amara" not in client.get(path).get_data(as_text=True)
