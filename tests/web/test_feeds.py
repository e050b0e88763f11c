"""Atom feeds: parsed back with xml.etree, required elements present, hostile text harmless."""
from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta

import pytest

from deliberate.database import unit_of_work, utcnow
from deliberate.extensions import db
from deliberate.feeds import atom
from deliberate.proposals import services as proposals
from deliberate.realtime.events import record_event
from deliberate.voting import closing
from deliberate.voting import services as voting

NS = {"a": atom.ATOM_NS}
_version_ids = itertools.count(100)
HOSTILE = 'Fair & <Square> ]]> "Co-op" \'Rules\' \x01bell'


def ratify(standard, number="1.0", **payload):
    """Record what the versions feature records when a version is ratified."""
    with unit_of_work() as session:
        return record_event(session, "version_ratified", f"standard:{standard.id}",
                            {"standard_id": standard.id, "version_id": next(_version_ids), "number": number,
                             "title": standard.title, **payload})


def parse(response) -> ET.Element:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/atom+xml"
    assert response.get_data().startswith(b"<?xml")
    root = ET.fromstring(response.get_data())  # raises on anything ill-formed
    assert root.tag == f"{{{atom.ATOM_NS}}}feed"
    return root


def rfc3339(value: str) -> datetime:
    assert value.endswith("Z"), value
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    assert moment.tzinfo is not None
    return moment


def check_valid(root: ET.Element) -> list[ET.Element]:
    """RFC 4287's required elements, for the feed and each entry."""
    assert root.find("a:id", NS).text.startswith("tag:")
    assert root.find("a:title", NS).text
    rfc3339(root.find("a:updated", NS).text)
    links = {link.get("rel"): link.get("href") for link in root.findall("a:link", NS)}
    assert links["self"].startswith("http") and links["alternate"].startswith("http")
    assert root.find("a:author/a:name", NS).text
    entries = root.findall("a:entry", NS)
    ids = [e.find("a:id", NS).text for e in entries]
    assert len(ids) == len(set(ids))
    for entry in entries:
        assert entry.find("a:id", NS).text.startswith("tag:")
        assert entry.find("a:title", NS).text
        rfc3339(entry.find("a:updated", NS).text)
        link = entry.find("a:link", NS)
        assert link.get("rel") == "alternate" and link.get("href").startswith("http")
    return entries


@pytest.fixture
def open_amendment(network):
    section = network["section"]
    amendment = proposals.propose_amendment(
        actor=network["delegate"], standard=network["standard"], kind="modify", section=section,
        summary="Clearer.", proposed_title=section.title, proposed_body="Members own the platform jointly.")
    return proposals.open_amendment(actor=network["delegate"], amendment=amendment)


def test_an_empty_network_feed_is_valid(client, steward):
    root = parse(client.get("/feed.atom"))
    assert check_valid(root) == []


def test_the_standard_feed_lists_new_versions(client, network):
    standard = network["standard"]
    ratify(standard, "1.0")
    ratify(standard, "1.1", summary="Clearer data rights.")
    root = parse(client.get(f"/standards/{standard.slug}/feed.atom"))
    entries = check_valid(root)
    assert [e.find("a:title", NS).text for e in entries] == [
        "Platform Co-op Principles 1.1 ratified", "Platform Co-op Principles 1.0 ratified"]
    assert entries[0].find("a:summary", NS).text == "Clearer data rights."
    assert entries[0].find("a:link", NS).get("href").endswith(f"/standards/{standard.slug}/v/1.1")
    links = {link.get("rel"): link.get("href") for link in root.findall("a:link", NS)}
    assert links["alternate"].endswith(f"/standards/{standard.slug}")
    assert links["self"].endswith(f"/standards/{standard.slug}/feed.atom")
    assert rfc3339(root.find("a:updated", NS).text) == rfc3339(entries[0].find("a:updated", NS).text)


def test_the_network_feed_gathers_every_standard(client, network, make_standard):
    other = make_standard(title="Model Bylaws")
    ratify(network["standard"], "1.0")
    ratify(other, "2.0")
    titles = [e.find("a:title", NS).text for e in check_valid(parse(client.get("/feed.atom")))]
    assert titles == ["Model Bylaws 2.0 ratified", "Platform Co-op Principles 1.0 ratified"]
    own = check_valid(parse(client.get(f"/standards/{other.slug}/feed.atom")))
    assert [e.find("a:title", NS).text for e in own] == ["Model Bylaws 2.0 ratified"]


def test_hostile_titles_stay_well_formed_and_read_back_exactly(client, steward, make_standard):
    # Control characters are refused on entry now (limits.clean_text); a title stored before that
    # rule may still hold one, and the feed must stay well formed with it.
    standard = make_standard(title=HOSTILE.replace("\x01", ""))
    standard.title = HOSTILE
    db.session.commit()
    ratify(standard, "1.0", summary="Summary with ]]> & <b>markup</b> and \x0bcontrol.")
    for path in (f"/standards/{standard.slug}/feed.atom", "/feed.atom"):
        root = parse(client.get(path))
        entry = check_valid(root)[0]
        assert entry.find("a:title", NS).text == 'Fair & <Square> ]]> "Co-op" \'Rules\' bell 1.0 ratified'
        assert entry.find("a:summary", NS).text == "Summary with ]]> & <b>markup</b> and control."
    raw = client.get(f"/standards/{standard.slug}/feed.atom").get_data(as_text=True)
    assert "<Square>" not in raw and "<b>" not in raw and "\x01" not in raw


def test_votes_appear_only_when_asked_for(client, network, open_amendment, steward):
    standard = network["standard"]
    vote = voting.open_vote(actor=steward, subject_kind="amendment", subject_id=open_amendment.id,
                            closes_at=utcnow() + timedelta(days=7))
    closing.close_vote(actor=steward, vote=vote)
    ratify(standard, "1.0")
    plain = check_valid(parse(client.get(f"/standards/{standard.slug}/feed.atom")))
    assert [e.find("a:category", NS).get("term") for e in plain] == ["version"]
    with_votes = check_valid(parse(client.get(f"/standards/{standard.slug}/feed.atom?votes=1")))
    titles = [e.find("a:title", NS).text for e in with_votes]
    assert titles[0] == "Platform Co-op Principles 1.0 ratified"
    assert titles[1].startswith("Vote closed: ") and titles[1].endswith("(did not pass)")
    assert titles[2].startswith("Vote opened: ")
    assert with_votes[1].find("a:link", NS).get("href").endswith(f"/votes/{vote.id}")
    network_feed = check_valid(parse(client.get("/feed.atom?votes=1")))
    assert len(network_feed) == 3  # each vote event once, though recorded in two rooms


def test_a_cancelled_vote_is_in_the_feeds_with_its_reason_and_record_head(client, network, open_amendment, steward):
    # Observers who follow the votes learn that one was called off, why, and where its record ends.
    vote = voting.open_vote(actor=steward, subject_kind="amendment", subject_id=open_amendment.id,
                            closes_at=utcnow() + timedelta(days=7))
    closing.cancel_vote(actor=steward, vote=vote, reason="Opened on the wrong wording <b>by mistake</b>.")
    for path in (f"/standards/{network['standard'].slug}/feed.atom?votes=1", "/feed.atom?votes=1"):
        entries = check_valid(parse(client.get(path)))
        assert [e.find("a:category", NS).get("term") for e in entries] == ["vote", "vote"]
        cancelled = entries[0]
        assert cancelled.find("a:title", NS).text == f"Vote cancelled: {vote.title}"
        assert cancelled.find("a:link", NS).get("href").endswith(f"/votes/{vote.id}")
        summary = cancelled.find("a:summary", NS).text
        assert "Opened on the wrong wording <b>by mistake</b>." in summary  # text, escaped by the XML
        db.session.refresh(vote)
        assert vote.record_head and vote.record_head in summary
        record = [link for link in cancelled.findall("a:link", NS) if link.get("rel") == "related"]
        assert record and record[0].get("href").endswith(f"/votes/{vote.id}/record.jsonl")
        assert entries[0].find("a:id", NS).text != entries[1].find("a:id", NS).text
    assert check_valid(parse(client.get("/feed.atom"))) == []  # not in the versions-only feed


def test_admission_votes_are_in_the_network_feed(client, network, steward):
    vote = voting.open_vote(actor=steward, subject_kind="admission", subject_id=network["applicant"].id,
                            closes_at=utcnow() + timedelta(days=7))
    entries = check_valid(parse(client.get("/feed.atom?votes=1")))
    assert [e.find("a:link", NS).get("href").rsplit("/", 1)[1] for e in entries] == [str(vote.id)]
    assert check_valid(parse(client.get("/feed.atom"))) == []


def test_ids_are_stable_and_the_feed_answers_conditional_requests(client, network):
    ratify(network["standard"], "1.0")
    path = f"/standards/{network['standard'].slug}/feed.atom"
    first = client.get(path)
    again = client.get(path)
    assert first.get_data() == again.get_data()
    assert first.headers["ETag"]
    assert client.get(path, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    ratify(network["standard"], "1.1")
    assert client.get(path, headers={"If-None-Match": first.headers["ETag"]}).status_code == 200


def test_private_events_never_reach_a_feed(client, network):
    section = network["section"]
    proposals.propose_amendment(actor=network["delegate"], standard=network["standard"], kind="modify",
                                section=section, summary="Secret plan.", proposed_title=section.title,
                                proposed_body="Secret words.")
    for path in ("/feed.atom?votes=1", f"/standards/{network['standard'].slug}/feed.atom?votes=1"):
        assert check_valid(parse(client.get(path))) == []


def test_unknown_standard_feed_is_404(client, steward):
    assert client.get("/standards/nothing-here/feed.atom").status_code == 404


def test_pages_announce_their_feeds(client, network):
    slug = network["standard"].slug
    home = client.get("/").get_data(as_text=True)
    assert '<link rel="alternate" type="application/atom+xml"' in home and 'href="/feed.atom"' in home
    page = client.get(f"/standards/{slug}").get_data(as_text=True)
    assert f'href="/standards/{slug}/feed.atom"' in page


@pytest.mark.parametrize("moment, text", [
    (datetime.fromisoformat("2031-03-02T09:00:00.123456+00:00"), "2031-03-02T09:00:00Z"),
    (datetime.fromisoformat("2031-03-02T11:00:00+02:00"), "2031-03-02T09:00:00Z"),
])
def test_rfc3339(moment, text):
    assert atom.rfc3339(moment) == text


def test_naive_times_and_bad_tags_are_refused():
    with pytest.raises(ValueError):
        atom.rfc3339(datetime(2031, 1, 1))
    with pytest.raises(ValueError):
        atom.tag_uri("bad authority", "2026", "x")
    with pytest.raises(ValueError):
        atom.tag_uri("example.org", "26", "x")
    assert atom.tag_uri("Example.org", "2026-01", "standard/1 feed") == "tag:example.org,2026-01:standard/1feed"
