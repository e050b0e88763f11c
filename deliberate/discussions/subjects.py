"""What a thread can be about, looked up by ``(kind, id)``: a registry, one entry per kind.

Standards, sections and amendments are registered here. A vote is found generically (through
the ``votes`` table once the voting models are loaded, and readable by whoever may join its
``vote:{id}`` room), so threads on votes work without this module importing the voting code;
the voting feature may register a richer loader with :func:`register_subject`.

This module also registers the ``amendment:{id}`` room: readable iff the amendment is.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from ..errors import NotFound
from ..extensions import db
from ..proposals import permissions as proposal_permissions
from ..proposals.models import Amendment
from ..realtime import rooms
from ..standards.models import Section, Standard
from ..standards.permissions import can_read_standard


@dataclass(frozen=True)
class Subject:
    """A thread's subject, resolved: where its events go and what to call it."""

    kind: str
    id: int
    standard_id: int | None
    room: str
    label: str
    target: Any = None


@dataclass(frozen=True)
class SubjectKind:
    load: Callable[[int], Subject | None]
    can_read: Callable[[Any, Subject], bool]


_KINDS: dict[str, SubjectKind] = {}


def register_subject(kind: str, load: Callable[[int], Subject | None],
                     can_read: Callable[[Any, Subject], bool]) -> None:
    """Declare how subjects of ``kind`` are loaded and who may read (and so discuss) them."""
    _KINDS[kind] = SubjectKind(load, can_read)


def load_subject(kind: str, ident: Any) -> Subject:
    """The subject, or NotFound for an unknown kind or id."""
    entry = _KINDS.get(kind) if isinstance(kind, str) else None
    if entry is None or isinstance(ident, bool) or not isinstance(ident, int) or ident < 1:
        raise NotFound(_("There is nothing to discuss here."))
    subject = entry.load(ident)
    if subject is None:
        raise NotFound(_("There is nothing to discuss here."))
    return subject


def can_read_subject(person, subject: Subject) -> bool:
    return bool(_KINDS[subject.kind].can_read(person, subject))


# Standards and sections ----------------------------------------------------------------------

def _load_standard(ident: int) -> Subject | None:
    standard = db.session.get(Standard, ident)
    if standard is None:
        return None
    return Subject("standard", standard.id, standard.id, f"standard:{standard.id}", standard.title, standard)


def _load_section(ident: int) -> Subject | None:
    section = db.session.get(Section, ident)
    if section is None:
        return None
    return Subject("section", section.id, section.standard_id, f"standard:{section.standard_id}",
                   f"{section.position}. {section.title}", section)


def _standard_readable(person, subject: Subject) -> bool:
    target = subject.target
    return can_read_standard(person, target.standard if isinstance(target, Section) else target)


# Amendments ----------------------------------------------------------------------------------

def _load_amendment(ident: int) -> Subject | None:
    amendment = db.session.get(Amendment, ident)
    if amendment is None:
        return None
    return Subject("amendment", amendment.id, amendment.standard_id, f"amendment:{amendment.id}",
                   f"{amendment.reference} · {amendment.title}", amendment)


def _amendment_readable(person, subject: Subject) -> bool:
    return proposal_permissions.can_read(person, subject.target)


def _amendment_room_reader(person, ident: int) -> bool:
    amendment = db.session.get(Amendment, ident)
    return amendment is not None and proposal_permissions.can_read(person, amendment)


# Votes ---------------------------------------------------------------------------------------

def _load_vote(ident: int) -> Subject | None:
    # The votes table is known only once the voting models are loaded; until then there are
    # no votes to discuss.
    table = db.metadata.tables.get("votes")
    if table is None:
        return None
    columns = [table.c.id] + [table.c[name] for name in ("standard_id", "title") if name in table.c]
    row = db.session.execute(select(*columns).where(table.c.id == ident)).mappings().first()
    if row is None:
        return None
    return Subject("vote", ident, row.get("standard_id"), f"vote:{ident}", row.get("title") or f"Vote {ident}")


def _vote_readable(person, subject: Subject) -> bool:
    return rooms.can_join(person, subject.room)


# What would tie a co-op to its ballot if a secret vote's room carried it: one event per ballot
# or objection, sent as it is cast (docs/live.md, "Secret votes").
VOTE_WITHHELD = ("ballot_cast", "objection_raised", "concern_logged", "objection_resolved")


def _vote_is_secret(session, ident: int) -> bool:
    # Found like the votes themselves (above): read the rule the vote froze when it opened.
    table = db.metadata.tables.get("votes")
    if table is None or "rule" not in table.c:
        return False
    rule = session.execute(select(table.c.rule).where(table.c.id == ident)).scalar()
    return isinstance(rule, dict) and bool(rule.get("secret"))


register_subject("standard", _load_standard, _standard_readable)
register_subject("section", _load_section, _standard_readable)
register_subject("amendment", _load_amendment, _amendment_readable)
register_subject("vote", _load_vote, _vote_readable)
rooms.register_room("amendment", _amendment_room_reader)
# A vote's discussion is in the vote's own room (``vote:{id}``, see _load_vote): one rule covers both.
rooms.register_secret_rooms("vote", _vote_is_secret, withheld=VOTE_WITHHELD)
