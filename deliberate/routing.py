"""URL converters every route uses: ``<int:…>`` is bounded to the ids that can exist, and a text
part (``<slug>``, ``<key>``, a version number, a token) never holds a control character.

Werkzeug's own ``int`` converter matches any run of Unicode digits (``\\d``: "١٢" routed to 12)
of any size (``/votes/2147483648`` reached the database and failed there, a 500). Registered under
the name ``int`` for every rule of the app (``deliberate.create_app``), this one matches only ids
written in ASCII digits without leading zeros, from 1 to ``limits.MAX_ID``. The bound is in the
regular expression itself, so a URL with any other number matches no rule at all: a 404 for every
method, the same answer as for an unknown address (a bound checked after matching would leave a
405 where another rule shares the path with other methods).
"""
from __future__ import annotations

from werkzeug.routing import BaseConverter, PathConverter, UnicodeConverter, ValidationError

from .limits import MAX_ID, parse_id


def digits_up_to(limit: int) -> str:
    """A regular expression (no groups) matching exactly the numbers 1..``limit`` written in
    ASCII digits without leading zeros."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    top = str(limit)
    size = len(top)
    options = []
    if size > 1:
        options.append("[1-9]" if size == 2 else f"[1-9][0-9]{{0,{size - 2}}}")
    for index, digit in enumerate(top):
        lowest = 1 if index == 0 else 0
        if int(digit) > lowest:
            below = f"[{lowest}-{int(digit) - 1}]" if int(digit) - 1 > lowest else str(lowest)
            rest = size - index - 1
            options.append(top[:index] + below + (f"[0-9]{{{rest}}}" if rest else ""))
    options.append(top)
    return "(?:" + "|".join(options) + ")"


class IdConverter(BaseConverter):
    """``<int:name>``: a positive 32-bit id written in ASCII digits."""

    regex = digits_up_to(MAX_ID)
    weight = 50
    part_isolating = True

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        if number is None:  # the regex already refuses it; kept so the bound never rests on it alone
            raise ValidationError()
        return number

    def to_url(self, value: object) -> str:
        return str(int(value))  # type: ignore[call-overload]


# C0 and C1 controls and DEL (what limits.clean_text refuses): "%00" in a slug reached the database,
# which PostgreSQL refused (a 500); no slug, key, version number or token holds one.
_NO_CONTROLS = "\\x00-\\x1f\\x7f-\\x9f"


class TextConverter(UnicodeConverter):
    """``<name>`` and ``<string:name>``: Werkzeug's, without control characters."""

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 - Werkzeug's parameter name
        super().__init__(map, *args, **kwargs)
        self.regex = self.regex.replace("[^/]", f"[^/{_NO_CONTROLS}]")


class TextPathConverter(PathConverter):
    """``<path:name>`` (static files): Werkzeug's, without control characters."""

    regex = f"[^/{_NO_CONTROLS}][^{_NO_CONTROLS}]*?"  # Werkzeug: "[^/].*?"


CONVERTERS = {"int": IdConverter, "default": TextConverter, "string": TextConverter, "path": TextPathConverter}

__all__ = ["CONVERTERS", "MAX_ID", "IdConverter", "TextConverter", "TextPathConverter", "digits_up_to"]
