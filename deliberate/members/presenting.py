"""How a person is named on a page: their name, or "a former delegate of X" once erased.

One function for every template (the ``person_name`` macro calls it) and for the live payloads,
so that an erased person reads the same everywhere: amendments, revisions and credits,
comments, ballots and co-authorship.
"""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _


def is_gone(person: Any) -> bool:
    """True when there is no one to name: the reference was cleared, or the person is erased."""
    return person is None or getattr(person, "erased_at", None) is not None


def former_delegate(coop: Any = None) -> str:
    """"a former delegate of Kazi Riders", or "a former delegate" when the co-op is unknown."""
    if coop is not None and getattr(coop, "name", None):
        return _("a former delegate of %(coop)s", coop=coop.name)
    return _("a former delegate")


def person_label(person: Any, coop: Any = None, *, with_coop: bool = True) -> str:
    """"Ana Pérez (Kazi Riders)" (or just the name), or "a former delegate of Kazi Riders"."""
    if is_gone(person):
        return former_delegate(coop)
    if with_coop and coop is not None:
        return f"{person.name} ({coop.name})"
    return person.name


def byline(person: Any, coop: Any = None, coauthors: Any = ()) -> str:
    """An author and everyone who wrote it with them: "Ana Pérez (Kazi Riders), with Amara Okafor
    (Kazi Riders)". ``coauthors`` have ``person`` and ``coop`` (a revision's credits from live
    co-editing, an amendment's co-authors); anyone erased reads "a former delegate of X"."""
    author = person_label(person, coop)
    others = [person_label(c.person, c.coop) for c in coauthors or ()]
    if not others:
        return author
    return _("%(author)s, with %(others)s", author=author, others=", ".join(others))
