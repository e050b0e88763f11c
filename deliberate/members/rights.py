"""How other packages take part in a person's rights: erasure and data export.

A package that stores something about a person registers a hook here (at import time), the way
``standards.services.HEAD_MOVED_HOOKS`` works: erasure calls every ``ERASURE_HOOKS`` entry inside the
erasure's unit of work; the data export calls every ``EXPORT_HOOKS`` entry and puts what it returns
under its section name. Hooks must not commit.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .models import Person

ErasureHook = Callable[["Person"], None]
ExportHook = Callable[["Person"], Any]

ERASURE_HOOKS: list[ErasureHook] = []
EXPORT_HOOKS: dict[str, ExportHook] = {}


def on_erasure(hook: ErasureHook) -> ErasureHook:
    """Register ``hook(person)``: remove what this package holds about the person."""
    if hook not in ERASURE_HOOKS:
        ERASURE_HOOKS.append(hook)
    return hook


def exports(section: str) -> Callable[[ExportHook], ExportHook]:
    """Register ``hook(person) -> JSON-able data``, exported under ``section``."""
    def register(hook: ExportHook) -> ExportHook:
        EXPORT_HOOKS[section] = hook
        return hook
    return register
