"""SMTP_SECURITY=starttls (the default) against a real server that requires it (aiosmtpd with a
certificate made by openssl for 127.0.0.1): the session is encrypted before the sign-in, the
server's certificate is checked against the trusted authorities, and a server whose certificate
does not check is an outage (the mail waits), never a password or a mail sent in clear."""
from __future__ import annotations

import shutil
import ssl
import subprocess
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from deliberate.database import utcnow
from deliberate.mail import queries
from deliberate.voting import services as voting
from tests.mail.smtp_server import Inbox, free_port

USERNAME, PASSWORD = "deliberate", "a long mail password"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1 and its key (what a test CA would sign)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("smtp-tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


@pytest.fixture
def tls_server(certificate):
    """A server that refuses MAIL before STARTTLS and AUTH before TLS; it notes every sign-in."""
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    inbox, sign_ins = Inbox(), []

    def authenticator(server, session, envelope, mechanism, auth_data):
        sign_ins.append((auth_data.login, auth_data.password, session.ssl is not None))
        return AuthResult(success=(auth_data.login, auth_data.password) == (USERNAME.encode(), PASSWORD.encode()))

    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), tls_context=context, require_starttls=True,
                            authenticator=authenticator, auth_require_tls=True)
    controller.start()
    yield controller.port, inbox, sign_ins
    controller.stop()


@pytest.fixture
def tls_app(app, tls_server):
    port, _inbox, _sign_ins = tls_server
    app.config.update(SMTP_PORT=port, SMTP_SECURITY="starttls", SMTP_USERNAME=USERNAME, SMTP_PASSWORD=PASSWORD)
    return app


def _queue_a_mail(steward, network) -> None:
    voting.open_vote(actor=steward, subject_kind="admission", subject_id=network["applicant"].id,
                     closes_at=utcnow() + timedelta(days=7))


def test_mail_goes_over_starttls_and_signs_in_after_encrypting(tls_app, tls_server, certificate, network, steward,
                                                               send, monkeypatch):
    _port, inbox, sign_ins = tls_server
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))  # the test's certificate is the one trusted
    _queue_a_mail(steward, network)
    report = send()
    assert report.sent >= 1 and report.outage == ""
    assert len(inbox.messages) == report.sent and queries.pending_count() == 0
    assert sign_ins == [(USERNAME.encode(), PASSWORD.encode(), True)]  # once, and inside TLS


def test_a_certificate_that_does_not_check_is_an_outage_and_nothing_is_sent(tls_app, tls_server, network, steward,
                                                                            send, monkeypatch, tmp_path):
    _port, inbox, sign_ins = tls_server
    empty = tmp_path / "no-authorities.pem"
    empty.write_text("")
    monkeypatch.setenv("SSL_CERT_FILE", str(empty))  # nothing trusted: the server's certificate fails
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path))
    _queue_a_mail(steward, network)
    report = send()
    assert report.sent == 0 and report.retrying >= 1
    assert "certificate" in report.outage.lower()
    assert inbox.messages == [] and sign_ins == []  # the password never left
    assert queries.pending_count() >= 1  # the mail waits for the configuration to be fixed
