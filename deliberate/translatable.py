"""Marking words for translation in modules that must not depend on Flask (pure domain modules, models).

``N_("text")`` returns the text unchanged; ``pybabel extract`` collects it into the catalogue, and the
web layer translates the value when it renders it (``gettext(value)``, or ``i18n.translated(mapping)``).

A sentence with values in it is a :class:`Message`: the English message id, its parameters and, for a
plural, the plural id and the count. ``M_("Rebased onto revision %(number)s.", number=3)`` and
``MN_("%(num)s co-op", "%(num)s co-ops", n)`` make one (both are extraction keywords, see the Makefile).
A pure module returns messages; ``Message.english()`` is the English sentence it always wrote (records,
the API, the command line keep it), and the web layer translates the same message with
``i18n.say(message)`` (gettext or ngettext, with each parameter translated or formatted in turn).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any


def N_(text: str) -> str:  # noqa: N802 - the conventional gettext marker name
    """Return ``text`` unchanged: it is only marked for extraction."""
    return text


@dataclass(frozen=True)
class Message:
    """A sentence to be shown in the reader's language: ``msgid % params`` in English.

    ``plural`` and ``n`` make it a plural message (``ngettext``): ``n`` chooses the form and is given
    to the sentence as ``%(num)s``. A parameter may itself be a :class:`Message` (translated first),
    a :class:`Percent`, a :class:`Code` (a stored code, shown with its label), a :class:`Joined` list,
    an ``int`` (a count, shown with the language's digits), a ``date`` (a day, in the language's words)
    or a ``str`` (shown as it is: names, references, member texts).
    """

    msgid: str
    params: Mapping[str, Any] = field(default_factory=dict)
    plural: str | None = None
    n: int | None = None

    def english(self) -> str:
        """The sentence in English, exactly as the platform has always written it."""
        params = {name: english(value) for name, value in self.params.items()}
        text = self.msgid
        if self.plural is not None:
            params.setdefault("num", str(self.n))
            text = self.msgid if self.n == 1 else self.plural
        # As gettext does: a sentence without parameters is not %-formatted ("50%" stays "50%").
        return text % params if params else text


def M_(msgid: str, **params: Any) -> Message:  # noqa: N802 - an extraction keyword, like N_
    """A sentence with parameters, marked for extraction."""
    return Message(msgid, params)


def MN_(singular: str, plural: str, n: int, **params: Any) -> Message:  # noqa: N802 - an extraction keyword
    """A sentence whose form depends on the count ``n`` (``%(num)s`` in it), marked for extraction."""
    return Message(singular, params, plural, n)


@dataclass(frozen=True)
class Percent:
    """A share shown as a percentage. ``value`` is the share (3/5 shows as "60%"); with ``places`` it is
    rounded to that many decimals ("50.1%"), without them a share that is not a whole percentage is
    shown as the fraction itself ("1/3")."""

    value: Fraction
    places: int | None = None

    def english(self) -> str:
        """"60%", "1/3", "50.1%": the form the explanations and rule texts have always used."""
        hundredths = self.value * 100
        if self.places is None:
            return f"{hundredths.numerator}%" if hundredths.denominator == 1 else str(self.value)
        scale = 10 ** self.places
        text = f"{hundredths.numerator // hundredths.denominator}"
        if self.places:
            text += "." + str(hundredths.numerator * scale // hundredths.denominator % scale).zfill(self.places)
        return text + "%"

    def decimal(self) -> Decimal:
        """The share as an exact decimal (the value is a whole number of the shown decimals)."""
        return Decimal(self.value.numerator) / Decimal(self.value.denominator)


@dataclass(frozen=True)
class Code:
    """A stored code (a state, a kind) inside a sentence: English shows the code, pages its label."""

    value: str

    def english(self) -> str:
        return self.value


@dataclass(frozen=True)
class Joined:
    """Several values shown as one list ("A1, A2, the status quo")."""

    items: tuple[Any, ...]
    separator: str = ", "

    def english(self) -> str:
        return self.separator.join(english(item) for item in self.items)


def english(value: Any) -> str:
    """A message, a parameter or plain text, in English (a day as "6 December 2026")."""
    if isinstance(value, (Message, Percent, Code, Joined)):
        return value.english()
    if isinstance(value, date):
        return f"{value.day} {value:%B %Y}"
    return str(value)


def english_sentences(messages: Iterable[Message], separator: str = " ") -> str:
    """Several messages as one English text (an explanation: sentences joined by spaces)."""
    return separator.join(message.english() for message in messages)
