"""The witness log on the web: ``/witness.jsonl`` (canonical JSON lines, cacheable, no cookie),
``/witness``, the head in every page's footer (observers' cached pages included) and in the Atom
feeds."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest

from deliberate.extensions import db
from deliberate.witness import chain, services
from tests.witness_support import closed_admission_vote, record_head

ATOM = "{http://www.w3.org/2005/Atom}"


def log():
    db.session.expire_all()
    return services.entries(db.session)


def test_the_log_is_served_as_canonical_json_lines_cacheable_and_without_a_cookie(client, network):
    vote = closed_admission_vote(network)
    response = client.get("/witness.jsonl")
    assert response.status_code == 200 and response.mimetype == "application/x-ndjson"
    assert response.get_data(as_text=True) == chain.dumps(log())
    entries = chain.loads(response.data)
    assert chain.verify(entries) == [] and entries[-1]["payload"]["record_head"] == record_head(vote)
    assert "Set-Cookie" not in response.headers
    assert response.cache_control.public and response.cache_control.max_age == 60
    assert response.headers["ETag"] == f'"{entries[-1]["hash"]}"'
    again = client.get("/witness.jsonl", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and "Set-Cookie" not in again.headers


def test_after_gives_only_the_newer_entries_which_extend_a_kept_copy(client, network):
    from deliberate.database import unit_of_work
    from deliberate.realtime.events import record_event

    closed_admission_vote(network)
    kept = chain.loads(client.get("/witness.jsonl").data)
    waiting = client.get(f"/witness.jsonl?after={kept[-1]['seq']}")
    assert waiting.status_code == 200 and waiting.data == b""  # nothing new yet
    with unit_of_work() as session:  # what ending another vote records
        record_event(session, "vote_closed", "network", {"vote_id": 999, "record_head": "ab" * 32})
    newer = client.get(f"/witness.jsonl?after={kept[-1]['seq']}",
                       headers={"If-None-Match": waiting.headers["ETag"]})
    assert newer.status_code == 200  # the empty answer changed: not a stale 304
    added = chain.loads(newer.data)
    assert [e["seq"] for e in added] == [kept[-1]["seq"] + 1]
    assert chain.verify(kept + added) == [] and kept + added == log()
    assert chain.loads(client.get("/witness.jsonl?after=-1").data) == log()
    for bad in ("x", "-2", "1.5", "--1", "", "9" * 40):
        assert client.get(f"/witness.jsonl?after={bad}").status_code == 422, bad  # said, not a crash


def test_an_empty_log_is_an_empty_file(client, network):
    response = client.get("/witness.jsonl")
    assert response.status_code == 200 and response.data == b""


def test_the_page_explains_the_log_and_shows_its_head(client, network):
    assert "Nothing yet" in client.get("/witness").get_data(as_text=True)
    vote = closed_admission_vote(network)
    page = client.get("/witness").get_data(as_text=True)
    head = log()[-1]
    assert head["hash"] in page and f"/votes/{vote.id}" in page
    assert "deliberate witness http://localhost.test/witness.jsonl --state" in page


def test_every_page_shows_the_head_in_its_footer(client, network, login):
    assert "Witness log: no entries yet" in client.get("/").get_data(as_text=True)
    closed_admission_vote(network)
    head = log()[-1]["hash"]
    for path in ("/", f"/standards/{network['standard'].slug}", "/votes/"):
        page = client.get(path).get_data(as_text=True)
        assert f"Witness log head: {head[:12]}…" in page and 'href="/witness"' in page, path


@pytest.mark.parametrize("app_config", [{"OBSERVER_PAGE_CACHE": True}])
def test_an_observers_cached_page_shows_the_new_head_when_a_vote_ends_elsewhere(app, client, network, make_standard):
    """A vote on another standard ends: none of this standard's rooms has a new event, yet its
    cached page must show the head that moved."""
    from deliberate.database import unit_of_work
    from deliberate.realtime.events import record_event
    from deliberate.versions import pagecache

    other = make_standard(title="Member Data Rights")
    path = f"/standards/{network['standard'].slug}"
    assert "Witness log: no entries yet" in client.get(path).get_data(as_text=True)
    with app.test_request_context():
        hits = pagecache.stats()["hits"]
    assert "no entries yet" in client.get(path).get_data(as_text=True)
    with app.test_request_context():
        assert pagecache.stats()["hits"] == hits + 1  # served from the cache
    with unit_of_work() as session:  # what closing a vote on the other standard records
        record_event(session, "vote_closed", f"standard:{other.id}", {"vote_id": 999, "record_head": "ab" * 32})
    head = log()[-1]["hash"]
    assert f"Witness log head: {head[:12]}…" in client.get(path).get_data(as_text=True)


def test_the_feeds_carry_the_witness_head_and_each_closed_votes_record_head(client, network):
    vote = closed_admission_vote(network)
    entry = log()[-1]
    for path in ("/feed.atom?votes=1", "/feed.atom", f"/standards/{network['standard'].slug}/feed.atom"):
        root = ET.fromstring(client.get(path).data)
        witness = [link for link in root.findall(f"{ATOM}link") if link.get("rel") == "related"]
        assert [(w.get("href"), w.get("title")) for w in witness] == [
            ("http://localhost.test/witness.jsonl", f"Witness log head: {entry['hash']}")], path
    root = ET.fromstring(client.get("/feed.atom?votes=1").data)
    closed = next(e for e in root.findall(f"{ATOM}entry") if e.find(f"{ATOM}id").text.endswith(f"vote/{vote.id}/closed"))
    summary = closed.find(f"{ATOM}summary").text
    assert f"Ballot record head: {record_head(vote)}." in summary
    assert f"Witness log entry {entry['seq']}: {entry['hash']}." in summary
    record = next(link for link in closed.findall(f"{ATOM}link") if link.get("rel") == "related")
    assert record.get("href") == f"http://localhost.test/votes/{vote.id}/record.jsonl"


def test_a_feed_read_before_a_vote_ended_is_not_answered_304_after(app, client, network, monkeypatch):
    """The feeds carry the witness head: a reader asking "anything new since?" after a vote ended
    elsewhere (nothing new in this feed's own items) gets the feed with the new head, not a 304."""
    from deliberate.database import unit_of_work

    path = f"/standards/{network['standard'].slug}/feed.atom"
    first = client.get(path)
    since = first.headers["Last-Modified"]
    # The vote ends a few seconds later (Last-Modified counts whole seconds).
    from deliberate.realtime import events

    later = events.utcnow() + timedelta(seconds=5)
    monkeypatch.setattr(events, "utcnow", lambda: later)
    with unit_of_work() as session:  # a vote on another subject ends: only the network's room hears it
        events.record_event(session, "vote_closed", "network", {"vote_id": 998, "record_head": "cd" * 32})
    again = client.get(path, headers={"If-Modified-Since": since})
    assert again.status_code == 200 and log()[-1]["hash"] in again.get_data(as_text=True)
