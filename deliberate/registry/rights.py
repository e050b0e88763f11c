"""What the registry holds about a person, for their data export: the declarations they signed for
their co-ops and the questions and answers they wrote. Erasure needs no hook: the references to
the person are foreign keys that erasure clears, and the record names only a pseudonym."""
from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select

from ..extensions import db
from ..members.models import Person
from .models import Declaration, DeclarationQuestion


def export_person(person: Person) -> dict[str, Any]:
    declarations = db.session.scalars(select(Declaration).where(Declaration.declared_by_id == person.id)
                                      .order_by(Declaration.id))
    questions = db.session.scalars(select(DeclarationQuestion).where(or_(
        DeclarationQuestion.asked_by_id == person.id, DeclarationQuestion.answered_by_id == person.id,
        DeclarationQuestion.escalated_by_id == person.id)).order_by(DeclarationQuestion.id))
    return {
        "declarations": [{"id": d.id, "coop": d.coop.slug, "standard_id": d.standard_id, "version": d.version.number,
                          "stance": d.stance, "declared_at": d.declared_at.isoformat()} for d in declarations],
        "questions": [{"id": q.id, "declaration_id": q.declaration_id, "coop": q.coop.slug,
                       "asked": q.asked_by_id == person.id, "answered": q.answered_by_id == person.id,
                       "escalated": q.escalated_by_id == person.id} for q in questions],
    }
