"""The registry: co-ops declare which ratified versions they follow, section by section; member
co-ops question declarations in public; sections become standards by evidence (docs/registry.md).

Pure modules: ``terms`` (policy values), ``rules`` (expiry, evidence links, re-affirmation diff),
``track`` (specification → standard), ``chain`` (the hash-chained record), ``badge`` (the SVG)."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    """The plain words of the registry's codes in every template (``registry_label``), the decision
    kind "declaration_question" of formal objections (objections.py), and the
    registry's part in a person's rights: their declarations, questions and answers are the
    co-op's public acts and stay; a person's export lists those they signed (erasure clears the
    references to them by itself: each page then names "a former delegate of X")."""
    from ..members import rights
    from . import objections
    from .presenting import label
    from .rights import export_person

    rights.register(export={"registry": export_person})
    objections.register()  # questions on declarations can be taken to a formal objection
    app.jinja_env.globals["registry_label"] = label
