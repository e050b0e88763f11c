"""A composed mail as the bytes an SMTP server receives (pure: the standard library only).

Every mail is ``multipart/alternative``: a plain-text part first, then the HTML part (which mail
programs prefer when they can show it). Notifications carry the one-click unsubscribe headers of
RFC 8058; every mail carries a stable ``Message-ID`` (the same on every retry, so a receiver can
drop a copy sent twice after a crash) and ``Auto-Submitted: auto-generated`` (RFC 3834: no
out-of-office replies).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from urllib.parse import urlsplit

KIND_HEADER = "X-Deliberate-Mail"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


@dataclass(frozen=True)
class Letter:
    """Everything a mail says, before it becomes a message."""

    sender: str                 # "Deliberate <noreply@example.org>"
    to: str                     # one address
    subject: str
    text: str
    html: str
    message_id: str             # "<guid@domain>"
    date: datetime
    language: str = "en"
    kind: str = ""
    unsubscribe_url: str | None = None


def one_line(text: str, limit: int = 200) -> str:
    """A header value: control characters (newlines included) become spaces, at most ``limit`` characters."""
    cleaned = " ".join(_CONTROL.sub(" ", text or "").split())
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1].rstrip() + "…"


def default_sender(public_url: str, name: str = "Deliberate") -> str:
    """``Name <noreply@host of PUBLIC_URL>`` (``localhost`` without one)."""
    host = urlsplit(public_url).hostname if public_url else None
    return str(Address(display_name=name, username="noreply", domain=host or "localhost"))


def sender_domain(sender: str) -> str:
    """The domain of the sender's address: what Message-IDs end with."""
    address = parseaddr(sender)[1]
    return address.rpartition("@")[2] or "localhost"


def message_id(guid: str, sender: str) -> str:
    """The Message-ID of the mail with this guid: ``<guid@sender's domain>``."""
    return f"<{guid}@{sender_domain(sender)}>"


def build(letter: Letter) -> EmailMessage:
    """The message: headers, then the text and HTML alternatives (UTF-8)."""
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = letter.sender
    message["To"] = letter.to
    message["Subject"] = one_line(letter.subject, 250)
    message["Date"] = format_datetime(letter.date)
    message["Message-ID"] = letter.message_id
    message["Auto-Submitted"] = "auto-generated"
    if letter.kind:
        message[KIND_HEADER] = letter.kind
    if letter.unsubscribe_url:
        message["List-Unsubscribe"] = f"<{letter.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(letter.text, charset="utf-8")
    message.add_alternative(letter.html, subtype="html", charset="utf-8")
    message["Content-Language"] = letter.language  # after the parts: setting content drops Content-* headers
    return message
