"""Adopting amendments into the text, and keeping every other amendment honest about its base.

When a section's head moves, each live amendment on it is checked against the new text with the
three-way overlap check in ``deliberate.text.merge``: changes that do not overlap are rebased
(and the rebase is shown to the authors as a new draft); overlapping ones become ``conflicted``
until a person resolves them. Nothing is ever fuzzily patched into a text that will be ratified.
"""
from __future__ import annotations

import json

from flask_babel import gettext as _
from sqlalchemy import select

from .. import notices
from ..database import unit_of_work, utcnow
from ..errors import Conflict, PermissionDenied
from ..i18n import status_label
from ..members.models import Person
from ..realtime.events import record_event
from ..standards import services as standards
from ..standards.models import Revision, Section
from ..text.merge import three_way
from . import permissions
from .models import Amendment
from .services import (
    _clean_note,
    _locked,
    add_draft,
    publish,
    refuse_if_order_under_vote,
    refuse_if_under_vote,
    reopen_for_changed_base,
    reopen_for_changed_order,
    reopen_for_removed_section,
    transition,
)
from .states import LIVE_STATES


def frozen_text(amendment: Amendment) -> str:
    """The exact proposal a vote is bound to: kind, section, base, title, text and position."""
    head = amendment.head
    section_key = amendment.section.key if amendment.section is not None else None
    data = {"amendment": amendment.id, "kind": amendment.kind, "section": section_key,
            "base_revision": head.base_revision_id, "title": head.proposed_title,
            "body": head.proposed_body, "position": head.target_position}
    if amendment.kind == "policy":  # the exact policy proposed, and the one it replaces
        data.update(policy=head.proposed_policy or {}, base_policy=head.base_policy or {})
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


# Following a moved base ----------------------------------------------------------------------

def follow_base(session, section: Section, new_head: Revision, actor: Person | None,
                skip_id: int | None = None) -> None:
    """Rebase or mark conflicted every amendment on ``section`` made against an older head."""
    amendments = session.scalars(select(Amendment).where(
        Amendment.section_id == section.id, Amendment.state.in_(sorted(LIVE_STATES | {"voting"})),
        Amendment.id != (skip_id or 0)).order_by(Amendment.id))
    for amendment in amendments:
        head = amendment.head
        if head.base_revision_id == new_head.id or amendment.kind == "insert":
            continue
        base = session.get(Revision, head.base_revision_id)
        if amendment.kind == "move":
            _rebase(session, amendment, new_head, head.proposed_title, head.proposed_body, actor)
            continue
        if amendment.kind == "delete":
            _conflict(session, amendment, actor, notices.REMOVAL_OUTDATED())
            continue
        title = _merge_title(base.title, head.proposed_title, new_head.title)
        body = three_way(base.body, head.proposed_body, new_head.body)
        if title is None or body.status == "conflict":
            _conflict(session, amendment, actor, notices.SAME_PLACE())
        elif amendment.state == "conflicted":
            continue  # a person must resolve it against the newest text anyway
        else:
            _rebase(session, amendment, new_head, title, body.text, actor)


def _merge_title(base: str, ours: str, theirs: str) -> str | None:
    if ours == base:
        return theirs
    if theirs == base or theirs == ours:
        return ours
    return None


def _rebase(session, amendment: Amendment, new_head: Revision, title: str, body: str, actor) -> None:
    already_said = title == new_head.title and body == new_head.body
    # Under vote, its vote was bound to the old text: cancelled, and the amendment reopened.
    reopen_for_changed_base(session, amendment, new_head, actor, superseded=already_said)
    if already_said:
        # The adopted change already says what this amendment proposed.
        transition(session, amendment, "supersede", actor, notices.ALREADY_SAID())
        return
    add_draft(session, amendment, base_revision_id=new_head.id, title=title, body=body,
              position=amendment.head.target_position, reason="rebased", actor=None, coop=None,
              note=notices.BROUGHT_UP_TO_DATE(number=new_head.number))
    transition(session, amendment, "rebase", actor, notices.REBASED(number=new_head.number))
    publish(session, amendment, "amendment_rebased", actor, {"base_revision_id": new_head.id})
    _tell_authors(session, amendment, "amendment_rebased", actor)


def _conflict(session, amendment: Amendment, actor, note: str) -> None:
    if amendment.state == "conflicted":
        return
    was_voting = amendment.state == "voting"
    transition(session, amendment, "conflict", actor, note)
    if was_voting:
        for hook in VOTE_CONFLICT_HOOKS:
            hook(session, amendment)
    _tell_authors(session, amendment, "amendment_conflicted", actor)


def _tell_authors(session, amendment: Amendment, kind: str, actor) -> None:
    if amendment.is_private:
        return  # drafts already publish to their authors only
    people = {amendment.author_id, *(c.person_id for c in amendment.coauthors)} - {None}
    for person_id in sorted(people):
        record_event(session, kind, f"user:{person_id}",
                     {"amendment_id": amendment.id, "standard_id": amendment.standard_id},
                     actor_id=actor.id if actor else None)


# Called when an amendment under vote becomes conflicted (the voting module cancels its vote).
VOTE_CONFLICT_HOOKS: list = []


# Adoption ------------------------------------------------------------------------------------

def apply_amendment(session, amendment: Amendment, actor: Person | None, note: str = "") -> Revision | None:
    """Write an open or voted amendment into the standard, inside the caller's transaction."""
    head = amendment.head
    if amendment.state not in ("open", "voting"):
        raise Conflict(_("An amendment that is %(state)s cannot be adopted.", state=status_label(amendment.state)))
    revision = None
    if amendment.kind in ("modify", "retitle"):
        section = _lock_section(session, amendment.section_id)
        if section.head_revision_id != head.base_revision_id:
            raise Conflict(_("The section changed since this amendment was last brought up to date."))
        revision = _new_revision(session, section, amendment, head.proposed_title, head.proposed_body)
    elif amendment.kind == "insert":
        section = _insert_section(session, amendment)
        revision = section.head
    elif amendment.kind == "delete":
        section = _lock_section(session, amendment.section_id)
        if section.head_revision_id != head.base_revision_id:
            raise Conflict(_("The section changed since its removal was proposed."))
        section.retired_at = utcnow()
        _compact(session, section.standard_id)
    elif amendment.kind == "move":
        section = _lock_section(session, amendment.section_id)
        _move(session, section, head.target_position)
    elif amendment.kind == "policy":
        from ..policies.services import apply_policy

        apply_policy(session, amendment)
    amendment.adopted_revision_id = revision.id if revision else None
    transition(session, amendment, "adopt", actor, note)
    if amendment.kind in ("insert", "delete", "move"):
        reopen_for_changed_order(session, amendment, actor)
    _supersede_rivals(session, amendment, actor)
    if amendment.kind in ("modify", "retitle"):
        follow_base(session, section, revision, actor, skip_id=amendment.id)
    elif amendment.kind == "delete":
        for other in session.scalars(select(Amendment).where(Amendment.section_id == section.id,
                                                             Amendment.state.in_(sorted(LIVE_STATES | {"voting"})))):
            reopen_for_removed_section(session, other, amendment, actor)
            transition(session, other, "supersede", actor, notices.SECTION_REMOVED())
    record_event(session, "amendment_adopted", f"standard:{amendment.standard_id}",
                 {"amendment_id": amendment.id, "section_id": amendment.section_id,
                  "revision_id": revision.id if revision else None}, actor_id=actor.id if actor else None)
    return revision


def reject_amendment(session, amendment: Amendment, actor: Person | None, note: str = "") -> None:
    """The vote did not pass: the amendment is rejected and the text stays as it is."""
    transition(session, amendment, "reject", actor, note)


def start_vote(session, amendment: Amendment, actor: Person | None) -> None:
    """The amendment's text is frozen for a vote."""
    if amendment.state != "open":
        raise Conflict(_("Only open amendments can go to a vote; this one is %(state)s.", state=status_label(amendment.state)))
    if amendment.section_id is not None and amendment.kind != "insert":
        # Locked and read afresh: an edit of the section saved while the vote was being opened (its
        # text taken from the amendment as loaded) makes this refuse instead of voting on an old text.
        section = _lock_section(session, amendment.section_id)
        if section.head_revision_id != amendment.head.base_revision_id:
            raise Conflict(_("This amendment is not up to date with the section's text."))
    if amendment.kind == "policy":
        from ..policies.services import check_base

        check_base(session, amendment)
    transition(session, amendment, "start_vote", actor)


def cancel_vote(session, amendment: Amendment, actor: Person | None, note: str = "") -> None:
    if amendment.state == "voting":
        transition(session, amendment, "cancel_vote", actor, note)


def adopt_directly(*, actor: Person, amendment: Amendment, note: str = "") -> Amendment:
    """A steward adopts an open amendment without a vote, where the standard's policy allows it."""
    from .services import current_terms

    allowed = current_terms(amendment)["steward_may_adopt"]
    if not permissions.can_adopt_directly(actor, amendment, allowed):
        raise PermissionDenied(_("This amendment must be decided by a vote of the co-ops."))
    note = _clean_note(note)
    with unit_of_work() as session:
        amendment = _locked(session, amendment.id)
        if amendment.kind in ("modify", "retitle", "delete"):
            _lock_section(session, amendment.section_id)
            refuse_if_under_vote(session, amendment.section_id)
        if amendment.kind in ("insert", "delete", "move"):
            refuse_if_order_under_vote(session, amendment.standard_id, skip_id=amendment.id)
        apply_amendment(session, amendment, actor, note or notices.ADOPTED_BY_STEWARD())
    return amendment


def _supersede_rivals(session, amendment: Amendment, actor) -> None:
    if amendment.group_id is None:
        return
    rivals = session.scalars(select(Amendment).where(Amendment.group_id == amendment.group_id,
                                                     Amendment.id != amendment.id,
                                                     Amendment.state.in_(sorted(LIVE_STATES | {"voting"}))))
    for rival in rivals:
        transition(session, rival, "supersede", actor, notices.ADOPTED_INSTEAD(reference=amendment.reference))


def _lock_section(session, section_id: int) -> Section:
    session.execute(select(Section.id).where(Section.id == section_id).with_for_update())
    return session.get(Section, section_id, populate_existing=True)


def _new_revision(session, section: Section, amendment: Amendment, title: str, body: str) -> Revision:
    head = section.head
    revision = Revision(section_id=section.id, number=head.number + 1, parent_id=head.id, title=title, body=body,
                        message=f"{amendment.reference}: {amendment.title}", author_id=amendment.author_id,
                        coop_id=amendment.coop_id, amendment_id=amendment.id)
    session.add(revision)
    session.flush()
    section.head_revision_id = revision.id
    section.head = revision
    return revision


def _insert_section(session, amendment: Amendment) -> Section:
    head = amendment.head
    active = list(session.scalars(select(Section).where(Section.standard_id == amendment.standard_id,
                                                        Section.retired_at.is_(None)).order_by(Section.position)))
    taken = set(session.scalars(select(Section.key).where(Section.standard_id == amendment.standard_id)))
    position = min(head.target_position or len(active) + 1, len(active) + 1)
    for other in active:
        if other.position >= position:
            other.position += 1
    key = standards.section_key(head.proposed_title, taken)
    section = Section(standard_id=amendment.standard_id, key=key, position=position, kind="principle")
    session.add(section)
    session.flush()
    revision = Revision(section_id=section.id, number=1, parent_id=None, title=head.proposed_title,
                        body=head.proposed_body, message=f"{amendment.reference}: {amendment.title}",
                        author_id=amendment.author_id, coop_id=amendment.coop_id, amendment_id=amendment.id)
    session.add(revision)
    session.flush()
    section.head_revision_id = revision.id
    section.head = revision
    amendment.section_id = section.id
    return section


def _compact(session, standard_id: int) -> None:
    active = session.scalars(select(Section).where(Section.standard_id == standard_id, Section.retired_at.is_(None))
                             .order_by(Section.position))
    for position, section in enumerate(active, start=1):
        section.position = position


def _move(session, section: Section, position: int) -> None:
    active = [s for s in session.scalars(select(Section).where(Section.standard_id == section.standard_id,
                                                                Section.retired_at.is_(None)).order_by(Section.position))
              if s.id != section.id]
    position = max(1, min(position, len(active) + 1))
    active.insert(position - 1, section)
    for index, s in enumerate(active, start=1):
        s.position = index

