"""Version pages as people use them: every route against every role, the public page's switch
between the ratified version and the working draft, downloads, the changelog, comparisons, the
stewards' forms and the observers' page cache."""
from __future__ import annotations

import hashlib
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from deliberate.database import utcnow
from deliberate.extensions import db
from deliberate.standards import services as standards
from deliberate.versions import chain, document, services
from deliberate.versions.models import Version
from deliberate.voting import closing
from deliberate.voting import services as voting
from deliberate.voting.models import Vote

ROLES = ("observer", "delegate", "suspended_delegate", "steward")


def ratify(network, summary="The founding text.", **kw) -> Version:
    """Assemble the working draft and have the network's one member co-op ratify it."""
    standard = standards.get_standard(network["standard"].slug)
    version = services.assemble_version(actor=network["steward"], standard=standard, summary=summary, **kw)
    vote = services.open_ratification_vote(actor=network["steward"], version=version,
                                           closes_at=utcnow() + timedelta(days=7))
    voting.cast_ballot(actor=network["delegate"], vote=vote, choice="for")
    closing.close_vote(actor=network["steward"], vote=vote)
    db.session.expire_all()
    return db.session.get(Version, version.id)


def revise(network, index=0, body="Members own the platform, jointly.") -> None:
    section = standards.get_standard(network["standard"].slug).sections[index]
    standards.revise_section(actor=network["steward"], section=section, title=section.title, body=body,
                             message="Clearer", base_revision_id=section.head_revision_id)


@pytest.fixture
def ratified(network):
    return ratify(network)


# (method, path template, {role: status}); 302 for observers means "sent to sign in".
TABLE = [
    ("GET", "/standards/{std}", dict(observer=200, delegate=200, suspended_delegate=200, steward=200)),
    ("GET", "/standards/{std}?draft=1", dict(observer=200, delegate=200, suspended_delegate=200, steward=200)),
    ("GET", "/standards/{std}/changelog", dict(observer=200, delegate=200, suspended_delegate=200, steward=200)),
    ("GET", "/standards/{std}/changelog.jsonl", dict(observer=200, delegate=200, suspended_delegate=200, steward=200)),
    ("GET", "/standards/no-such/changelog", dict(observer=404, delegate=404, suspended_delegate=404, steward=404)),
    ("GET", "/standards/{std}/v/1.0", dict(observer=200, delegate=200, suspended_delegate=200, steward=200)),
    ("GET", "/standards/{std}/v/1.0.md", dict(observer=200, delegate=200, suspended_delegate=200, steward=200)),
    ("GET", "/standards/{std}/v/1.0.html", dict(observer=200, delegate=200, suspended_delegate=200, steward=200)),
    ("GET", "/standards/{std}/v/1.0.json", dict(observer=200, delegate=200, suspended_delegate=200, steward=200)),
    ("GET", "/standards/{std}/v/1.0?attempt=1", dict(observer=200, delegate=200, suspended_delegate=200, steward=200)),
    ("GET", "/standards/{std}/v/9.9", dict(observer=404, delegate=404, suspended_delegate=404, steward=404)),
    ("GET", "/standards/{std}/v/1.0.pdf", dict(observer=404, delegate=404, suspended_delegate=404, steward=404)),
    ("GET", "/standards/{std}/v/latest", dict(observer=404, delegate=404, suspended_delegate=404, steward=404)),
    ("GET", "/standards/{std}/v/1.0?attempt=x", dict(observer=422, delegate=422, suspended_delegate=422, steward=422)),
    ("GET", "/standards/{std}/versions/compare", dict(observer=200, delegate=200, suspended_delegate=200, steward=200)),
    ("GET", "/standards/{std}/versions/compare?from=1.0&to=draft",
     dict(observer=200, delegate=200, suspended_delegate=200, steward=200)),
    ("GET", "/standards/{std}/versions/compare?from=one&to=draft",
     dict(observer=422, delegate=422, suspended_delegate=422, steward=422)),
    ("GET", "/standards/{std}/versions/compare?from=1.0&to=7.0",
     dict(observer=404, delegate=404, suspended_delegate=404, steward=404)),
    ("GET", "/standards/{std}/versions/new", dict(observer=302, delegate=403, suspended_delegate=403, steward=200)),
    ("POST", "/standards/{std}/versions/new", dict(observer=302, delegate=403, suspended_delegate=403, steward=422)),
    ("POST", "/standards/{std}/versions/{version}/withdraw",
     dict(observer=302, delegate=403, suspended_delegate=403, steward=409)),
    ("POST", "/standards/{std}/versions/999/withdraw", dict(observer=302, delegate=403, suspended_delegate=403,
                                                            steward=404)),
]


@pytest.mark.parametrize("role", ROLES)
def test_route_role_status(as_role, network, ratified, role):
    # One test per role walking the whole table: the ratified version is built once per role.
    client = as_role(role)
    wrong = []
    for method, template, expected in TABLE:
        path = template.format(std=network["standard"].slug, version=ratified.id)
        response = client.open(path, method=method, data={"reason": "Because."} if "withdraw" in path else {})
        if response.status_code != expected[role]:
            wrong.append((method, path, expected[role], response.status_code, response.get_data(as_text=True)[:200]))
        elif expected[role] == 302 and role == "observer" and "/signin" not in response.headers["Location"]:
            wrong.append((method, path, "to /signin", response.headers["Location"], ""))
    assert not wrong, "\n".join(map(str, wrong))


def test_the_public_page_shows_the_working_draft_until_a_version_is_ratified(client, network):
    slug = network["standard"].slug
    page = client.get(f"/standards/{slug}").get_data(as_text=True)
    assert "No version has been ratified yet" in page and ">draft</span>" in page
    ratify(network)
    revise(network)
    page = client.get(f"/standards/{slug}").get_data(as_text=True)
    assert "You are reading <strong>version 1.0</strong>" in page
    assert "(it has changes not yet ratified)" in page
    assert "Members own the platform." in page and "jointly" not in page
    assert f'href="/standards/{slug}?draft=1"' in page
    draft = client.get(f"/standards/{slug}?draft=1").get_data(as_text=True)
    assert "You are reading the <strong>working draft</strong>" in draft and "jointly" in draft
    assert f'href="/standards/{slug}">Read the ratified version 1.0</a>' in draft


def test_both_views_keep_contents_anchors_and_links_to_sections(client, network, ratified):
    slug, sections = network["standard"].slug, network["standard"].sections
    for path in (f"/standards/{slug}", f"/standards/{slug}?draft=1"):
        page = client.get(path).get_data(as_text=True)
        for section in sections:
            assert f'<a href="#{section.key}">{section.title}</a>' in page
            assert f'id="{section.key}"' in page
            assert f'/standards/{slug}/s/{section.key}"' in page  # history, amendments, editing
        assert f'/standards/{slug}/amendments"' in page and f'/standards/{slug}/changelog"' in page
    page = client.get(f"/standards/{slug}").get_data(as_text=True)
    assert f'href="/standards/{slug}/v/1.0#{sections[0].key}"' in page  # the per-version permalink
    assert 'class="badge badge-draft">draft</span>' in page  # maturity badge


def test_the_version_page_cites_and_links_its_vote_and_record(client, network, ratified):
    slug = network["standard"].slug
    page = client.get(f"/standards/{slug}/v/1.0").get_data(as_text=True)
    assert "Platform Co-op Principles, version 1.0 (ratified " in page
    assert f"http://localhost.test/standards/{slug}/v/1.0 — SHA-256 {ratified.content_hash}" in page
    assert f'href="/votes/{ratified.vote_id}/record.jsonl"' in page
    assert f'href="/standards/{slug}/v/1.0#{network["section"].key}"' in page
    assert "The first version of the standard." in page
    record = client.get(f"/votes/{ratified.vote_id}/record.jsonl")
    assert record.status_code == 200 and b'"type":"closed"' in record.data


def test_the_markdown_download_round_trips_and_hashes_to_the_citation(client, network, ratified):
    slug = network["standard"].slug
    response = client.get(f"/standards/{slug}/v/1.0.md")
    assert response.mimetype == "text/markdown" and "platform-co-op-principles-v1.0.md" in \
        response.headers["Content-Disposition"]
    assert hashlib.sha256(response.data).hexdigest() == ratified.content_hash
    parsed = document.parse(response.get_data(as_text=True))
    assert parsed.number == "1.0" and parsed.title == "Platform Co-op Principles"
    assert list(parsed.sections) == [{"key": s.key, "kind": s.kind, "title": s.title, "body": s.body}
                                     for s in ratified.sections]


def test_the_json_and_standalone_html_downloads(client, network, ratified):
    slug = network["standard"].slug
    data = json.loads(client.get(f"/standards/{slug}/v/1.0.json").data)
    assert (data["version"], data["state"], data["content_hash"]) == ("1.0", "ratified", ratified.content_hash)
    assert [s["body"] for s in data["sections"]] == [s.body for s in ratified.sections]
    assert data["vote"]["passed"] is True and data["vote"]["record"].endswith(f"/votes/{ratified.vote_id}/record.jsonl")
    response = client.get(f"/standards/{slug}/v/1.0.html")
    html = response.get_data(as_text=True)
    assert "@media print" in html and "<script" not in html and "<link" not in html and " src=" not in html
    style = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    digest = __import__("base64").b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert ratified.content_hash in html and ratified.sections[0].title in html


def test_the_changelog_shows_amendments_with_diffs_rationale_and_votes(client, network, ratified):
    from deliberate.proposals import adoption
    from deliberate.proposals import services as proposals

    standard = standards.get_standard(network["standard"].slug)
    standard.policy = {"steward_may_adopt": ["principle"]}
    db.session.commit()
    section = standards.get_standard(standard.slug).sections[1]
    amendment = proposals.propose_amendment(
        actor=network["delegate"], standard=standard, kind="modify", section=section, summary="Free downloads.",
        rationale="Fees keep members from their own data.", proposed_title=section.title,
        proposed_body=section.body.replace("download it.", "download it free of charge."))
    amendment = proposals.open_amendment(actor=network["delegate"], amendment=amendment)
    adoption.adopt_directly(actor=network["steward"], amendment=amendment)
    second = ratify(network, "Free downloads.")
    assert second.number == "1.1"
    page = client.get(f"/standards/{standard.slug}/changelog").get_data(as_text=True)
    assert page.index("Version 1.1") < page.index("Version 1.0")
    assert f"{amendment.reference} · {amendment.title}" in page and "Fees keep members from their own data." in page
    assert "<ins>free of charge</ins>" in page.replace("<ins> ", "<ins>")
    vote = db.session.get(Vote, second.vote_id)
    assert vote.explanation in page and f'href="/votes/{vote.id}/record.jsonl"' in page
    assert "from=1.0&amp;to=1.1" in page
    entries = chain.loads_jsonl(client.get(f"/standards/{standard.slug}/changelog.jsonl").data)
    assert [e["version"] for e in entries] == ["1.0", "1.1"] and chain.verify_changelog(entries).ok
    compare = client.get(f"/standards/{standard.slug}/versions/compare?from=1.0&to=1.1").get_data(as_text=True)
    assert "<ins>free of charge</ins>" in compare.replace("<ins> ", "<ins>") and "1 of 2 sections differ" in compare


def test_a_steward_assembles_a_candidate_and_puts_it_to_the_vote(as_role, network, ratified):
    steward, slug = as_role("steward"), network["standard"].slug
    assert "Nothing changed since version 1.0." in steward.get(f"/standards/{slug}/versions/new").get_data(as_text=True)
    revise(network, 0, "Members own the platform.\n\nA new paragraph.")
    form = steward.get(f"/standards/{slug}/versions/new").get_data(as_text=True)
    assert "It would be version 1.1" in form and "was reworded" in form
    response = steward.post(f"/standards/{slug}/versions/new", data={"summary": "A new paragraph.", "level": "major"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/standards/{slug}/v/2.0?attempt=1")
    version = db.session.scalar(select(Version).where(Version.state == "candidate"))
    page = steward.get(f"/standards/{slug}/v/2.0?attempt=1").get_data(as_text=True)
    assert "A candidate, not ratified." in page and f"/votes/new?subject=version:{version.id}" in page
    assert "Withdraw this candidate" in page
    observer = as_role("observer").get(f"/standards/{slug}/v/2.0").get_data(as_text=True)
    assert "A candidate, not ratified." in observer and "Withdraw" not in observer and "/votes/new" not in observer
    opened = steward.post("/votes/new", data={"subject": f"version:{version.id}", "rule_preset": "two-thirds",
                                              "closes_at": (utcnow() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")})
    assert opened.status_code == 302, opened.get_data(as_text=True)[:1000]
    vote = db.session.scalar(select(Vote).where(Vote.subject_kind == "version", Vote.state == "open"))
    assert vote.text_hash == version.content_hash
    page = steward.get(f"/standards/{slug}/v/2.0").get_data(as_text=True)
    assert f'/votes/{vote.id}"' in page and "Withdraw this candidate" not in page
    voting.cast_ballot(actor=network["delegate"], vote=vote, choice="against")
    closing.close_vote(actor=network["steward"], vote=vote)
    page = steward.get(f"/standards/{slug}/changelog").get_data(as_text=True)
    assert "Candidates that were not ratified" in page and f"Not ratified by vote {vote.id}" in page


def test_a_steward_withdraws_a_candidate(as_role, network, ratified):
    revise(network)
    candidate = services.assemble_version(actor=network["steward"], standard=network["standard"], summary="Jointly.")
    steward = as_role("steward")
    refused = steward.post(f"/standards/{network['standard'].slug}/versions/{candidate.id}/withdraw", data={})
    assert refused.status_code == 422
    response = steward.post(f"/standards/{network['standard'].slug}/versions/{candidate.id}/withdraw",
                            data={"reason": "More amendments are coming."})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Version, candidate.id).state == "failed"


def test_the_stewards_links_to_maturity_votes(as_role, network, ratified):
    page = as_role("steward").get(f"/standards/{network['standard'].slug}/changelog").get_data(as_text=True)
    assert f"/votes/new?subject=maturity:{network['standard'].id}" in page and "draft → candidate" in page
    assert "/votes/new" not in as_role("delegate").get(f"/standards/{network['standard'].slug}/changelog") \
        .get_data(as_text=True)
    form = as_role("steward").get(f"/votes/new?subject=maturity:{network['standard'].id}").get_data(as_text=True)
    assert "moves from draft to candidate" in form
    # The standard's own page offers it too, to stewards only.
    link = f"/votes/new?subject=maturity:{network['standard'].id}"
    assert link in as_role("steward").get(f"/standards/{network['standard'].slug}").get_data(as_text=True)
    for role in ("delegate", "observer"):
        assert link not in as_role(role).get(f"/standards/{network['standard'].slug}").get_data(as_text=True)


def page_without_csrf_token(client, path):
    """A page's HTML with its CSRF token blanked: the token is signed with the second it was made
    in, so two fetches of one cached page differ in it whenever a second ticks between them."""
    html = client.get(path).get_data(as_text=True)
    return re.sub(r'(name="csrf[-_]token"[^>]*(?:content|value)=")[^"]*"', r'\1"', html)


class TestObserverPageCache:
    @pytest.fixture
    def app_config(self):
        return {"OBSERVER_PAGE_CACHE": True}

    def test_observers_get_the_cached_page_until_something_changes(self, app, client, network, ratified, login):
        from deliberate.versions import pagecache

        slug = network["standard"].slug
        first = page_without_csrf_token(client, f"/standards/{slug}")
        with app.test_request_context():
            before = pagecache.stats()
        again = page_without_csrf_token(client, f"/standards/{slug}")
        with app.test_request_context():
            after = pagecache.stats()
        assert again == first and after["hits"] == before["hits"] + 1
        revise(network)  # an event: the next observer sees the change
        assert "jointly" in client.get(f"/standards/{slug}?draft=1").get_data(as_text=True)
        assert "changes not yet ratified" in client.get(f"/standards/{slug}").get_data(as_text=True)
        # A change without any event (which services never make) is still seen by signed-in people.
        standard = db.session.get(type(network["standard"]), network["standard"].id)
        standard.summary = "A new summary, written behind the services' back."
        db.session.commit()
        assert "behind the services" not in client.get(f"/standards/{slug}").get_data(as_text=True)
        delegate = login(network["delegate"], test_client=app.test_client())
        assert "behind the services" in delegate.get(f"/standards/{slug}").get_data(as_text=True)

    def test_only_events_that_can_change_a_standards_pages_renew_them(self, app, client, network, ratified):
        """Ballots and comments on a vote about something else leave the standard's cached pages
        alone; a comment on the standard renews them at once."""
        from deliberate.discussions import services as discussions
        from deliberate.versions import pagecache

        slug = network["standard"].slug
        paths = [f"/standards/{slug}", f"/standards/{slug}/changelog", f"/standards/{slug}/v/1.0"]

        def stats():
            with app.test_request_context():
                return pagecache.stats()

        vote = voting.open_vote(actor=network["steward"], subject_kind="admission",
                                subject_id=network["applicant"].id, closes_at=utcnow() + timedelta(days=7))
        pages = {path: page_without_csrf_token(client, path) for path in paths}
        before = stats()
        voting.cast_ballot(actor=network["delegate"], vote=vote, choice="for")
        discussions.post_comment(actor=network["delegate"], subject_kind="vote", subject_id=vote.id,
                                 body="Our members met them: they are ready.")
        assert {path: page_without_csrf_token(client, path) for path in paths} == pages
        assert stats()["hits"] == before["hits"] + len(paths)
        discussions.post_comment(actor=network["delegate"], subject_kind="standard",
                                 subject_id=network["standard"].id, body="A word on the whole standard.")
        assert "A word on the whole standard." in client.get(paths[0]).get_data(as_text=True)
        assert stats()["misses"] == before["misses"] + 1

    def test_downloads_keep_their_headers_when_cached(self, client, network, ratified):
        path = f"/standards/{network['standard'].slug}/v/1.0.html"
        first, second = client.get(path), client.get(path)
        assert first.data == second.data
        assert second.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]
        assert "default-src 'none'" in second.headers["Content-Security-Policy"]
        assert second.headers["Content-Disposition"] == first.headers["Content-Disposition"]


@pytest.mark.parametrize("app_config", [{"OBSERVER_PAGE_CACHE": True, "WTF_CSRF_ENABLED": True}])
def test_a_cached_page_hands_no_observer_a_token_or_a_session(app, network, ratified):
    """Observers' pages carry no CSRF token (deliberate/caching.py), rendered or from the cache: no
    visitor's token can reach another, and none starts a session. Their language picker works."""
    import re

    path = f"/standards/{network['standard'].slug}"
    first, second = app.test_client(), app.test_client()
    for client in (first, second):  # the second page comes from the cache
        response = client.get(path)
        page = response.get_data(as_text=True)
        assert "csrf-placeholder" not in page and not re.search(r'name="csrf[-_]token"', page)
        assert "Set-Cookie" not in response.headers
    assert second.post("/language", data={"locale": "es", "next": "/"}).status_code == 302
