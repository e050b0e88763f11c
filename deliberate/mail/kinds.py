"""The kinds of mail, and which of them a person may turn off (pure: no Flask, no database).

Invitations and password resets are sent because someone asked for them: they carry no unsubscribe
link. Every other kind is a notification the person may turn off on their account page or with the
one-click link in each mail.
"""
from __future__ import annotations

from ..translatable import N_

INVITATION = "invitation"
PASSWORD_RESET = "password_reset"
VOTE_OPENED = "vote_opened"
VOTE_CLOSING = "vote_closing"
VOTE_CLOSED = "vote_closed"
DIGEST = "digest"

#: Sent because the reader (or whoever invited them) asked: never turned off.
TRANSACTIONAL = (INVITATION, PASSWORD_RESET)
#: Notifications: each has an on/off setting (the digest: daily, weekly or off).
OPTIONAL = (VOTE_OPENED, VOTE_CLOSING, VOTE_CLOSED, DIGEST)
ALL = TRANSACTIONAL + OPTIONAL

DIGEST_CHOICES = ("daily", "weekly", "off")
DEFAULT_DIGEST = "weekly"

#: What each optional kind is, as the account page and the unsubscribe page name it.
LABELS = {
    VOTE_OPENED: N_("When a vote opens for your co-op"),
    VOTE_CLOSING: N_("When a vote closes within a day and your co-op has not voted yet"),
    VOTE_CLOSED: N_("When a vote your co-op could take part in has closed, with its result"),
    DIGEST: N_("A summary of what needs your co-op's vote, votes closing soon, results, new versions of the standards you "
               "follow, last calls and the councils your co-op sits on"),
}
DIGEST_LABELS = {"daily": N_("Every day"), "weekly": N_("Every week"), "off": N_("Never")}


def is_optional(kind: str) -> bool:
    """True for the kinds a person may turn off (and that carry an unsubscribe link)."""
    return kind in OPTIONAL
