"""Co-editing's part in a person's rights: their open editing sessions, erased or exported.

Unsaved typing stays in the shared text; it is credited on save to the person's id, which after
erasure reads "a former delegate of X" (the erased person's row keeps no personal data).
Registered with ``members.rights`` by ``coediting.init_app``.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from ..extensions import db
from ..members.models import Person
from .models import SharedDraft, SyncSession


def erase_sync_sessions(person: Person) -> None:
    """Drop the person's open editing sessions (their tabs' server-side copies of the text)."""
    db.session.execute(delete(SyncSession).where(SyncSession.person_id == person.id))


def export_live_editing(person: Person) -> dict[str, Any]:
    sessions = db.session.scalars(select(SyncSession).where(SyncSession.person_id == person.id)
                                  .order_by(SyncSession.id)).all()
    drafts = {d.id: d for d in db.session.scalars(select(SharedDraft).order_by(SharedDraft.id))}
    return {
        "open_sessions": [{"document": drafts[s.shared_draft_id].doc_key if s.shared_draft_id in drafts else None,
                           "started_at": s.created_at.isoformat(), "last_sync_at": s.updated_at.isoformat()}
                          for s in sessions],
        "unsaved_contributions_to": [d.doc_key for d in drafts.values() if str(person.id) in (d.contributors or {})],
    }
