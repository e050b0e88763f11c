"""What a thread can be about, looked up by ``(kind, id)``: a registry, one entry per kind.

Standards, sections and amendments are registered by ``discussions.init_app`` (with the
``amendment:{id}`` room: readable iff the amendment is). Votes are registered by the voting feature
(``voting.init_app``), so this module never imports the voting code; a subject whose discussion is
in its own room is readable by whoever may join that room (:func:`readable_by_room`).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

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


def readable_by_room(person, subject: Subject) -> bool:
    """For subjects discussed in their own room (a vote's): readable by whoever may join it."""
    return rooms.can_join(person, subject.room)


# Standards and sections ----------------------------------------------------------------------

def load_standard(ident: int) -> Subject | None:
    standard = db.session.get(Standard, ident)
    if standard is None:
        return None
    return Subject("standard", standard.id, standard.id, f"standard:{standard.id}", standard.title, standard)


def load_section(ident: int) -> Subject | None:
    section = db.session.get(Section, ident)
    if section is None:
        return None
    return Subject("section", section.id, section.standard_id, f"standard:{section.standard_id}",
                   f"{section.position}. {section.title}", section)


def standard_readable(person, subject: Subject) -> bool:
    target = subject.target
    return can_read_standard(person, target.standard if isinstance(target, Section) else target)


# Amendments ----------------------------------------------------------------------------------

def load_amendment(ident: int) -> Subject | None:
    amendment = db.session.get(Amendment, ident)
    if amendment is None:
        return None
    return Subject("amendment", amendment.id, amendment.standard_id, f"amendment:{amendment.id}",
                   f"{amendment.reference} · {amendment.title}", amendment)


def amendment_readable(person, subject: Subject) -> bool:
    return proposal_permissions.can_read(person, subject.target)


def amendment_room_reader(person, ident: int) -> bool:
    amendment = db.session.get(Amendment, ident)
    return amendment is not None and proposal_permissions.can_read(person, amendment)
