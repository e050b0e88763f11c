"""The text under vote is frozen, through HTTP, the API and the co-editing socket: the edit is
refused naming the vote, and nothing the person wrote is lost."""
from datetime import timedelta
from html import unescape

import pytest

from deliberate.database import utcnow
from deliberate.extensions import db, socketio
from deliberate.proposals import services
from deliberate.proposals.models import Amendment
from deliberate.realtime.sync import ClientSession
from deliberate.standards import services as standards
from deliberate.voting import closing
from deliberate.voting import services as voting
from deliberate.voting.models import Vote
from tests.conftest import TEST_PASSWORD

NEW_BODY = "Members own the platform together, one member one vote."


@pytest.fixture
def under_vote(network):
    s = network["section"]
    amendment = services.propose_amendment(actor=network["delegate"], standard=network["standard"], kind="modify",
                                           section=s, summary="Say it plainly.", proposed_title=s.title,
                                           proposed_body=s.body + "\n\nAnd run it.")
    amendment = services.open_amendment(actor=network["delegate"], amendment=amendment)
    vote = voting.open_vote(actor=network["steward"], subject_kind="amendment", subject_id=amendment.id,
                            rule_preset="simple-majority", closes_at=utcnow() + timedelta(days=7))
    return amendment, vote


def section_url(network, tail=""):
    return f"/standards/{network['standard'].slug}/s/{network['section'].key}{tail}"


def head_number(network):
    db.session.expire_all()
    return standards.get_standard(network["standard"].slug).sections[0].head.number


@pytest.mark.parametrize("role", ["delegate", "steward"])
def test_the_edit_form_refuses_naming_the_vote_and_keeps_the_text(as_role, network, under_vote, role):
    amendment, vote = under_vote
    client = as_role(role)
    form = {"title": network["section"].title, "body": NEW_BODY, "message": "One vote each.",
            "base_revision_id": str(network["section"].head_revision_id)}
    if role == "delegate":
        form["coop"] = str(network["member"].id)
    page = client.post(section_url(network, "/edit"), data=form)
    text = unescape(page.get_data(as_text=True))
    assert page.status_code == 409
    assert f"vote {vote.id}" in text and amendment.reference in text
    assert NEW_BODY in text  # still in the form
    assert "Someone saved while you were editing" not in text
    assert head_number(network) == 1


def test_the_section_page_says_the_draft_is_frozen_and_offers_no_edit(as_role, network, under_vote):
    amendment, _vote = under_vote
    text = unescape(as_role("delegate").get(section_url(network)).get_data(as_text=True))
    assert "section-under-vote" in text and amendment.reference in text
    assert f"/amendments/{amendment.id}" in text
    assert "Edit the draft" not in text


def test_the_section_page_offers_the_edit_when_no_vote_is_open(as_role, network):
    text = as_role("delegate").get(section_url(network)).get_data(as_text=True)
    assert "Edit the draft" in text and "section-under-vote" not in text


def test_the_rebase_notice_says_what_moved_the_base(as_role, network):
    s = network["section"]
    amendment = services.propose_amendment(actor=network["delegate"], standard=network["standard"], kind="modify",
                                           section=s, summary="Say it plainly.", proposed_title=s.title,
                                           proposed_body=s.body + "\n\nAnd run it.")
    amendment = services.open_amendment(actor=network["delegate"], amendment=amendment)
    standards.revise_section(actor=network["steward"], section=s, title=s.title, body="Preface.\n\n" + s.body,
                             message="A preface.", base_revision_id=s.head_revision_id)
    url = f"/standards/{network['standard'].slug}/amendments/{amendment.id}"
    text = as_role("observer").get(url).get_data(as_text=True)
    assert "brought up to date automatically after the draft was edited" in text
    assert "after another change was adopted" not in text


def test_a_vote_cancelled_by_another_adoption_is_explained_on_the_amendment_page(as_role, network, under_vote,
                                                                               make_delegate):
    amendment, vote = under_vote
    s = standards.get_standard(network["standard"].slug).sections[0]
    other = services.propose_amendment(actor=network["delegate"], standard=network["standard"], kind="modify",
                                       section=s, summary="A preface.", proposed_title=s.title,
                                       proposed_body="Preface.\n\n" + s.body)
    other = services.open_amendment(actor=network["delegate"], amendment=other)
    second = voting.open_vote(actor=network["steward"], subject_kind="amendment", subject_id=other.id,
                              rule_preset="simple-majority", closes_at=utcnow() + timedelta(days=7))
    voting.cast_ballot(actor=network["delegate"], vote=second, choice="for")
    closing.close_vote(actor=network["steward"], vote=db.session.get(Vote, second.id))
    db.session.expire_all()
    assert db.session.get(Amendment, amendment.id).state == "open"
    assert db.session.get(Vote, vote.id).state == "cancelled"
    page = as_role("observer").get(f"/standards/{network['standard'].slug}/amendments/{amendment.id}")
    text = unescape(page.get_data(as_text=True))
    assert "brought up to date automatically after another change was adopted" in text
    assert "Why it was cancelled:" in text and f"{other.reference} was adopted" in text
    assert "The co-ops are voting on this exact text" not in text


def test_the_api_refuses_editing_an_amendment_under_vote(client, network, under_vote):
    from deliberate.api import tokens

    amendment, vote = under_vote
    _token, raw = tokens.create_token(actor=network["delegate"], name="t", scopes=["read", "write"],
                                      password=TEST_PASSWORD)
    response = client.patch(f"/api/v1/standards/{network['standard'].slug}/amendments/{amendment.id}",
                            headers={"Authorization": f"Bearer {raw}"},
                            json={"expected_draft_id": amendment.head_draft_id, "proposed_body": NEW_BODY})
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "conflict" and f"vote {vote.id}" in error["message"]


def test_the_co_editing_socket_save_is_refused_and_the_live_text_kept(app, login, network, under_vote):
    _amendment, vote = under_vote
    http = app.test_client()
    login(network["delegate"], test_client=http)
    sock = socketio.test_client(app, flask_test_client=http)
    try:
        doc = f"section:{network['section'].id}"
        joined = sock.emit("coedit_join", {"doc": doc, "client_id": "client-frozen"}, callback=True)
        assert joined["ok"]
        client = ClientSession.start(joined["text"])
        ack = sock.emit("coedit_sync", {"doc": doc, "client_id": "client-frozen",
                                        "message": client.make_message(NEW_BODY)}, callback=True)
        assert ack["ok"] and client.receive(ack["reply"]) == NEW_BODY
        saved = sock.emit("coedit_save", {"doc": doc, "message": "One vote each."}, callback=True)
        assert saved["ok"] is False and saved["code"] == "conflict" and f"vote {vote.id}" in saved["error"]
        again = sock.emit("coedit_join", {"doc": doc, "client_id": "client-frozen-2"}, callback=True)
        assert again["ok"] and again["text"] == NEW_BODY  # nothing lost
    finally:
        sock.disconnect()
    assert head_number(network) == 1
