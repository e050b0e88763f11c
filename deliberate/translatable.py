"""Marking words for translation in modules that must not depend on Flask (pure domain modules, models).

``N_("text")`` returns the text unchanged; ``pybabel extract`` collects it into the catalogue, and the
web layer translates the value when it renders it (``gettext(value)``, or ``i18n.translated(mapping)``).
"""
from __future__ import annotations


def N_(text: str) -> str:  # noqa: N802 - the conventional gettext marker name
    """Return ``text`` unchanged: it is only marked for extraction."""
    return text
