"""How other packages take part in a person's rights: erasure and data export.

A package that stores something about a person registers its hooks here with :func:`register`,
from its ``init_app`` (called by the app factory): erasure calls every ``ERASURE_HOOKS`` entry inside
the erasure's unit of work; the data export calls every ``EXPORT_HOOKS`` entry and puts what it
returns under its section name. Hooks must not commit.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .models import Person

ErasureHook = Callable[["Person"], None]
ExportHook = Callable[["Person"], Any]

ERASURE_HOOKS: list[ErasureHook] = []
EXPORT_HOOKS: dict[str, ExportHook] = {}


def register(*, erase: Iterable[ErasureHook] = (), export: Mapping[str, ExportHook] | None = None) -> None:
    """Take part in a person's rights: each ``erase`` hook(person) removes what the package holds
    about the person; each ``export`` hook(person) returns JSON-able data, exported under its
    section name. Registering again (a second app built in the same process) changes nothing."""
    for hook in erase:
        if hook not in ERASURE_HOOKS:
            ERASURE_HOOKS.append(hook)
    for section, hook in (export or {}).items():
        EXPORT_HOOKS[section] = hook


# What the erasure in progress asked for -------------------------------------------------------
# Hooks keep their one-argument signature; the few that depend on the person's choices (the
# discussions package: remove or keep their comments) read them here.

@dataclass(frozen=True)
class ErasureRequest:
    """One erasure: whose, by whom ("self" or "steward"), and whether their comments go."""

    person_id: int
    by: str
    remove_comments: bool


_current: ContextVar[ErasureRequest | None] = ContextVar("deliberate_erasure", default=None)


def current_erasure() -> ErasureRequest | None:
    """The erasure being carried out, inside an erasure hook; None elsewhere."""
    return _current.get()


def removes_comments() -> bool:
    """True when the person erased chose to have their comments' words removed."""
    request = _current.get()
    return bool(request and request.remove_comments)


@contextmanager
def erasing(request: ErasureRequest) -> Iterator[ErasureRequest]:
    """Make ``request`` visible to the hooks while they run."""
    token = _current.set(request)
    try:
        yield request
    finally:
        _current.reset(token)
