"""Mail fixtures: a real SMTP server for the whole run, and an app that sends to it."""
from __future__ import annotations

import pytest

from tests.mail.smtp_server import SMTPServer

PUBLIC_URL = "https://deliberate.example.org"


@pytest.fixture(scope="session")
def smtp_server():
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp(smtp_server):
    """The server, running and accepting, with an empty inbox."""
    smtp_server.start()
    smtp_server.inbox.clear()
    yield smtp_server
    smtp_server.start()
    smtp_server.inbox.clear()


@pytest.fixture
def app_config(smtp_server):
    return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp_server.port, "SMTP_SECURITY": "none",
            "SMTP_TIMEOUT_SECONDS": 5, "PUBLIC_URL": PUBLIC_URL, "MAIL_FROM": "Deliberate <noreply@deliberate.example.org>",
            "MAIL_MAX_ATTEMPTS": 3}


@pytest.fixture
def send(app):
    """Send every mail due at ``now`` (the clock if not given), as the mail job does; no digests."""
    from deliberate.mail import sender

    def run(now=None):
        return sender.deliver_due(now)

    return run
