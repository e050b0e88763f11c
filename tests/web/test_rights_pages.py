"""The account page's rights: erasing one's account, a steward's erasure on request, the data
download, and how an erased person reads on the pages ("a former delegate of X")."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from deliberate.discussions import services as discussions
from deliberate.extensions import db
from deliberate.members.models import Person
from deliberate.proposals import services as proposals
from deliberate.realtime.events import Event
from deliberate.voting import closing
from deliberate.voting import services as voting
from tests.conftest import TEST_PASSWORD

NAME = "Zephyrine Quillfeather"


@pytest.fixture
def zephyrine(network, make_delegate):
    return make_delegate(coop=network["member"], name=NAME, email="zq@example.org")


@pytest.fixture
def writings(network, zephyrine, make_delegate, make_coop):
    other = make_delegate(coop=make_coop(name="Mesa Data"), name="Otto Other", email="otto@example.org")
    section = network["section"]
    comment = discussions.post_comment(actor=zephyrine, subject_kind="section", subject_id=section.id,
                                       body="Ownership needs *patience*.")
    discussions.post_comment(actor=network["delegate"], subject_kind="section", subject_id=section.id,
                             body="A reply that stays.", parent_id=comment.id)
    amendment = proposals.propose_amendment(actor=zephyrine, standard=network["standard"], kind="modify",
                                            section=section, summary="Say members", proposed_title="Ownership",
                                            proposed_body="Members own it.")
    proposals.open_amendment(actor=zephyrine, amendment=amendment)
    return {"comment": comment, "amendment": amendment, "other": other}


def _section_url(network) -> str:
    return f"/standards/{network['standard'].slug}/s/{network['section'].key}"


def test_the_account_page_offers_every_right(client, zephyrine, login):
    login(zephyrine)
    page = client.get("/account").get_data(as_text=True)
    for link in ("/account/password", "/account/email", "/account/sign-out-everywhere", "/account/export",
                 "/account/erase", "/transparency/"):
        assert link in page, link


def test_the_erase_page_explains_what_happens(client, zephyrine, login):
    login(zephyrine)
    page = client.get("/account/erase").get_data(as_text=True)
    assert "cannot be undone" in page and "a former delegate of" in page
    assert "removed at the author’s request" in page and "Download my data" in page


@pytest.mark.parametrize("data, problem", [
    ({"comments": "anonymise", "password": TEST_PASSWORD}, "understood"),
    ({"comments": "anonymise", "password": "not my password", "understood": "y"}, "not your current password"),
    ({"comments": "shred", "password": TEST_PASSWORD, "understood": "y"}, "comments"),
])
def test_a_refused_erasure_keeps_the_account(client, zephyrine, login, data, problem):
    login(zephyrine)
    response = client.post("/account/erase", data=data)
    assert response.status_code == 422
    assert db.session.get(Person, zephyrine.id).erased_at is None
    assert client.get("/account").status_code == 200


def test_erasing_my_account_with_removed_comments(app, network, zephyrine, writings, login):
    me, elsewhere = app.test_client(), app.test_client()
    login(zephyrine, test_client=me)
    login(zephyrine, test_client=elsewhere)
    response = me.post("/account/erase", data={"comments": "remove", "password": TEST_PASSWORD, "understood": "y"})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert me.get("/account").status_code == 302 and elsewhere.get("/account").status_code == 302
    assert me.post("/signin", data={"email": "zq@example.org", "password": TEST_PASSWORD}).status_code == 422

    page = app.test_client().get(_section_url(network)).get_data(as_text=True)
    assert NAME not in page and "patience" not in page
    assert "Removed at the author&#39;s request." in page or "Removed at the author's request." in page
    assert "a former delegate of Kazi Riders" in page and "A reply that stays." in page
    amendment_page = app.test_client().get(
        f"/standards/{network['standard'].slug}/amendments/{writings['amendment'].id}").get_data(as_text=True)
    assert "a former delegate of Kazi Riders" in amendment_page and NAME not in amendment_page


def test_erasing_my_account_keeping_my_comments(app, network, zephyrine, writings, login):
    client = app.test_client()
    login(zephyrine, test_client=client)
    client.post("/account/erase", data={"comments": "anonymise", "password": TEST_PASSWORD, "understood": "y"})
    page = app.test_client().get(_section_url(network)).get_data(as_text=True)
    assert "patience" in page and NAME not in page and "a former delegate of Kazi Riders" in page


def test_a_steward_erases_on_request(app, network, zephyrine, login):
    steward = app.test_client()
    login(network["steward"], test_client=steward)
    coop_page = steward.get(f"/coops/{network['member'].slug}").get_data(as_text=True)
    assert f"/people/{zephyrine.id}/erase" in coop_page
    page = steward.get(f"/people/{zephyrine.id}/erase").get_data(as_text=True)
    assert NAME in page and "cannot be undone" in page
    missing = steward.post(f"/people/{zephyrine.id}/erase", data={"reason": "request", "comments": "anonymise"})
    assert missing.status_code == 422
    done = steward.post(f"/people/{zephyrine.id}/erase",
                        data={"reason": "request", "comments": "anonymise", "understood": "y"})
    assert done.status_code == 302
    assert db.session.get(Person, zephyrine.id).erased_at is not None
    assert steward.get(f"/people/{zephyrine.id}/erase").status_code == 404
    event = db.session.scalar(select(Event).where(Event.kind == "person_erased"))
    assert event.payload == {"person_id": zephyrine.id, "by": "steward", "reason": "request"}


def test_only_stewards_reach_the_erasure_on_request(app, network, zephyrine, login):
    delegate = app.test_client()
    login(network["delegate"], test_client=delegate)
    assert delegate.get(f"/people/{zephyrine.id}/erase").status_code == 403
    assert delegate.post(f"/people/{zephyrine.id}/erase",
                         data={"reason": "request", "comments": "remove", "understood": "y"}).status_code == 403
    assert f"/people/{zephyrine.id}/erase" not in delegate.get(f"/coops/{network['member'].slug}").get_data(as_text=True)
    assert app.test_client().get(f"/people/{zephyrine.id}/erase").status_code == 302
    assert db.session.get(Person, zephyrine.id).erased_at is None


def test_my_data_downloads_as_a_json_file(client, network, zephyrine, writings, login):
    login(zephyrine)
    response = client.get("/account/export")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="deliberate-my-data-')
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.get_data(as_text=True))
    assert data["profile"]["name"] == NAME and data["profile"]["email"] == "zq@example.org"
    assert [d["coop"] for d in data["delegations"]] == ["Kazi Riders"]
    assert [c["body"] for c in data["comments"]] == ["Ownership needs *patience*."]
    assert [a["summary"] for a in data["amendments"]] == ["Say members"]
    assert "password_hash" not in json.dumps(data) and "$argon2" not in json.dumps(data)
    # Only their own data: not the colleague who replied, nor other people's addresses.
    assert "A reply that stays." not in json.dumps(data) and "otto@example.org" not in json.dumps(data)


def test_a_closed_public_vote_shows_a_former_delegate_as_the_caster(app, network, zephyrine, login):
    t0 = datetime(2031, 3, 2, 9, 0, tzinfo=UTC)
    vote = voting.open_vote(actor=network["steward"], subject_kind="admission", subject_id=network["applicant"].id,
                            rule_preset="simple-majority", closes_at=t0 + timedelta(days=7), now=t0)
    voting.cast_ballot(actor=zephyrine, vote=vote, choice="for", now=t0 + timedelta(hours=1))
    closing.close_vote(actor=voting.SYSTEM, vote=vote, now=t0 + timedelta(days=7))
    steward = app.test_client()
    login(network["steward"], test_client=steward)
    assert NAME in steward.get(f"/votes/{vote.id}").get_data(as_text=True)
    client = app.test_client()
    login(zephyrine, test_client=client)
    client.post("/account/erase", data={"comments": "anonymise", "password": TEST_PASSWORD, "understood": "y"})
    assert NAME not in app.test_client().get(f"/votes/{vote.id}").get_data(as_text=True)
    page = steward.get(f"/votes/{vote.id}").get_data(as_text=True)
    assert NAME not in page and "a former delegate of Kazi Riders" in page
