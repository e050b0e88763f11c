"""The outbox (services against the database): which mails are queued, to whom, in the transaction
of their cause; settings respected; secret votes' mails say nothing about who voted what; a person's
rights; the development log and the production hold."""
from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from deliberate.database import unit_of_work, utcnow
from deliberate.extensions import db
from deliberate.mail import compose, sender, services
from deliberate.mail.models import OutboxMail
from deliberate.members import erasure
from deliberate.members import services as members
from deliberate.realtime.events import record_event
from deliberate.voting import closing
from deliberate.voting import services as voting
from tests.conftest import TEST_PASSWORD


def outbox(kind=None) -> list[OutboxMail]:
    query = select(OutboxMail).order_by(OutboxMail.id)
    if kind:
        query = query.where(OutboxMail.kind == kind)
    db.session.expire_all()
    return list(db.session.scalars(query))


def recipients(kind) -> list[int]:
    return sorted(m.person_id for m in outbox(kind))


def open_vote(steward, network, **overrides):
    values = {"actor": steward, "subject_kind": "admission", "subject_id": network["applicant"].id,
              "closes_at": utcnow() + timedelta(days=7)}
    values.update(overrides)
    return voting.open_vote(**values)


def test_a_vote_mails_the_delegates_of_its_electorate_only(network, steward, make_coop, make_delegate):
    other = make_delegate(coop=make_coop(name="Mesa Data"))
    quiet = make_delegate(coop=make_coop(name="Late Co-op", status="applicant"))
    vote = open_vote(steward, network)
    # Kazi Riders' and Mesa Data's delegates; not the suspended co-op's, an applicant's, or the steward.
    assert recipients("vote_opened") == sorted([network["delegate"].id, other.id])
    assert quiet.id not in recipients("vote_opened")
    assert {m.params["vote_id"] for m in outbox("vote_opened")} == {vote.id}
    closing.close_vote(actor=steward, vote=vote)
    assert recipients("vote_closed") == sorted([network["delegate"].id, other.id])


def test_a_person_who_turned_a_kind_off_gets_no_row(network, steward):
    services.save_settings(actor=network["delegate"], vote_opened=False, vote_closing=True, vote_closed=True, digest="weekly")
    vote = open_vote(steward, network)
    assert outbox("vote_opened") == []
    closing.close_vote(actor=steward, vote=vote)
    assert recipients("vote_closed") == [network["delegate"].id]


def test_turned_off_after_queueing_the_mail_is_not_sent(network, steward, send):
    open_vote(steward, network)
    services.save_settings(actor=network["delegate"], vote_opened=False, vote_closing=True, vote_closed=True, digest="off")
    report = send()
    assert (report.sent, report.cancelled) == (0, 1)
    [mail] = outbox()
    assert mail.status == "cancelled" and "turned this kind of mail off" in mail.last_error


def test_no_mail_without_its_cause_a_rollback_takes_it_away(network, steward):
    vote = open_vote(steward, network)
    db.session.execute(OutboxMail.__table__.delete())
    db.session.commit()
    with pytest.raises(RuntimeError), unit_of_work() as session:
        record_event(session, "vote_closed", f"vote:{vote.id}", {"vote_id": vote.id})
        raise RuntimeError("the service failed after recording its event")
    assert outbox() == []
    # A savepoint rolled back (as closing does when a subject refuses its result) takes its mails too.
    with unit_of_work() as session:
        with pytest.raises(RuntimeError), session.begin_nested():
            record_event(session, "vote_closed", f"vote:{vote.id}", {"vote_id": vote.id})
            raise RuntimeError("refused")
        record_event(session, "vote_reminder", f"user:{network['delegate'].id}", {"vote_id": vote.id, "coop_id": network["member"].id})
    assert [m.kind for m in outbox()] == ["vote_closing"]


def test_reminders_mail_each_delegate_once_naming_their_coops_that_have_not_voted(network, steward, make_coop, make_delegate):
    mesa = make_coop(name="Mesa Data")
    voted = make_coop(name="Early Birds")
    both = network["delegate"]
    _invitation, token = members.invite_delegate(actor=steward, coop=mesa)
    members.accept_invitation(token=token, name="", email="", password="", actor=both)  # a delegate of two co-ops
    early = make_delegate(coop=voted)
    now = utcnow()
    vote = open_vote(steward, network, closes_at=now + timedelta(hours=20), now=now)
    voting.cast_ballot(actor=early, vote=vote, choice="for")
    assert closing.send_reminders(now + timedelta(minutes=1)) == 2
    [mail] = outbox("vote_closing")
    assert mail.person_id == both.id and sorted(mail.params["coop_ids"]) == sorted([network["member"].id, mesa.id])
    assert closing.send_reminders(now + timedelta(minutes=2)) == 0 and len(outbox("vote_closing")) == 1
    letter = compose.compose(db.session.get(OutboxMail, mail.id))
    assert "Kazi Riders" in letter.text and "Mesa Data" in letter.text and "Early Birds" not in letter.text
    assert letter.subject == f"Closes within a day: {vote.title}"


def test_a_secret_votes_mails_are_the_same_whatever_each_coop_voted(network, steward, make_coop, make_delegate):
    """The closed mail carries the published result only: two delegates whose co-ops voted
    differently get the same words, but for their names and their own unsubscribe links."""
    mesa = make_coop(name="Mesa Data")
    other = make_delegate(coop=mesa, name="Otto Other")
    vote = open_vote(steward, network, secret=True)
    voting.cast_ballot(actor=network["delegate"], vote=vote, choice="for")
    voting.cast_ballot(actor=other, vote=vote, choice="against")
    closing.close_vote(actor=steward, vote=vote)
    letters = {m.person_id: compose.compose(m) for m in outbox("vote_closed")}
    mine, theirs = letters[network["delegate"].id], letters[other.id]

    def anonymous(letter, name):
        words = (letter.subject + letter.text + letter.html).replace(name, "NAME")
        return re.sub(r"/mail/unsubscribe/[^\s\"<>]+", "/mail/unsubscribe/TOKEN", words)

    assert anonymous(mine, network["delegate"].name) == anonymous(theirs, "Otto Other")
    for letter in (mine, theirs):
        assert "Kazi Riders" not in letter.text and "Mesa Data" not in letter.text
        assert "against" not in letter.text.replace(vote.explanation, "")


def test_an_invitation_with_an_address_is_queued_with_its_link_and_skipped_once_used(network, steward, send, smtp):
    invitation, token = members.invite_delegate(actor=steward, coop=network["member"], email="ana@example.org")
    [mail] = outbox("invitation")
    assert (mail.address, mail.person_id, mail.params["invitation_id"], mail.params["token"]) == \
        ("ana@example.org", None, invitation.id, token)
    members.accept_invitation(token=token, name="Ana", email="ana@example.org", password=TEST_PASSWORD)
    assert send().cancelled == 1 and smtp.inbox.messages == []
    [mail] = outbox("invitation")
    assert mail.status == "cancelled" and "token" not in mail.params


def test_a_password_reset_is_queued_not_logged_when_mail_is_on(network, caplog):
    with caplog.at_level(logging.INFO):
        token = members.request_password_reset(email="delegate@example.org")
    assert token not in caplog.text
    [mail] = outbox("password_reset")
    assert mail.person_id == network["delegate"].id and mail.params["token"] == token
    assert members.request_password_reset(email="nobody@example.org") is None and len(outbox()) == 1


def test_erasure_removes_the_persons_mails_and_those_to_their_address(network, steward):
    delegate = network["delegate"]
    members.invite_delegate(actor=steward, coop=network["member"], email=delegate.email)
    members.request_password_reset(email=delegate.email)
    open_vote(steward, network)
    services.save_settings(actor=delegate, vote_opened=True, vote_closing=False, vote_closed=True, digest="daily")
    assert len(outbox()) == 3
    erasure.erase_self(actor=delegate, password=TEST_PASSWORD, comments="anonymise")
    assert outbox() == []
    from deliberate.mail.models import MailSettings

    assert db.session.scalars(select(MailSettings)).all() == []


def test_the_data_export_holds_the_mail_settings_and_mails_never_tokens(network):
    delegate = network["delegate"]
    members.request_password_reset(email=delegate.email)
    services.save_settings(actor=delegate, vote_opened=False, vote_closing=True, vote_closed=True, digest="daily")
    exported = erasure.export_person(actor=delegate)["mail"]
    assert exported["settings"]["vote_opened"] is False and exported["settings"]["digest"] == "daily"
    assert [m["kind"] for m in exported["mails"]] == ["password_reset"]
    assert "token" not in str(exported)


class TestWithoutSMTP:
    @pytest.fixture
    def app_config(self):
        return {"PUBLIC_URL": "https://deliberate.example.org"}

    def test_outside_production_the_mail_and_its_link_go_to_the_log(self, app, network, caplog):
        token = members.request_password_reset(email="delegate@example.org")
        with caplog.at_level(logging.WARNING, logger="deliberate.mail.sender"):
            report = sender.deliver_due()
        assert report.sent == 1
        assert f"https://deliberate.example.org/reset/{token}" in caplog.text and "delegate@example.org" in caplog.text
        assert outbox()[0].status == "sent"

    def test_in_production_mails_stay_queued_and_the_start_says_why(self, app, network, caplog):
        from dataclasses import replace

        from deliberate.mail import startup_warnings
        from deliberate.mail.queries import pending_count

        production = {**app.config, "ENV_NAME": "production", "SMTP_HOST": "", "PUBLIC_URL": ""}
        warnings = startup_warnings(production)
        assert any("SMTP_HOST is not set" in w for w in warnings) and any("PUBLIC_URL" in w for w in warnings)
        assert startup_warnings({**production, "SMTP_HOST": "smtp.example.org", "PUBLIC_URL": "https://x.org"}) == []
        assert startup_warnings({**production, "ENV_NAME": "development"}) == []
        members.request_password_reset(email="delegate@example.org")
        settings = replace(sender.Settings.from_config(production), production=True)
        assert settings.mode == "hold"
        with caplog.at_level(logging.INFO):
            assert sender.deliver_due(settings=settings).attempted == 0
        assert "reset/" not in caplog.text
        assert [m.status for m in outbox()] == ["pending"] and pending_count() == 1


def test_a_reminder_is_not_sent_once_the_coop_has_voted(network, steward, send, smtp):
    now = utcnow()
    vote = open_vote(steward, network, closes_at=now + timedelta(hours=20), now=now)
    closing.send_reminders(now + timedelta(minutes=1))
    voting.cast_ballot(actor=network["delegate"], vote=vote, choice="for")
    report = send()
    assert report.sent == 1 and report.cancelled == 1  # the "vote opened" mail goes; the reminder does not
    assert [m["X-Deliberate-Mail"] for m in smtp.inbox.messages] == ["vote_opened"]
