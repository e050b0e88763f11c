"""How declarations, questions and the record read outside the database: the JSON shapes shared by
the feeds and the API, and the plain-word labels of the registry's codes."""
from __future__ import annotations

from typing import Any

from flask import url_for
from flask_babel import lazy_gettext as _l

from ..members.presenting import person_label
from .models import Declaration, DeclarationQuestion
from .queries import DeclarationView

LABELS = {
    "adopts": _l("adopts"), "aspires": _l("aspires to"), "does_not_adopt": _l("does not adopt"),
    "met": _l("met"), "partly": _l("partly met"), "not_met": _l("not met"), "not_applicable": _l("not applicable"),
    "current": _l("in force"), "lapsed": _l("lapsed"), "superseded": _l("superseded"),
    "specification": _l("specification"), "standard": _l("standard"), "at_risk": _l("at risk"),
    "open": _l("waiting for an answer"), "answered": _l("answered"),
    "escalated": _l("taken to the formal objection process"),
}


def label(code: str) -> str:
    """The plain words for a registry code (stance, status, state, maturity)."""
    found = LABELS.get(code)
    return str(found) if found is not None else code


def iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def declaration(view: DeclarationView, external: bool = True) -> dict[str, Any]:
    d: Declaration = view.declaration
    return {
        "id": d.id,
        "url": url_for("registry.show", declaration_id=d.id, _external=external),
        "coop": {"slug": d.coop.slug, "name": d.coop.name},
        "standard": d.standard.slug,
        "version": d.version.number,
        "stance": d.stance,
        "state": view.state,
        "declared_at": iso(d.declared_at),
        "expires_at": iso(view.expires_at),
        "declared_by": person_label(d.declared_by, d.coop),
        "reaffirms": d.reaffirms_id,
        "note": d.note,
        "record_hash": d.entry_hash,
        "sections": [{"key": c.key, "status": c.status, "justification": c.justification,
                      "evidence_url": c.evidence_url or None, "carried": c.carried} for c in d.claims],
    }


def question(q: DeclarationQuestion) -> dict[str, Any]:
    return {
        "id": q.id, "declaration_id": q.declaration_id, "state": q.state,
        "coop": {"slug": q.coop.slug, "name": q.coop.name}, "section": q.section_key, "reasons": q.reasons,
        "asked_by": person_label(q.asked_by, q.coop), "asked_at": iso(q.asked_at),
        "answer": q.answer or None, "answered_at": iso(q.answered_at),
        "answered_by": person_label(q.answered_by, q.declaration.coop) if q.answered_at else None,
        "escalated_at": iso(q.escalated_at), "objection_id": q.objection_id,
    }


def summary_line(view: DeclarationView) -> str:
    """"Kazi Riders adopts Platform Co-op Principles 2.0 (in force)", in plain words."""
    d = view.declaration
    return f"{d.coop.name} {label(d.stance)} {d.standard.title} {d.version.number} ({label(view.state)})"
