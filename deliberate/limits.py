"""How long each kind of text may be, and the one cleaner every entry point uses.

Forms use these limits in ``Length`` validators so a person sees the limit next to the field;
services check them again with :func:`clean_text` (the API and sockets do not go through forms)
and raise ``InvalidInput`` with the field's name. docs/security.md lists them.

Where two kinds of text look alike but have different limits (a comment's hiding reason and a
vote's cancelling reason, a standard's summary and an amendment's), each has its own name here so
the difference is visible rather than hidden in a module of its own.
"""
from __future__ import annotations

import re
from collections.abc import Callable

from flask_babel import format_decimal
from flask_babel import gettext as _

from .errors import InvalidInput
from .text.normalise import normalise

# Limits (characters unless said otherwise) ------------------------------------------------------

TITLE = 200             # standards, sections, amendment titles and short names, topics, groups
VOTE_TITLE = 300        # a vote's title (longer: it quotes the amendment or standard it decides)
NAME = 120              # people
COOP_NAME = 160         # co-ops
TOKEN_NAME = 80         # API tokens
SUMMARY = 4_000         # a standard's summary, a version's summary
AMENDMENT_SUMMARY = 600  # "what changes for co-ops": short on purpose, it is read in lists
RATIONALE = 20_000      # an amendment's rationale
SECTION_BODY = 100_000  # a section's text (also a co-edited draft, an amendment's proposed text)
MESSAGE = 500           # revision messages, notes on amendments
REASON = 500            # public reasons on people and co-ops (hiding a comment, suspending)
VOTE_NOTE = 1_000       # a steward's note or reason on a vote (closing, cancelling, resolving)
VERSION_NOTE = 1_000    # why a release candidate is withdrawn; a version's decision note
BALLOT_NOTE = 2_000     # a co-op's mandate on its ballot or objection
PASSAGE = 2_000         # the passage an objection concerns
ARGUMENT = 5_000        # an objection's argument
STATEMENT = 10_000      # a vote's outcome statement
COMMENT_BODY = 10_000
QUOTE = 1_000
WEBHOOK_DESCRIPTION = 200
COOP_DESCRIPTION = 2_000
WEBSITE = 300            # a co-op's website address
EMAIL = 254
PASSWORD = 200
SEARCH_QUERY = 200

# No text field accepts more than this; tests send one more character to every field.
MAX_TEXT = SECTION_BODY

# Whole requests, in bytes: bodies over this are refused with 413 before any view runs, and a
# Socket.IO message over it is dropped by the server (a co-editing sync carries at most one
# section's text and its patches, well under this).
REQUEST_BYTES = 1024 * 1024
SOCKET_MESSAGE_BYTES = 1024 * 1024

# Ids ------------------------------------------------------------------------------------------

# Every id column is a 32-bit INTEGER: an id outside 1..MAX_ID names nothing, and sending it to the
# database fails (PostgreSQL: "integer out of range"; SQLite: over 2**63 the driver overflows).
MAX_ID = 2**31 - 1
_ASCII_DIGITS = re.compile(r"[0-9]{1,10}")


def parse_id(value: object) -> int | None:
    """The id ``value`` names, or None when it names none: an int in 1..MAX_ID (not a bool), or a
    string of ASCII digits only (no sign, space, underscore or other script's digits: Python's
    ``int()`` reads "١٢" and "１２" as 12 and ``str.isdigit`` accepts "²", which ``int()`` refuses)
    whose value is in that range. Callers decide how to refuse (404, a form error, …)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _ASCII_DIGITS.fullmatch(value):
        number = int(value)
    else:
        return None
    return number if 0 < number <= MAX_ID else None

# The cleaner ------------------------------------------------------------------------------------

# C0 and C1 control characters (Unicode category Cc: U+0000-U+001F, U+007F-U+009F) and lone
# surrogates cannot be stored faithfully (PostgreSQL refuses NUL) or shown truthfully (they are
# invisible). Text on several lines keeps its line breaks and tabs (CR only as part of a line
# ending, which normalise() turns into LF); text on one line keeps none of them.
_CONTROL_MULTILINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_SINGLE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# Characters that show nothing: text made only of these (and spaces) is empty for "required".
_INVISIBLE = re.compile(r"[\s\u00ad\u034f\u115f\u1160\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064"
                        r"\u206a-\u206f\u3164\ufeff\uffa0]*")


def clean_text(value: object, field: str, limit: int, *, required: str | None = None,
               multiline: bool = True, too_long: Callable[[int], str] | None = None) -> str:
    """Return ``value`` cleaned for storage, or raise ``InvalidInput`` naming ``field``.

    - anything that is not a string counts as empty;
    - a control character (or a lone surrogate) is refused, never silently dropped: on several
      lines ``\\n``, ``\\t`` and ``\\r`` (as a line ending) are allowed, on one line none is;
    - multiline text is normalised (:func:`deliberate.text.normalise.normalise`) and stripped;
      one-line text is NFC-normalised with its runs of spaces collapsed into one;
    - ``required`` is the message when the text is empty (or shows nothing: zero-width characters
      only); without it empty text is returned as ``""``;
    - longer than ``limit`` characters is refused; ``too_long(length)`` gives the message for the
      whole form when the caller has a more specific one than "Please keep it under …".
    """
    text = value if isinstance(value, str) else ""
    refuse_control_characters(text, field, multiline=multiline)
    text = normalise(text).strip() if multiline else " ".join(normalise(text).split())
    if required and _INVISIBLE.fullmatch(text):
        raise InvalidInput(required, field_errors={field: [_("This field is required.")]})
    if len(text) > limit:
        shown = format_decimal(limit)
        message = too_long(len(text)) if too_long else _("Please keep it under %(limit)s characters.", limit=shown)
        raise InvalidInput(message, field_errors={field: [_("At most %(limit)s characters.", limit=shown)]})
    return text


def refuse_control_characters(text: str, field: str, *, multiline: bool = True) -> None:
    """Raise ``InvalidInput`` naming ``field`` if ``text`` holds a control character (see above).

    :func:`clean_text` calls it; text that must not be normalised yet (a co-edited draft while
    people type) calls it alone."""
    control = has_control_characters(text, multiline=multiline)
    if control:
        code = f"U+{ord(control):04X}"
        raise InvalidInput(_("The text contains an invisible control character (%(code)s) that cannot be saved: "
                             "please remove it and try again.", code=code),
                           field_errors={field: [_("Contains a control character (%(code)s).", code=code)]})


def has_control_characters(text: str, *, multiline: bool = True) -> str | None:
    """The first control character in ``text`` (see :func:`clean_text`), or None. Lookups use it
    to answer "no such thing" instead of sending the character to the database."""
    found = (_CONTROL_MULTILINE if multiline else _CONTROL_SINGLE_LINE).search(text)
    return found.group() if found else None
