"""Unsubscribe tokens: a person's id and one kind of mail, signed with the app's secret key.

A token lets whoever holds it turn off that one kind of mail for that one person, and nothing else:
it is the whole authority of the one-click unsubscribe (RFC 8058), which mail programs send without
a session or a CSRF token. It does not expire (an old mail's link keeps working) and reveals
nothing but a person number and a kind, both of which its holder already knows.
"""
from __future__ import annotations

from itsdangerous import BadSignature, URLSafeSerializer

from .kinds import OPTIONAL

SALT = "deliberate.mail.unsubscribe"


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=SALT)


def make(secret: str, person_id: int, kind: str) -> str:
    """The token that turns off ``kind`` for ``person_id``."""
    if kind not in OPTIONAL:
        raise ValueError(f"{kind!r} mails cannot be turned off")
    return _serializer(secret).dumps([int(person_id), kind])


def read(secret: str, token: str) -> tuple[int, str] | None:
    """(person id, kind) from a genuine token; None for anything forged, altered or malformed."""
    try:
        value = _serializer(secret).loads(token or "")
    except BadSignature:
        return None
    if (not isinstance(value, list) or len(value) != 2 or not isinstance(value[0], int) or isinstance(value[0], bool)
            or value[1] not in OPTIONAL):
        return None
    return value[0], value[1]
