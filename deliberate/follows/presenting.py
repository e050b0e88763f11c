"""Notifications in words: one sentence and one link per event, for the page and for tests.

Each kind has a writer; the records a sentence needs (standards, votes, amendments) are loaded
once for the whole list.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..feeds.links import version_number, version_url
from ..i18n import format_datetime, say_notice
from ..proposals.models import Amendment
from ..realtime.events import Event
from ..standards.models import Standard
from ..voting.models import Vote
from .queries import Inbox


@dataclass(frozen=True)
class Notice:
    kind: str
    text: str
    url: str
    at: datetime
    is_new: bool
    standard_title: str = ""


@dataclass
class _Context:
    standards: dict[int, Standard]
    votes: dict[int, Vote]
    amendments: dict[int, Amendment]


def _ids(events: list[Event], key: str) -> set[int]:
    return {v for e in events if isinstance(v := (e.payload or {}).get(key), int) and not isinstance(v, bool)}


def _scope_standard(event: Event) -> int | None:
    kind, _, ident = event.scope.partition(":")
    return int(ident) if kind == "standard" and ident.isdigit() else None


def _load(model, ids: set[int]) -> dict[int, Any]:
    return {o.id: o for o in db.session.scalars(select(model).where(model.id.in_(ids)))} if ids else {}


def _vote_title(event: Event, ctx: _Context) -> str:
    vote = ctx.votes.get(event.payload.get("vote_id"))
    title = vote.title if vote else event.payload.get("title")
    return say_notice(str(title)) if title else _("a vote")


def _vote_url(event: Event, ctx: _Context) -> str:
    return url_for("votes.show", vote_id=event.payload["vote_id"]) if "vote_id" in event.payload else url_for("votes.index")


def _amendment(event: Event, ctx: _Context) -> tuple[str, str]:
    amendment = ctx.amendments.get(event.payload.get("amendment_id"))
    if amendment is None:
        return _("an amendment"), url_for("standards.index")
    return (f"{amendment.reference} “{amendment.title}”",
            url_for("amendments.show", slug=amendment.standard.slug, amendment_id=amendment.id))


def _amendment_opened(event, ctx):
    label, url = _amendment(event, ctx)
    return _("New amendment open for discussion: %(amendment)s", amendment=label), url


def _vote_opened(event, ctx):
    return _("Vote opened: %(title)s", title=_vote_title(event, ctx)), _vote_url(event, ctx)


def _vote_closed(event, ctx):
    if event.payload.get("passed"):
        return _("Vote closed: %(title)s (passed)", title=_vote_title(event, ctx)), _vote_url(event, ctx)
    return _("Vote closed: %(title)s (did not pass)", title=_vote_title(event, ctx)), _vote_url(event, ctx)


def _vote_cancelled(event, ctx):
    return _("Vote cancelled: %(title)s", title=_vote_title(event, ctx)), _vote_url(event, ctx)


def _version_ratified(event, ctx):
    standard = ctx.standards.get(_scope_standard(event) or event.payload.get("standard_id"))
    if standard is None:
        return _("A new version was ratified"), url_for("standards.index")
    number = version_number(event.payload)
    return (_("New version ratified: %(title)s", title=standard.title + (" " + number if number else "")),
            version_url(standard, event.payload))


def _vote_reminder(event, ctx):
    return (_("Your co-op has not voted yet on %(title)s; it closes within a day", title=_vote_title(event, ctx)),
            _vote_url(event, ctx))


def _coauthor_added(event, ctx):
    label, url = _amendment(event, ctx)
    return _("You were added as a co-author of %(amendment)s", amendment=label), url


def _amendment_conflicted(event, ctx):
    label, url = _amendment(event, ctx)
    return _("Your amendment %(amendment)s needs your attention: the text it changes has changed", amendment=label), url


def _amendment_rebased(event, ctx):
    label, url = _amendment(event, ctx)
    return _("Your amendment %(amendment)s was brought up to date because the text it changes changed: "
             "check its new wording", amendment=label), url


def _last_call(event, ctx):
    label, url = _amendment(event, ctx)
    ends = event.payload.get("ends_at")
    try:
        when = format_datetime(datetime.fromisoformat(ends)) if isinstance(ends, str) else ""
    except ValueError:
        when = ""
    if when:
        return _("Last call for %(amendment)s: say what you think before %(when)s", amendment=label, when=when), url
    return _("Last call for %(amendment)s: say what you think now", amendment=label), url


def _council_seat(event, ctx):
    payload = event.payload
    return (_("%(coop)s sits on the council of formal objection %(id)s (%(title)s): read it and decide with the "
              "other co-ops of the council", coop=payload.get("coop_name") or payload.get("coop") or _("Your co-op"),
              id=payload.get("objection_id"), title=say_notice(str(payload.get("title") or ""))),
            url_for("appeals.show", objection_id=payload["objection_id"]))


def _objection_filed_against(event, ctx):
    payload = event.payload
    return (_("%(by)s objects formally to a decision %(coop)s is party to (%(title)s): read the objection; "
              "mediation comes first", by=payload.get("by") or _("A member co-op"),
              coop=payload.get("coop_name") or payload.get("coop") or _("your co-op"),
              title=say_notice(str(payload.get("title") or ""))),
            url_for("appeals.show", objection_id=payload["objection_id"]))


WRITERS: dict[str, Callable[[Event, _Context], tuple[str, str]]] = {
    "council_seat": _council_seat,
    "objection_filed_against": _objection_filed_against,
    "last_call_started": _last_call,
    "last_call_announced": _last_call,
    "amendment_opened": _amendment_opened,
    "vote_opened": _vote_opened,
    "vote_closed": _vote_closed,
    "vote_cancelled": _vote_cancelled,
    "version_ratified": _version_ratified,
    "vote_reminder": _vote_reminder,
    "coauthor_added": _coauthor_added,
    "amendment_conflicted": _amendment_conflicted,
    "amendment_rebased": _amendment_rebased,
}


def notices(box: Inbox) -> list[Notice]:
    """Every notification of ``box`` in words, newest first."""
    events = [e for e in box.events if e.kind in WRITERS]
    standard_ids = (_ids(events, "standard_id") | {i for e in events if (i := _scope_standard(e)) is not None}
                    | {c.vote.standard_id for c in box.closing if c.vote.standard_id})
    ctx = _Context(_load(Standard, standard_ids), _load(Vote, _ids(events, "vote_id")),
                   _load(Amendment, _ids(events, "amendment_id")))
    result = []
    for event in events:
        text, url = WRITERS[event.kind](event, ctx)
        standard = ctx.standards.get(_scope_standard(event) or event.payload.get("standard_id"))
        result.append(Notice(event.kind, text, url, event.created_at, box.is_new(event),
                             standard.title if standard else ""))
    for soon in box.closing:
        result.append(Notice("vote_closing", _("Closes within a day: %(title)s", title=soon.vote.title),
                             url_for("votes.show", vote_id=soon.vote.id), soon.at, soon.is_new,
                             getattr(ctx.standards.get(soon.vote.standard_id), "title", "")))
    return sorted(result, key=lambda n: n.at, reverse=True)
