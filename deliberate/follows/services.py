"""Follow and unfollow a standard; remember how far a person has read their notifications."""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ..database import unit_of_work, utcnow
from ..errors import PermissionDenied
from ..members.models import Person
from ..realtime.events import Event, record_event
from ..standards.models import Standard
from . import permissions
from .models import Follow, NotificationMarker


def _insert(session: Session):
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def latest_event_id(session: Session) -> int:
    return session.scalar(select(func.max(Event.id))) or 0


def _ensure_marker(session: Session, person_id: int, last_seen: int, now: datetime) -> None:
    """Create the person's marker if they have none (safe when two requests race)."""
    session.execute(_insert(session)(NotificationMarker)
                    .values(person_id=person_id, last_seen_event_id=last_seen, seen_at=now)
                    .on_conflict_do_nothing(index_elements=["person_id"]))


def follow_standard(*, actor: Person, standard: Standard, now: datetime | None = None) -> Follow:
    """Start following ``standard``; following it again changes nothing."""
    if not permissions.can_follow(actor, standard):
        raise PermissionDenied(_("Sign in to follow a standard."))
    now = now or utcnow()
    with unit_of_work() as session:
        since = latest_event_id(session)
        added = session.execute(_insert(session)(Follow)
                                .values(person_id=actor.id, standard_id=standard.id, since_event_id=since,
                                        created_at=now)
                                .on_conflict_do_nothing(index_elements=["person_id", "standard_id"])
                                .returning(Follow.id)).scalar() is not None
        _ensure_marker(session, actor.id, since, now)
        if added:
            # To the person's own room: their other tabs start listening to the standard.
            record_event(session, "standard_followed", f"user:{actor.id}", {"standard_id": standard.id},
                         actor_id=actor.id)
        follow = session.scalars(select(Follow).where(Follow.person_id == actor.id,
                                                      Follow.standard_id == standard.id)).one()
    return follow


def unfollow_standard(*, actor: Person, standard: Standard) -> None:
    """Stop following ``standard`` (nothing happens if the person was not following it)."""
    if not permissions.can_see_notifications(actor):
        raise PermissionDenied(_("Sign in to manage what you follow."))
    with unit_of_work() as session:
        removed = session.execute(delete(Follow).where(Follow.person_id == actor.id,
                                                       Follow.standard_id == standard.id)
                                  .returning(Follow.id)).first() is not None
        if removed:
            record_event(session, "standard_unfollowed", f"user:{actor.id}", {"standard_id": standard.id},
                         actor_id=actor.id)


def mark_seen(*, actor: Person, up_to_event_id: int, now: datetime | None = None) -> NotificationMarker:
    """The person has seen their notifications up to ``up_to_event_id``, at ``now``.

    The marker never moves back: a page opened earlier and reloaded later cannot un-see news.
    """
    if not permissions.can_see_notifications(actor):
        raise PermissionDenied(_("Sign in to see your notifications."))
    now = now or utcnow()
    with unit_of_work() as session:
        _ensure_marker(session, actor.id, 0, now)
        marker = session.scalars(select(NotificationMarker).where(NotificationMarker.person_id == actor.id)
                                 .with_for_update().execution_options(populate_existing=True)).one()
        marker.last_seen_event_id = max(marker.last_seen_event_id, int(up_to_event_id))
        marker.seen_at = max(marker.seen_at, now)
    return marker
