"""Who may read and take part in discussions. Predicates only: no queries, no side effects.

Reading a thread follows reading its subject (an amendment's draft is private to its authors and
the stewards, so is its thread). Taking part needs a voice in the network: a delegate acting for
a member co-op, or a steward.
"""
from __future__ import annotations

from ..members.permissions import is_steward
from .subjects import Subject, can_read_subject


def _signed_in(person) -> bool:
    return person is not None and getattr(person, "is_authenticated", False)


def can_read(person, subject: Subject) -> bool:
    return can_read_subject(person if _signed_in(person) else None, subject)


def has_voice(person) -> bool:
    """Delegates acting for a member co-op, and stewards."""
    return _signed_in(person) and (is_steward(person) or bool(person.acting_coops))


def can_comment(person, subject: Subject) -> bool:
    return has_voice(person) and can_read(person, subject)


def can_start_thread(person, subject: Subject) -> bool:
    return can_comment(person, subject)


def is_comment_author(person, comment) -> bool:
    return _signed_in(person) and comment.author_id is not None and comment.author_id == person.id


def can_edit_comment(person, comment, subject: Subject) -> bool:
    """Only its author, while they still have a voice; a hidden comment stays as the steward left it."""
    return is_comment_author(person, comment) and not comment.is_hidden and can_comment(person, subject)


def can_moderate(person) -> bool:
    """Stewards hide and unhide comments, always with a public reason for hiding."""
    return is_steward(person)


def can_see_hidden_body(person, comment) -> bool:
    """A hidden comment's words stay visible to the stewards and to its author, no one else."""
    return is_steward(person) or is_comment_author(person, comment)
