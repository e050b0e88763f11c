"""A vote's room (``vote:{id}``) and its discussion, as ``voting.init_app`` registers them.

The room carries the vote's live events and the comments on it: whoever may join the room may
read the discussion (``discussions.subjects.readable_by_room``). A secret vote's room never sends
the per-ballot events named in :data:`WITHHELD` (docs/live.md, "Secret votes").
"""
from __future__ import annotations

from sqlalchemy import select

from ..discussions.subjects import Subject
from ..extensions import db
from . import permissions
from .models import Vote

# What would tie a co-op to its ballot if a secret vote's room carried it: one event per ballot
# or objection, sent as it is cast.
WITHHELD = ("ballot_cast", "objection_raised", "concern_logged", "objection_resolved")


def can_join(person, ident: int) -> bool:
    """Whoever may read the vote (permissions.can_read: everyone, observers included, since what
    the room sends is public) may follow its room."""
    vote = db.session.get(Vote, ident)
    return vote is not None and permissions.can_read(person, vote)


def is_secret(session, ident: int) -> bool:
    """Whether vote ``ident`` froze a secret rule when it opened (read in the caller's session)."""
    # The rule never changes once the vote is open: the session's copy, if it holds one, will do
    # (a ballot records its event under the vote's lock without reading the row again).
    held = session.identity_map.get(session.identity_key(Vote, ident))
    rule = held.rule if held is not None and "rule" in held.__dict__ else \
        session.execute(select(Vote.rule).where(Vote.id == ident)).scalar()
    return isinstance(rule, dict) and bool(rule.get("secret"))


def discussion_subject(ident: int) -> Subject | None:
    """A thread on a vote: its comments go to the vote's room (and its standard's, if any)."""
    row = db.session.execute(select(Vote.standard_id, Vote.title).where(Vote.id == ident)).first()
    if row is None:
        return None
    return Subject("vote", ident, row.standard_id, f"vote:{ident}", row.title or f"Vote {ident}")
