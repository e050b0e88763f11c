"""What a vote can decide: a registry of subject handlers, one per kind of subject.

The voting services know nothing about co-ops, amendments or versions. Each feature registers a
:class:`SubjectHandler` for its kind ("admission" here; "amendment" and "group" from proposals;
"version" from the changelog) and the services call it at fixed points:

- ``open_vote``: ``load`` → ``check_can_open`` → ``frozen_text`` / ``alternatives`` /
  ``standard_id`` / ``title`` → vote row created → ``on_open`` (same transaction);
- ``close_vote``: result computed from the record → ``on_close`` with the outcome (same
  transaction, inside a savepoint: if it raises a DomainError the vote still closes with its
  result, and the refusal is written on the vote as its effect note);
- a vote that failed only on quorum and is called a second time: ``on_second_call`` instead of
  ``on_close`` (the subject stays under vote, now under the new vote). The second vote is
  created without ``on_open``: the subject is already under vote, and a hook that moves it to
  "voting" would refuse it;
- ``cancel_vote``: ``on_cancel`` (same transaction).

Hooks receive the service's session and must not commit or open a unit of work of their own.
"""
from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ..errors import InvalidInput, NotFound

_SUBJECT = re.compile(r"^([a-z_]{1,32}):(\d{1,12})$")


@dataclass(frozen=True)
class TextPart:
    """One piece of the text a vote decides, as people read it (the vote page and the form that
    opens a vote show these; the record binds the exact text, shown as it is by default)."""

    heading: str = ""  # what this piece is, e.g. "A7 · No sharing without consent"
    note: str = ""  # what it does, e.g. "Changes the section “Data rights”."
    markdown: str = ""  # words to render with the one Markdown renderer
    change: Any = None  # a word diff against the text it changes (proposals.queries.ChangeView)


class SubjectHandler(ABC):
    """How votes on one kind of subject are opened, described and acted on."""

    #: Registry key, stored on the vote and in its record ("admission", "amendment", …).
    kind: str = ""
    #: What the subject is, in plain words, for headings and lists ("Admission of a co-op").
    label: str = ""

    @abstractmethod
    def load(self, subject_id: int) -> Any:
        """The subject with this id; raise errors.NotFound if there is none."""

    @abstractmethod
    def title(self, subject: Any) -> str:
        """The vote's title, e.g. "Admit Coop Courses as a member" (at most 300 characters)."""

    @abstractmethod
    def frozen_text(self, subject: Any) -> str:
        """The exact text voted on; its SHA-256 goes into the record and binds every ballot."""

    def readable_text(self, text: str) -> list[TextPart]:
        """``text`` (a vote's frozen text, as stored) as people read it. Plain words by default; a
        subject whose frozen text is data (amendments: JSON) shows it as what it changes."""
        return [TextPart(markdown=text)]

    def alternatives(self, subject: Any) -> list[tuple[str, str]] | None:
        """Ranked votes: (id, label) of each alternative, without the status quo (added by the
        rules module). None for yes/no and consent votes."""
        return None

    def standard_id(self, subject: Any) -> int | None:
        """The standard the vote belongs to (its events also go to that standard's room)."""
        return None

    @abstractmethod
    def rule_preset(self, subject: Any) -> str:
        """The default preset name, usually from the standard's policy (see policy.py)."""

    def terms(self, subject: Any) -> dict[str, Any] | None:
        """The policy's terms for deciding this subject (voting.policy.terms_for): copied into the
        vote when it opens, shown as "decided under rule X because this is a change of kind Y".
        None when no policy applies."""
        return None

    def check_can_open(self, subject: Any) -> None:
        """Raise errors.Conflict with a plain reason if the subject cannot be voted on now."""
        return None

    def candidates(self) -> list[Any]:
        """Subjects of this kind that may be waiting for a vote (the stewards' vote form lists those
        that also pass :meth:`check_can_open` and have no open vote)."""
        return []

    def on_open(self, session: Session, subject: Any, vote: Any) -> None:
        """The vote was created (it has an id): e.g. move the subject to its "voting" state."""
        return None

    def on_close(self, session: Session, subject: Any, vote: Any, outcome: Any) -> str | None:
        """The vote closed with ``outcome`` (rules.Outcome; ``outcome.passed``, ``.winner``):
        act on it. May return a short sentence saying what was done, shown on the vote."""
        return None

    def on_second_call(self, session: Session, subject: Any, vote: Any, second: Any) -> None:
        """``vote`` failed only on quorum and ``second`` now decides the same subject."""
        return None

    def on_cancel(self, session: Session, subject: Any, vote: Any) -> None:
        """The vote was cancelled (e.g. because the text must change): undo ``on_open``."""
        return None

    @abstractmethod
    def link(self, subject: Any) -> tuple[str, dict[str, Any]]:
        """(endpoint, values) for url_for, linking the vote page to its subject."""


_HANDLERS: dict[str, SubjectHandler] = {}


def register_subject(handler: SubjectHandler) -> SubjectHandler:
    """Register (or replace) the handler for ``handler.kind``; returns it."""
    if not isinstance(handler, SubjectHandler):
        raise TypeError("register a SubjectHandler instance")
    if not re.fullmatch(r"[a-z_]{1,32}", handler.kind or ""):
        raise ValueError(f"subject kind {handler.kind!r} must be 1-32 lowercase letters or underscores")
    _HANDLERS[handler.kind] = handler
    return handler


def get_handler(kind: str) -> SubjectHandler:
    """The handler for ``kind``; NotFound if nothing registered it."""
    try:
        return _HANDLERS[kind]
    except KeyError:
        raise NotFound(_("Votes on “%(kind)s” are not available.", kind=kind)) from None


def registered_kinds() -> list[str]:
    return sorted(_HANDLERS)


def parse_subject(text: str | None) -> tuple[str, int]:
    """Parse "kind:id" (as in /votes/new?subject=admission:4); InvalidInput if malformed."""
    match = _SUBJECT.match((text or "").strip())
    if not match:
        raise InvalidInput(_("Choose what the vote decides from the list."),
                           field_errors={"subject": [_("Choose what the vote decides from the list.")]})
    return match.group(1), int(match.group(2))
