"""The standards' part in a person's data export: the revisions they wrote or co-wrote.

On erasure the revisions stay (they are the standard's history); their author becomes "a former
delegate of X" (members.erasure clears the reference). Registered by
``standards.init_app``.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..extensions import db
from ..members.models import Person
from .models import Revision, RevisionCredit, Section


def export_revisions(person: Person) -> list[dict[str, Any]]:
    """Every revision the person saved, and those credited to them as a co-author."""
    session = db.session
    credited = set(session.scalars(select(RevisionCredit.revision_id).where(RevisionCredit.person_id == person.id)))
    revisions = session.scalars(select(Revision).where((Revision.author_id == person.id) | Revision.id.in_(credited))
                                .order_by(Revision.id)).all()
    sections = {s.id: s for s in session.scalars(select(Section).where(
        Section.id.in_({r.section_id for r in revisions})))} if revisions else {}
    return [{
        "id": r.id,
        "standard_id": sections[r.section_id].standard_id if r.section_id in sections else None,
        "section_key": sections[r.section_id].key if r.section_id in sections else None,
        "number": r.number,
        "role": "author" if r.author_id == person.id else "co-author",
        "coop": r.coop.name if r.coop else None,
        "title": r.title,
        "body": r.body,
        "message": r.message,
        "created_at": r.created_at.isoformat(),
    } for r in revisions]
