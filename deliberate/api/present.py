"""What the API shows of each thing, as plain JSON-able dicts (shapes in schemas.py).

Only what the web pages show: names of authors (never emails), co-ops by slug and name; in a
secret vote only totals, turnout and each co-op's own receipt; hidden comments as the steward's
notice (their words only to stewards and their author); drafts only to their authors.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ..discussions import permissions as discussion_permissions
from ..discussions.models import Comment, Thread
from ..discussions.presenting import author_label, body_html, coop_label, hidden_html
from ..members.models import Cooperative, Person
from ..policies.queries import policy_for
from ..proposals.models import Amendment, AmendmentDraft
from ..proposals.services import current_terms
from ..standards.models import Revision, Section, Standard
from ..versions.models import Version
from ..voting.models import Ballot, Objection, Vote
from ..voting.queries import MyBallot, VotePage
from ..voting.rules import CHOICES, STATUS_QUO


def when(moment: datetime | date | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def coop_ref(coop: Cooperative | None) -> dict[str, str] | None:
    return {"slug": coop.slug, "name": coop.name} if coop is not None else None


def coop(c: Cooperative) -> dict[str, Any]:
    return {"slug": c.slug, "name": c.name, "country": c.country, "kind": c.kind, "status": c.status,
            "description": c.description or "", "website": c.website or "", "member_since": when(c.member_since)}


def person_name(person: Person | None, coop: Cooperative | None = None) -> str:
    """The name the pages show: the person's, or "a former delegate of X" once erased."""
    from ..members.presenting import person_label

    return person_label(person, coop, with_coop=False)


# Standards -----------------------------------------------------------------------------------

def standard_summary(s: Standard, latest: Version | None) -> dict[str, Any]:
    return {"slug": s.slug, "title": s.title, "summary": s.summary or "", "maturity": s.maturity,
            "latest_version": latest.number if latest is not None else None, "created_at": when(s.created_at)}


def section_summary(section: Section) -> dict[str, Any]:
    return {"key": section.key, "position": section.position, "kind": section.kind, "title": section.title,
            "head_revision": section.head.number if section.head is not None else None}


def standard(s: Standard, latest: Version | None, sections: list[Section]) -> dict[str, Any]:
    return {**standard_summary(s, latest), "policy": policy_for(s), "policy_stored": dict(s.policy or {}),
            "sections": [section_summary(x) for x in sections]}


def revision(r: Revision) -> dict[str, Any]:
    return {"id": r.id, "number": r.number, "title": r.title, "body": r.body, "message": r.message,
            "author": person_name(r.author, r.coop), "coop": coop_ref(r.coop),
            "credits": [{"name": person_name(c.person, c.coop), "coop": coop_ref(c.coop)} for c in r.credits],
            "amendment_id": r.amendment_id, "created_at": when(r.created_at)}


def section(standard_slug: str, x: Section) -> dict[str, Any]:
    return {"standard": standard_slug, "key": x.key, "position": x.position, "kind": x.kind, "title": x.title,
            "body": x.body, "retired_at": when(x.retired_at), "head": revision(x.head) if x.head else None}


def version_summary(v: Version) -> dict[str, Any]:
    return {"number": v.number, "attempt": v.attempt, "state": v.state, "level": v.level, "title": v.title,
            "summary": v.summary or "", "content_hash": v.content_hash, "amendment_ids": list(v.amendment_ids or []),
            "vote_id": v.vote_id, "created_at": when(v.created_at), "ratified_at": when(v.ratified_at),
            "failed_at": when(v.failed_at), "decision_note": v.decision_note or ""}


def version(standard_slug: str, v: Version, previous: Version | None) -> dict[str, Any]:
    data = version_summary(v)
    data.pop("level")
    return {"standard": standard_slug, **data, "level": v.level, "level_reasons": list(v.level_reasons or []),
            "previous": previous.number if previous is not None else None,
            "sections": [{"key": s.key, "position": s.position, "kind": s.kind, "title": s.title, "body": s.body,
                          "revision_id": s.revision_id} for s in v.sections]}


# Amendments ----------------------------------------------------------------------------------

def amendment_summary(a: Amendment) -> dict[str, Any]:
    return {"id": a.id, "reference": a.reference, "standard": a.standard.slug,
            "section": a.section.key if a.section is not None else None, "kind": a.kind, "state": a.state,
            "title": a.title, "summary": a.summary, "author": person_name(a.author, a.coop), "coop": coop_ref(a.coop),
            "group_id": a.group_id, "created_at": when(a.created_at), "updated_at": when(a.updated_at),
            "decided_at": when(a.decided_at), **amendment_phase(a)}


def amendment_phase(a: Amendment) -> dict[str, Any]:
    """The amendment's phase (proposals/phases.py) and the timestamps that decide it."""
    from ..proposals import last_call

    seen = last_call.view(a)
    return {"phase": seen.phase, "opened_at": when(a.opened_at), "last_call_at": when(a.last_call_at),
            "last_call_ends_at": when(a.last_call_ends_at), "vote_opened_at": when(a.vote_opened_at)}


def draft(d: AmendmentDraft | None) -> dict[str, Any] | None:
    if d is None:
        return None
    return {"id": d.id, "number": d.number, "base_revision": revision(d.base) if d.base is not None else None,
            "proposed_title": d.proposed_title, "proposed_body": d.proposed_body,
            "target_position": d.target_position, "reason": d.reason, "note": d.note or "",
            "created_at": when(d.created_at), "proposed_policy": d.proposed_policy, "base_policy": d.base_policy}


def amendment(a: Amendment) -> dict[str, Any]:
    data = amendment_summary(a)
    return {**data, "rationale": a.rationale or "",
            "coauthors": [{"name": person_name(c.person, c.coop), "coop": coop_ref(c.coop)} for c in a.coauthors],
            "draft": draft(a.head), "change_kind": a.change_kind, "terms": current_terms(a), **amendment_process(a)}


def amendment_process(a: Amendment) -> dict[str, Any]:
    """When the current phase ends, and from when a last call may start and a vote may open."""
    from ..proposals import last_call

    seen = last_call.view(a)
    return {"phase_ends_at": when(seen.ends_at), "last_call_from": when(seen.last_call_from),
            "vote_from": when(seen.vote_from)}


# Discussions ---------------------------------------------------------------------------------

def thread(t: Thread, count: int) -> dict[str, Any]:
    return {"id": t.id, "subject_kind": t.subject_kind, "subject_id": t.subject_id, "title": t.title,
            "comment_count": count, "created_at": when(t.created_at)}


def comment(c: Comment, person: Person | None) -> dict[str, Any]:
    hidden = c.is_hidden
    visible = not hidden or discussion_permissions.can_see_hidden_body(person, c)
    return {"id": c.id, "thread_id": c.thread_id, "parent_id": c.parent_id, "author": author_label(c),
            "coop": coop_label(c), "body": c.body if visible else None,
            "html": str(hidden_html(c.hidden_reason) if hidden else body_html(c)),
            "quote": c.quote if not hidden else None, "hidden": hidden,
            "hidden_reason": c.hidden_reason if hidden else None, "created_at": when(c.created_at),
            "edited_at": when(c.edited_at)}


# Votes ---------------------------------------------------------------------------------------

def vote_summary(v: Vote, turnout: dict[str, int], standard_slug: str | None) -> dict[str, Any]:
    return {"id": v.id, "title": v.title, "subject_kind": v.subject_kind, "subject_id": v.subject_id,
            "standard": standard_slug, "state": v.state, "method": v.method, "secret": v.secret,
            "opens_at": when(v.opens_at), "closes_at": when(v.closes_at), "closed_at": when(v.closed_at),
            "passed": v.passed if v.state == "closed" else None,
            "turnout": {"voted": turnout["turnout"], "electorate": turnout["electorate"]}}


def ballot(b: Ballot) -> dict[str, Any]:
    return {"coop": coop_ref(b.coop), "choice": b.choice, "ranking": list(b.ranking) if b.ranking is not None else None,
            "note": b.note or "", "cast_by": person_name(b.cast_by, b.coop),
            "cast_at": when(b.cast_at), "updated_at": when(b.updated_at), "entry_hash": b.entry_hash,
            # The co-op that cast it by proxy (docs/proxies.md); null for the co-op's own ballot.
            "proxy_holder": coop_ref(b.proxy_holder) if b.proxy_holder is not None else None}


def your_coop(v: Vote, mine: MyBallot) -> dict[str, Any]:
    """One of the caller's co-ops in the vote: its counted ballot and, for its delegates only, the
    receipt (``receipt_hash``) that ``deliberate verify --receipt`` finds in the published record."""
    return {"coop": coop_ref(mine.member.coop), "can_vote": mine.can_vote,
            "receipt": mine.member.voter if v.secret else None,
            "receipt_hash": mine.receipt_hash,
            "ballot": ballot(mine.ballot) if mine.ballot is not None else None}


def vote(page: VotePage, *, standard_slug: str | None) -> dict[str, Any]:
    v = page.vote
    labels = dict(v.alternatives or [])
    alternatives = ([{"id": ident, "label": label} for ident, label in labels.items()]
                    + [{"id": STATUS_QUO, "label": "The status quo"}]) if v.method == "ranked" else []
    return {**vote_summary(v, page.turnout, standard_slug), "rule": dict(v.rule), "rule_preset": v.rule_preset,
            "terms": dict(v.terms) if v.terms else None,
            "rule_text": page.rule.describe(), "choices": list(CHOICES[v.method]), "alternatives": alternatives,
            "text": v.text, "text_hash": v.text_hash, "electorate": [coop_ref(m.coop) for m in page.electorate],
            "result": dict(v.result) if v.state == "closed" and v.result is not None else None,
            "running_totals": dict(page.outcome.counts) if page.running else None,
            "effect_note": v.effect_note or "", "cancel_reason": v.cancel_reason or "",
            "outcome_statement": v.outcome_statement or "", "review_date": when(v.review_date),
            "second_call_of": v.second_call_of_id, "your_coops": [your_coop(v, mine) for mine in page.my_ballots]}


def objection(o: Objection, named: bool, timed: bool = True) -> dict[str, Any]:
    """``named``: whether the caller may see which co-op it is (voting.permissions.can_see_objection_coop);
    ``timed``: whether its times are shown (not in a secret vote: permissions.can_see_objection_times)."""
    return {"id": o.id, "vote_id": o.vote_id, "kind": o.kind, "coop": coop_ref(o.coop) if named else None,
            "passage": o.passage or "", "argument": o.argument, "paramount": bool(o.paramount), "status": o.status,
            "resolution_note": o.resolution_note or "", "resolved_amendment_id": o.resolved_amendment_id,
            "created_at": when(o.created_at) if timed else None, "resolved_at": when(o.resolved_at) if timed else None}


def me(person: Person, token) -> dict[str, Any]:
    return {"name": person.name, "steward": bool(person.is_steward),
            "coops": [{"slug": c.slug, "name": c.name, "status": c.status} for c in person.coops],
            "token": {"name": token.name, "prefix": token.prefix, "scopes": token.scope_list,
                      "created_at": when(token.created_at), "last_used_at": when(token.last_used_at)}}
