"""Reads about policy changes: a policy amendment's change in plain words, and the history of
adopted changes that the policy pages keep (generated from the amendments and their votes)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..proposals.models import Amendment
from ..standards.models import Standard
from ..voting.models import Vote
from ..voting.subjects import TextPart
from . import netrules, queries, rules_text
from .presenting import preset_label


def _full(standard: Standard | None, stored: dict[str, Any] | None) -> dict[str, Any]:
    from ..voting.policy import validate_policy

    if standard is None or standard.role == netrules.ROLE:
        return validate_policy(stored or {})
    return validate_policy(queries.overlay(queries.network_policy_stored(), stored or {}))


def policy_texts(standard: Standard | None, base: dict[str, Any] | None,
                 proposed: dict[str, Any] | None) -> tuple[str, str]:
    """The policy before and after, in the plain words of the Network rules (a standard's policy:
    only its rules for each kind of change and who starts each step), to diff word by word."""
    network = standard is None or standard.role == netrules.ROLE
    return (rules_text.render_text(_full(standard, base), network=network),
            rules_text.render_text(_full(standard, proposed), network=network))


def voted_policy_part(heading: str, amendment: Amendment | None, item: dict[str, Any]) -> TextPart:
    """A vote's frozen policy amendment as people read it: what it changes, as a word diff of the
    policy in plain words (from the frozen JSON, never the amendment's current draft)."""
    from ..proposals.queries import change_view

    standard = amendment.standard if amendment is not None else None
    old, new = policy_texts(standard, item.get("base_policy"), item.get("policy"))
    if standard is None or standard.role == netrules.ROLE:
        note = _("Changes the network’s rules. The exact policy voted on is in the vote’s text (JSON).")
    else:
        note = _("Changes the policy of “%(title)s”. The exact policy voted on is in the vote’s text (JSON).",
                 title=standard.title)
    return TextPart(heading, note, change=change_view("", old, "", new))


@dataclass(frozen=True)
class HistoryEntry:
    amendment: Amendment
    proposer: Any
    vote: Vote | None
    decided_at: datetime | None
    changed: list[str]  # titles of the parts of the rules whose words changed
    rule: str  # the rule the change was decided under


def _changed_parts(standard: Standard, amendment: Amendment) -> list[str]:
    head = amendment.head
    network = standard.role == netrules.ROLE
    before = dict((title, body) for _k, title, body in rules_text.render_sections(_full(standard, head.base_policy)))
    after = rules_text.render_sections(_full(standard, head.proposed_policy))
    parts = [title for _k, title, body in after if before.get(title) != body]
    if not network:
        parts = [p for p in parts if p in dict(rules_text.STANDARD_SECTIONS).values()]
    return parts


def history(standard: Standard) -> list[HistoryEntry]:
    """Adopted policy amendments of ``standard`` (the Network rules standard: the network's),
    newest first: who proposed, the vote that decided, when, and what changed."""
    amendments = list(db.session.scalars(select(Amendment).where(
        Amendment.standard_id == standard.id, Amendment.kind == "policy", Amendment.state == "adopted")
        .order_by(Amendment.decided_at.desc(), Amendment.id.desc())))
    entries = []
    for amendment in amendments:
        vote = db.session.scalar(select(Vote).where(Vote.subject_kind == "amendment", Vote.subject_id == amendment.id,
                                                    Vote.state == "closed").order_by(Vote.id.desc()))
        terms = amendment.terms or {}
        entries.append(HistoryEntry(amendment=amendment, proposer=amendment.author, vote=vote,
                                    decided_at=amendment.decided_at, changed=_changed_parts(standard, amendment),
                                    rule=preset_label(terms["rule"]) if terms.get("rule") else ""))
    return entries


def pending(standard: Standard, person: Any) -> list[Amendment]:
    """Policy amendments of ``standard`` still under way that ``person`` may see."""
    from ..proposals.permissions import can_read

    return [a for a in db.session.scalars(select(Amendment).where(
        Amendment.standard_id == standard.id, Amendment.kind == "policy",
        Amendment.state.in_(("draft", "open", "voting"))).order_by(Amendment.id)) if can_read(person, a)]
