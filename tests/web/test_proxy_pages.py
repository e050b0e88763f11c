"""Proxy pages: a co-op's proxies (give, accept, revoke), the holder's ballot forms, and what the
vote page and the API say about ballots cast by proxy."""
from __future__ import annotations

from datetime import timedelta

from deliberate.database import utcnow
from deliberate.proxies import chain
from deliberate.proxies import services as proxies
from deliberate.voting import closing
from deliberate.voting import services as voting
from tests.web.html_check import problems


def _world(steward, make_coop, make_delegate):
    a, b = make_delegate(), make_delegate()
    applicant = make_coop("applicant")
    vote = voting.open_vote(actor=steward, subject_kind="admission", subject_id=applicant.id,
                            closes_at=utcnow() + timedelta(days=7))
    return a, b, vote


def test_give_accept_and_vote_by_proxy_through_the_pages(client, login, steward, make_coop, make_delegate):
    a, b, vote = _world(steward, make_coop, make_delegate)
    coop_a, coop_b = a.coops[0], b.coops[0]
    login(a)
    page = client.get(f"/coops/{coop_a.slug}/proxies")
    assert page.status_code == 200 and "Give your co-op" in page.get_data(as_text=True)
    assert problems(page.get_data(as_text=True)) == []
    ends = (utcnow() + timedelta(days=20)).date().isoformat()
    response = client.post(f"/coops/{coop_a.slug}/proxies", data={"holder": str(coop_b.id), "scope": "network", "ends_on": ends})
    assert response.status_code == 302
    client.post("/signout")
    login(b)
    received = client.get(f"/coops/{coop_b.slug}/proxies").get_data(as_text=True)
    assert "Accept" in received and coop_a.name in received
    proxy_id = chain.loads(client.get("/proxies/record.jsonl").get_data())[0]["ref"]
    assert client.post(f"/proxies/{proxy_id}/accept").status_code == 302
    held = client.get(f"/votes/{vote.id}/proxies").get_data(as_text=True)
    assert f"Vote for {coop_a.name}" in held
    assert problems(held) == []
    assert "Votes your co-op holds" in client.get(f"/votes/{vote.id}").get_data(as_text=True)
    response = client.post(f"/votes/{vote.id}/proxies/{coop_a.slug}",
                           data={"holder": str(coop_b.id), f"c{coop_a.id}-choice": "for"})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    client.post("/signout")
    login(a)
    mine = client.get(f"/votes/{vote.id}").get_data(as_text=True)
    assert f"cast by {coop_b.name} by proxy: For" in mine
    record = chain.loads(client.get("/proxies/record.jsonl").get_data())
    assert [e["kind"] for e in record] == ["given", "accepted"] and chain.verify(record) == []


def test_closed_public_vote_lists_cast_by_proxy_and_the_api_says_so(client, steward, make_coop, make_delegate):
    a, b, vote = _world(steward, make_coop, make_delegate)
    coop_a, coop_b = a.coops[0], b.coops[0]
    proxy = proxies.give_proxy(actor=a, giver=coop_a, holder=coop_b, scope="vote", vote=vote,
                               ends_at=utcnow() + timedelta(days=3))
    proxies.accept_proxy(actor=b, proxy=proxy)
    proxies.cast_by_proxy(actor=b, vote=vote, holder=coop_b, for_coop=coop_a, choice="for")
    closing.close_vote(actor=steward, vote=vote)
    page = client.get(f"/votes/{vote.id}").get_data(as_text=True)
    assert f"(cast by proxy of {coop_b.name} for {coop_a.name})" in page
    ballots = client.get(f"/api/v1/votes/{vote.id}/ballots").get_json()["items"]
    by_coop = {item["coop"]["slug"]: item for item in ballots}
    assert by_coop[coop_a.slug]["proxy_holder"]["slug"] == coop_b.slug
    record = client.get(f"/votes/{vote.id}/record.jsonl").get_data(as_text=True)
    assert f'"proxy":"coop-{coop_b.slug}"' in record
