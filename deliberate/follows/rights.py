"""The follows' part in a person's rights: what they follow and how far they read, erased or exported.

Registered with ``members.rights`` by ``follows.init_app``.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from ..extensions import db
from ..members.models import Person
from ..realtime.events import Event
from .models import Follow, NotificationMarker


def erase_follows(person: Person) -> None:
    """Forget what the person followed and how far they had read."""
    db.session.execute(delete(Follow).where(Follow.person_id == person.id))
    db.session.execute(delete(NotificationMarker).where(NotificationMarker.person_id == person.id))


def export_follows(person: Person) -> list[dict[str, Any]]:
    follows = db.session.scalars(select(Follow).where(Follow.person_id == person.id).order_by(Follow.id))
    return [{"standard": f.standard.title, "standard_slug": f.standard.slug, "since": f.created_at.isoformat()}
            for f in follows]


def export_notifications(person: Person) -> dict[str, Any]:
    """How far the person read, and the notices addressed to them alone (news of the standards
    they follow is public and is listed by the standards they follow)."""
    marker = db.session.scalar(select(NotificationMarker).where(NotificationMarker.person_id == person.id))
    direct = db.session.scalars(select(Event).where(Event.scope == f"user:{person.id}").order_by(Event.id))
    return {
        "last_seen_event_id": marker.last_seen_event_id if marker else 0,
        "seen_at": marker.seen_at.isoformat() if marker else None,
        "addressed_to_you": [{"id": e.id, "kind": e.kind, "at": e.created_at.isoformat(), **(e.payload or {})}
                             for e in direct],
    }
