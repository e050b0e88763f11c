"""End to end: mails queued by the services reach a real SMTP server (aiosmtpd, started by the
tests), in the reader's language, with both parts and the headers mail programs rely on; links in
them work; an outage or a 451 delays a mail and never loses it, and it is then sent exactly once;
a 5xx refusal ends failed after MAIL_MAX_ATTEMPTS, visibly."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from deliberate.database import utcnow
from deliberate.extensions import db
from deliberate.mail import queries
from deliberate.mail.models import OutboxMail
from deliberate.members import services as members
from deliberate.voting import services as voting
from tests.mail.conftest import PUBLIC_URL


def _open_vote(steward, network, **overrides):
    values = {"actor": steward, "subject_kind": "admission", "subject_id": network["applicant"].id,
              "closes_at": utcnow() + timedelta(days=7)}
    values.update(overrides)
    return voting.open_vote(**values)


def _links(message) -> list[str]:
    return re.findall(r"https://\S+", message.get_body(("plain",)).get_content())


def test_a_vote_mail_arrives_with_its_headers_and_both_parts(app, network, steward, smtp, send):
    vote = _open_vote(steward, network)
    report = send()
    assert report.sent == 1 and not report.outage
    [message] = smtp.inbox.messages
    assert message["From"] == "Deliberate <noreply@deliberate.example.org>"
    assert message["To"] == "delegate@example.org"
    assert message["Subject"] == f"Vote opened: {vote.title}"
    assert re.fullmatch(r"<[0-9a-f-]{36}@deliberate\.example\.org>", message["Message-ID"])
    assert message["Date"] and message["Auto-Submitted"] == "auto-generated"
    unsubscribe = message["List-Unsubscribe"]
    assert re.fullmatch(rf"<{re.escape(PUBLIC_URL)}/mail/unsubscribe/\S+>", unsubscribe)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.get_content_type() == "multipart/alternative"
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert f"{PUBLIC_URL}/votes/{vote.id}" in text.get_content()
    assert f'href="{PUBLIC_URL}/votes/{vote.id}"' in html.get_content()
    assert "Kazi Riders" in text.get_content()  # the reader's own co-op
    assert "<img" not in html.get_content() and "<script" not in html.get_content()
    # The envelope's sender is MAIL_FROM's address; the mail is marked sent, once.
    assert smtp.inbox.envelopes == [("noreply@deliberate.example.org", ["delegate@example.org"])]
    assert send().attempted == 0 and queries.pending_count() == 0


def test_the_subject_and_text_are_in_the_readers_language(app, network, steward, smtp, send):
    from deliberate.i18n import save_locale

    save_locale(actor=network["delegate"], locale="es")
    vote = _open_vote(steward, network)
    send()
    [message] = smtp.inbox.messages
    assert message["Subject"] == f"Votación abierta: {vote.title}"
    assert message["Content-Language"] == "es"
    assert '<html lang="es">' in message.get_body(("html",)).get_content()


def test_html_escapes_what_people_wrote(app, network, steward, smtp, send):
    _open_vote(steward, network, title='Admit <script>alert("x")</script> & co')
    send()
    [message] = smtp.inbox.messages
    html = message.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'Admit <script>alert("x")</script> & co' in message.get_body(("plain",)).get_content()


def test_a_password_reset_link_from_the_mail_works_exactly_once(app, network, client, smtp, send):
    assert client.post("/forgot", data={"email": "delegate@example.org"}).status_code == 302
    send()
    [message] = smtp.inbox.to("delegate@example.org")
    assert message["Subject"] == "Reset your password" and message["List-Unsubscribe"] is None
    [link] = [u for u in _links(message) if "/reset/" in u]
    path = link.removeprefix(PUBLIC_URL)
    assert client.post(path, data={"password": "a fresh long password"}).status_code == 302
    assert client.post("/signin", data={"email": "delegate@example.org", "password": "a fresh long password"}).status_code == 302
    again = client.post(path, data={"password": "another long password"})
    assert again.status_code == 422 and "not valid any more" in again.get_data(as_text=True)
    # The token left the outbox once the mail was sent.
    row = db.session.scalars(select(OutboxMail).where(OutboxMail.kind == "password_reset")).one()
    assert row.status == "sent" and "token" not in row.params


def test_an_invitation_is_mailed_and_its_link_works(app, network, steward, login, smtp, send):
    client = login(steward)
    response = client.post(f"/coops/{network['member'].slug}/invite", data={"email": "newcomer@example.org"})
    assert "newcomer@example.org" in response.get_data(as_text=True)
    send()
    [message] = smtp.inbox.to("newcomer@example.org")
    assert "Kazi Riders" in message["Subject"] and message["List-Unsubscribe"] is None
    [link] = [u for u in _links(message) if "/join/" in u]
    newcomer = app.test_client()
    joined = newcomer.post(link.removeprefix(PUBLIC_URL), data={"name": "New Comer", "email": "newcomer@example.org",
                                                                "password": "a long enough password"})
    assert joined.status_code == 302
    assert members.find_person_by_email("newcomer@example.org").coops == [network["member"]]


def test_an_invitation_without_an_address_sends_nothing(app, network, steward, smtp, send):
    members.invite_delegate(actor=steward, coop=network["member"])
    assert send().attempted == 0 and smtp.inbox.messages == []


def test_an_outage_delays_the_mail_and_it_is_sent_exactly_once_when_the_server_is_back(app, network, steward, smtp, send):
    vote = _open_vote(steward, network)
    now = utcnow()
    smtp.stop()
    report = send(now)
    assert report.retrying == 1 and report.outage and report.sent == 0
    row = db.session.scalars(select(OutboxMail)).one()
    assert (row.status, row.attempts, row.refusals) == ("pending", 1, 0)
    assert row.next_attempt_at > now and "Could not reach" in row.last_error
    assert queries.pending_count() == 1
    # Still away later: still waiting, each wait longer than the last; never given up.
    waits, tried_at = [], now
    for step in range(2, 9):
        due = row.next_attempt_at
        waits.append(due - tried_at)
        assert send(due).retrying == 1
        tried_at = due
        assert (row.status, row.attempts, row.refusals) == ("pending", step, 0)
    assert all(later > earlier for earlier, later in zip(waits, waits[1:], strict=False))
    smtp.start()
    due = row.next_attempt_at
    assert send(due - timedelta(seconds=1)).attempted == 0  # not due yet
    assert send(due).sent == 1
    assert send(due + timedelta(days=1)).attempted == 0
    assert [m["Subject"] for m in smtp.inbox.messages] == [f"Vote opened: {vote.title}"]
    assert queries.pending_count() == 0


def test_a_451_answer_delays_the_mail_and_it_is_sent_once_later(app, network, steward, smtp, send):
    _open_vote(steward, network)
    smtp.inbox.mode = "defer"
    now = utcnow()
    assert send(now).retrying == 1
    row = db.session.scalars(select(OutboxMail)).one()
    assert "451" in row.last_error and row.refusals == 0
    smtp.inbox.mode = "accept"
    due = row.next_attempt_at
    assert send(due).sent == 1
    assert send(due + timedelta(days=1)).attempted == 0
    assert len(smtp.inbox.messages) == 1


def test_a_permanent_refusal_fails_after_the_allowed_attempts_and_is_counted(app, network, steward, smtp, send, caplog):
    _open_vote(steward, network)
    smtp.inbox.mode = "refuse"
    now = utcnow()
    assert send(now).retrying == 1
    row = db.session.scalars(select(OutboxMail)).one()
    assert send(row.next_attempt_at).retrying == 1
    with caplog.at_level("WARNING", logger="deliberate.mail.sender"):
        assert send(row.next_attempt_at).failed == 1  # MAIL_MAX_ATTEMPTS = 3
    assert (row.status, row.refusals, row.next_attempt_at) == ("failed", 3, None) and "550" in row.last_error
    assert "failed after 3 refusals" in caplog.text
    assert queries.pending_count() == 0 and queries.failed_count() == 1
    assert queries.recent_failures()[0].id == row.id
    assert send(row.finished_at + timedelta(days=1)).attempted == 0 and smtp.inbox.messages == []


@pytest.mark.parametrize("workers", [4])
def test_workers_running_at_once_send_each_mail_once(app, network, steward, make_delegate, smtp, workers):
    """Several worker threads, each with its own session, drain the outbox together."""
    import threading

    from deliberate.mail import sender

    for _ in range(5):
        make_delegate(coop=network["member"])
    _open_vote(steward, network)
    assert queries.pending_count() == 6
    db.session.remove()
    start = threading.Barrier(workers)
    errors = []

    def work():
        try:
            with app.app_context():
                start.wait()
                sender.deliver_due()
                db.session.remove()
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    addresses = sorted(m["To"].addresses[0].addr_spec for m in smtp.inbox.messages)
    assert len(addresses) == 6 and len(set(addresses)) == 6
    assert queries.pending_count() == 0


def test_a_server_without_the_security_asked_for_is_an_outage_not_a_loss(app, network, steward, smtp, send):
    """SMTP_SECURITY=starttls against a server that offers no STARTTLS: nothing is sent in clear,
    the mail waits (a configuration to fix, never a reason to drop mail)."""
    _open_vote(steward, network)
    app.config["SMTP_SECURITY"] = "starttls"
    report = send()
    assert report.retrying == 1 and "STARTTLS" in report.outage
    assert smtp.inbox.messages == [] and queries.pending_count() == 1
    app.config["SMTP_SECURITY"] = "none"
    row = db.session.scalars(select(OutboxMail)).one()
    assert send(row.next_attempt_at).sent == 1 and len(smtp.inbox.messages) == 1
