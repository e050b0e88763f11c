"""Follow and unfollow buttons, the notifications page, and the count the navigation shows."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..database import utcnow
from ..main.views import is_safe_next
from ..standards.services import get_standard
from . import permissions, presenting, queries, services

bp = Blueprint("follows", __name__)


@dataclass(frozen=True)
class FollowState:
    """What the follow button of a standard shows to the current person."""

    can_follow: bool
    following: bool


def _person():
    return current_user if current_user.is_authenticated else None


def _follows():
    """The current person's follows, read once per request (the button and the badge share them)."""
    if "deliberate_follows" not in g:
        person = _person()
        g.deliberate_follows = queries.follows_of(person) if person is not None else []
    return g.deliberate_follows


def follow_state(standard) -> FollowState:
    person = _person()
    if person is None:
        return FollowState(False, False)
    return FollowState(permissions.can_follow(person, standard),
                       queries.is_following(person, standard.id, _follows()))


def notification_badge() -> queries.Badge | None:
    person = _person()
    if person is None:
        return None
    if "deliberate_badge" not in g:
        g.deliberate_badge = queries.badge(person, utcnow(), follows=_follows())
    return g.deliberate_badge


@bp.before_app_request
def _forget_the_previous_requests_follows():
    # ``g`` outlives a request when an app context was already pushed (tests, CLI): start afresh.
    g.pop("deliberate_follows", None)
    g.pop("deliberate_badge", None)


@bp.app_context_processor
def _template_helpers():
    return {"follow_state": follow_state, "notification_badge": notification_badge,
            "notification_kinds": queries.LIVE_KINDS}


def _back(standard) -> str:
    target = request.form.get("next")
    return target if is_safe_next(target) else url_for("standards.show", slug=standard.slug)


@bp.post("/standards/<slug>/follow")
@login_required
def follow(slug: str):
    standard = get_standard(slug)
    services.follow_standard(actor=current_user, standard=standard)
    flash(_("You are following %(title)s: new amendments, votes and versions will appear in your notifications.", title=standard.title), "success")
    return redirect(_back(standard))


@bp.post("/standards/<slug>/unfollow")
@login_required
def unfollow(slug: str):
    standard = get_standard(slug)
    services.unfollow_standard(actor=current_user, standard=standard)
    flash(_("You no longer follow %(title)s.", title=standard.title), "success")
    return redirect(_back(standard))


@bp.get("/notifications")
@login_required
def notifications():
    now = utcnow()
    box = queries.inbox(current_user, now)
    items = presenting.notices(box)
    # Opening the page is reading it: what is shown now counts as seen from the next visit on.
    services.mark_seen(actor=current_user, up_to_event_id=box.latest_event_id, now=now)
    return render_template("follows/notifications.html", items=items, box=box)


@bp.get("/notifications/count")
@login_required
def count():
    badge = queries.badge(current_user, utcnow())
    response = jsonify({"unread": badge.unread, "rooms": list(badge.rooms),
                        "next_due_at": badge.next_due_at.isoformat() if badge.next_due_at else None})
    response.cache_control.no_store = True
    return response
