"""The mail settings on the account page, and one-click unsubscribe over HTTP (RFC 8058)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from deliberate.database import utcnow
from deliberate.extensions import db
from deliberate.mail import tokens
from deliberate.mail.models import MailSettings, OutboxMail
from deliberate.mail.queries import choices_of
from deliberate.voting import services as voting


def settings_of(person) -> MailSettings | None:
    db.session.expire_all()
    return db.session.scalar(select(MailSettings).where(MailSettings.person_id == person.id))


def token_for(app, person, kind) -> str:
    return tokens.make(app.config["SECRET_KEY"], person.id, kind)


def test_the_account_page_shows_the_choices_and_saves_them(app, network, login):
    client = login(network["delegate"])
    page = client.get("/account").get_data(as_text=True)
    assert 'id="notifications"' in page and 'action="/account/notifications"' in page
    assert '<input checked id="mail-vote_opened" name="vote_opened" type="checkbox" value="y">' in page
    assert '<input checked id="mail-digest-weekly" name="digest" type="radio" value="weekly">' in page
    response = client.post("/account/notifications", data={"vote_closing": "y", "digest": "daily"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/account#notifications")
    saved = settings_of(network["delegate"])
    assert (saved.vote_opened, saved.vote_closing, saved.vote_closed, saved.digest) == (False, True, False, "daily")
    page = client.get("/account").get_data(as_text=True)
    assert '<input checked id="mail-digest-daily"' in page and '<input id="mail-vote_opened"' in page
    assert "Your mail settings are saved." in page


def test_a_choice_that_does_not_exist_is_refused_and_nothing_changes(app, network, login):
    client = login(network["delegate"])
    response = client.post("/account/notifications", data={"vote_opened": "y", "digest": "hourly"}, follow_redirects=True)
    assert "Choose how often you get the summary." in response.get_data(as_text=True)
    assert settings_of(network["delegate"]) is None


def test_the_settings_need_a_signed_in_person_and_the_csrf_token(app, network, client, login):
    assert "/signin" in client.post("/account/notifications", data={"digest": "off"}).headers["Location"]
    signed_in = login(network["delegate"])
    app.config["WTF_CSRF_ENABLED"] = True
    assert signed_in.post("/account/notifications", data={"digest": "off"}).status_code == 400
    assert settings_of(network["delegate"]) is None


def test_the_unsubscribe_page_changes_nothing_until_its_button_is_pressed(app, network, client):
    token = token_for(app, network["delegate"], "vote_opened")
    page = client.get(f"/mail/unsubscribe/{token}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "When a vote opens for your co-op" in body and f'action="/mail/unsubscribe/{token}"' in body
    assert settings_of(network["delegate"]) is None
    done = client.post(f"/mail/unsubscribe/{token}")
    assert done.status_code == 200 and "You will not get these mails any more" in done.get_data(as_text=True)
    saved = settings_of(network["delegate"])
    assert (saved.vote_opened, saved.vote_closing, saved.vote_closed) == (False, True, True)


def test_one_click_unsubscribe_needs_no_session_and_no_csrf_token(app, network, client):
    """What a mail program sends (RFC 8058): a POST with List-Unsubscribe=One-Click, nothing else."""
    app.config["WTF_CSRF_ENABLED"] = True
    token = token_for(app, network["delegate"], "digest")
    response = client.post(f"/mail/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"},
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert settings_of(network["delegate"]).digest == "off" and choices_of(network["delegate"]).digest == "off"
    # Twice is the same as once.
    assert client.post(f"/mail/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"}).status_code == 200


def test_the_link_in_a_mail_turns_off_that_kind_for_that_person(app, network, steward, make_coop, client, smtp, send):
    voting.open_vote(actor=steward, subject_kind="admission", subject_id=network["applicant"].id,
                     closes_at=utcnow() + timedelta(days=7))
    send()
    [message] = smtp.inbox.messages
    url = message["List-Unsubscribe"].strip("<>")
    assert client.post(url.removeprefix("https://deliberate.example.org")).status_code == 200
    assert settings_of(network["delegate"]).vote_opened is False
    db.session.execute(OutboxMail.__table__.delete())
    db.session.commit()
    voting.open_vote(actor=steward, subject_kind="admission", subject_id=make_coop(status="applicant").id,
                     closes_at=utcnow() + timedelta(days=8))
    assert db.session.scalars(select(OutboxMail)).all() == []


@pytest.mark.parametrize("token", ["not-a-token", "W1sxLCJkaWdlc3QiXV0.forged"])
def test_a_forged_or_broken_link_is_a_clear_404_and_changes_nothing(app, network, client, token):
    for response in (client.get(f"/mail/unsubscribe/{token}"), client.post(f"/mail/unsubscribe/{token}")):
        assert response.status_code == 404 and "not valid" in response.get_data(as_text=True)
    assert db.session.scalars(select(MailSettings)).all() == []


def test_a_link_for_an_erased_person_is_not_valid(app, network, client):
    from deliberate.members import erasure
    from tests.conftest import TEST_PASSWORD

    token = token_for(app, network["delegate"], "vote_closed")
    erasure.erase_self(actor=network["delegate"], password=TEST_PASSWORD, comments="anonymise")
    assert client.post(f"/mail/unsubscribe/{token}").status_code == 404


def test_the_pages_speak_the_readers_language(app, network, client):
    token = token_for(app, network["delegate"], "vote_opened")
    page = client.get(f"/mail/unsubscribe/{token}", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert '<html lang="es">' in page


def test_stewards_see_the_backlog_and_the_failures_without_addresses(app, network, steward, login, smtp, send):
    voting.open_vote(actor=steward, subject_kind="admission", subject_id=network["applicant"].id,
                     closes_at=utcnow() + timedelta(days=7))
    smtp.inbox.mode = "refuse"
    now = utcnow()
    for step in range(3):
        send(now + timedelta(days=step))  # MAIL_MAX_ATTEMPTS = 3: given up at the third refusal
    from deliberate.members import services as members

    members.request_password_reset(email="delegate@example.org")
    client = login(steward)
    assert 'href="/mail/outbox"' in client.get("/account").get_data(as_text=True)
    page = client.get("/mail/outbox").get_data(as_text=True)
    assert "Waiting to be sent</dt><dd>1</dd>" in page and "Given up</dt><dd>1</dd>" in page
    assert "550" in page and "vote_opened" in page
    assert "delegate@example.org" not in page
    delegate = login(network["delegate"], test_client=app.test_client())
    assert delegate.get("/mail/outbox").status_code == 403
    assert 'href="/mail/outbox"' not in delegate.get("/account").get_data(as_text=True)
