"""Amendment operations: propose, refine, open, withdraw, co-author, group, resolve a conflict.

Adoption, rejection and following a moved base live in ``adoption.py``; both modules are the
only writers of amendments, and each public function is one unit of work.
"""
from __future__ import annotations

from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import select

from .. import limits, notices
from ..database import unit_of_work, utcnow
from ..errors import Conflict, InvalidInput, NotFound, PermissionDenied
from ..extensions import db
from ..i18n import status_label
from ..members.models import Cooperative, Person
from ..members.services import acting_coop, find_person_by_email
from ..policies import queries as policies
from ..realtime.events import record_event
from ..standards.models import Revision, Section, Standard
from ..standards.services import TextUnderVote, check_text_amendable, clean_body, clean_title
from . import last_call, permissions, queries
from .models import AMENDMENT_KINDS, Amendment, AmendmentDraft, Coauthor, CompetingGroup, Transition
from .states import ACTION_LABELS, InvalidTransition, next_state, resolve_target

MAX_SUMMARY = limits.AMENDMENT_SUMMARY
MAX_RATIONALE = limits.RATIONALE


# Shared helpers (used by adoption.py too) ----------------------------------------------------

def transition(session, amendment: Amendment, action: str, actor: Person | None, note: str = "",
               target: str | None = None) -> Transition:
    """Move ``amendment`` through the state table, record the step, and publish it."""
    try:
        to_state = target or next_state(amendment.state, action)
        if target is None and action == "resolve":
            to_state = resolve_target(amendment.state_before_conflict)
    except InvalidTransition as error:
        raise Conflict(_("An amendment that is %(state)s cannot be %(action)s.", state=status_label(error.state),
                         action=_(ACTION_LABELS.get(error.action, error.action)))) from error
    from_state = amendment.state
    if action == "conflict" and from_state != "conflicted":
        amendment.state_before_conflict = from_state
    amendment.state = to_state
    amendment.updated_at = utcnow()
    if action == "open" and amendment.opened_at is None:
        amendment.opened_at = amendment.updated_at
    if to_state in ("adopted", "rejected", "withdrawn", "superseded"):
        amendment.decided_at = max(utcnow(), amendment.vote_opened_at or amendment.updated_at)
    last_call.on_transition(amendment, action, to_state, amendment.updated_at)
    step = Transition(amendment_id=amendment.id, action=action, from_state=from_state, to_state=to_state,
                      actor_id=actor.id if actor else None, note=(note or "")[:500])
    session.add(step)
    session.flush()
    publish(session, amendment, "amendment_state_changed", actor,
            {"action": action, "from": from_state, "to": to_state})
    return step


def publish(session, amendment: Amendment, kind: str, actor: Person | None, extra: dict | None = None) -> None:
    """Record an event about ``amendment``: to its authors while it is private (never opened: a draft,
    or a draft that became conflicted, was withdrawn or superseded), to the standard after."""
    payload = {"amendment_id": amendment.id, "standard_id": amendment.standard_id,
               "section_id": amendment.section_id, "state": amendment.state, **(extra or {})}
    if amendment.is_private:
        people = {amendment.author_id, *(c.person_id for c in amendment.coauthors)} - {None}
        for person_id in sorted(people):
            record_event(session, kind, f"user:{person_id}", payload, actor_id=actor.id if actor else None)
    else:
        record_event(session, kind, f"standard:{amendment.standard_id}", payload,
                     actor_id=actor.id if actor else None)


def add_draft(session, amendment: Amendment, *, base_revision_id: int | None, title: str, body: str,
              position: int | None, reason: str, actor: Person | None, coop: Cooperative | None,
              note: str = "") -> AmendmentDraft:
    number = (amendment.head.number + 1) if amendment.head else 1
    draft = AmendmentDraft(amendment_id=amendment.id, number=number, base_revision_id=base_revision_id,
                           proposed_title=title, proposed_body=body, target_position=position, reason=reason,
                           note=note[:500], author_id=actor.id if actor else None, coop_id=coop.id if coop else None)
    session.add(draft)
    session.flush()
    amendment.head_draft_id = draft.id
    amendment.head = draft
    amendment.updated_at = utcnow()
    return draft


# The text under vote is frozen ---------------------------------------------------------------

def refuse_if_under_vote(session, section_id: int | None) -> None:
    """A direct change to a section (an edit of its draft, a steward adopting another amendment) is
    refused while an amendment to it is being voted on: the vote is bound to the text it was opened
    on. Called inside the caller's transaction, after the section row is locked."""
    if section_id is None:
        return
    frozen = queries.under_vote(session, section_id)
    if not frozen:
        return
    first = frozen[0]
    if first.vote is None:
        raise TextUnderVote(_("This section cannot be changed while the co-ops are voting on %(reference)s, which "
                              "changes it. Wait until that vote ends, or propose your change as an amendment.",
                              reference=first.amendment.reference))
    raise TextUnderVote(_("This section cannot be changed while the co-ops are voting on a change to it "
                          "(vote %(number)s, %(title)s). Wait until that vote ends, or propose your change as an "
                          "amendment.", number=first.vote.id, title=first.vote.title))


ORDER_KINDS = ("insert", "move")  # amendments whose frozen text names a place in the standard's order


def _order_under_vote(session, standard_id: int, skip_id: int | None = None) -> list[Amendment]:
    return list(session.scalars(select(Amendment).where(
        Amendment.standard_id == standard_id, Amendment.kind.in_(ORDER_KINDS), Amendment.state == "voting",
        Amendment.id != (skip_id or 0)).order_by(Amendment.id)))


def refuse_if_order_under_vote(session, standard_id: int, skip_id: int | None = None) -> None:
    """Adding, removing or moving a section is refused while the co-ops vote on inserting or moving
    one: that vote is bound to a place in the order ("position 3"), which the change would shift."""
    frozen = _order_under_vote(session, standard_id, skip_id)
    if frozen:
        raise TextUnderVote(_("The order of this standard's sections cannot change while the co-ops are voting on "
                              "%(reference)s, which puts a section at a place in it. Wait until that vote ends.",
                              reference=frozen[0].reference))


def reopen_for_changed_order(session, adopted: Amendment, actor: Person | None) -> None:
    """Another vote's result added, removed or moved a section: the votes on inserting or moving one
    elsewhere in the standard are bound to places that have shifted, so they are cancelled (the
    amendments go back to "open", for their authors to check the place and a new vote)."""
    for other in _order_under_vote(session, adopted.standard_id, skip_id=adopted.id):
        _cancel_and_reopen(session, other, notices.ORDER_SHIFTED(adopted=adopted.reference, reference=other.reference),
                           actor)


def refuse_if_amendment_under_vote(session, amendment: Amendment) -> None:
    """An amendment being voted on cannot be changed by anyone: the vote is bound to its text."""
    if amendment.state != "voting":
        return
    vote = next(iter(queries.open_votes_on(session, amendment)), None)
    if vote is None:
        raise TextUnderVote(_("%(reference)s is being voted on: its text cannot change until the vote ends.",
                              reference=amendment.reference))
    raise TextUnderVote(_("%(reference)s cannot be changed while the co-ops are voting on it (vote %(number)s, "
                          "%(title)s). Its text can change again once the vote ends or a steward cancels it.",
                          reference=amendment.reference, number=vote.id, title=vote.title))


def reopen_for_changed_base(session, amendment: Amendment, new_head: Revision, actor: Person | None,
                            superseded: bool = False) -> None:
    """Another vote's result changed the section under ``amendment`` while it was being voted on.

    That change cannot be refused, so the vote on the old text is cancelled (a ``cancelled`` entry
    ends its record, and ``vote_cancelled`` tells everyone in the vote's and the standard's rooms),
    and the amendment goes back to "open", to be brought up to date (or ``superseded``) by the
    caller. Its group's vote too: every amendment of the group goes back to "open" with it.
    """
    if amendment.state != "voting":
        return
    values = {"reference": amendment.reference, "number": new_head.number}
    adopted = session.get(Amendment, new_head.amendment_id) if new_head.amendment_id is not None else None
    if adopted is not None:
        reason = (notices.BASE_CHANGED_SUPERSEDED if superseded else notices.BASE_CHANGED_REBASED)(
            adopted=adopted.reference, **values)
    elif new_head.amendment_id is not None:
        reason = (notices.OTHER_CHANGE_SUPERSEDED if superseded else notices.OTHER_CHANGE_REBASED)(**values)
    else:
        reason = (notices.DRAFT_EDITED_SUPERSEDED if superseded else notices.DRAFT_EDITED_REBASED)(**values)
    _cancel_and_reopen(session, amendment, reason, actor)


def reopen_for_removed_section(session, amendment: Amendment, removed_by: Amendment, actor: Person | None) -> None:
    """Another vote's result removed the section ``amendment`` changes: its vote is cancelled (the
    caller then supersedes it)."""
    if amendment.state == "voting":
        _cancel_and_reopen(session, amendment, notices.SECTION_REMOVED_UNDER(removed_by=removed_by.reference,
                                                                             reference=amendment.reference), actor)


def _cancel_and_reopen(session, amendment: Amendment, reason: str, actor: Person | None) -> None:
    from ..voting.closing import cancel_votes_on_subject

    cancel_votes_on_subject(session, "amendment", amendment.id, reason)
    members = [amendment]
    if amendment.group_id is not None:
        cancel_votes_on_subject(session, "group", amendment.group_id, reason)
        members += list(session.scalars(select(Amendment).where(Amendment.group_id == amendment.group_id,
                                                                Amendment.id != amendment.id,
                                                                Amendment.state == "voting")))
    for member in members:
        transition(session, member, "cancel_vote", actor, reason)


def _clean_summary(summary: str) -> str:
    return limits.clean_text(summary, "summary", MAX_SUMMARY,
                             required=_("Please say in plain words what this changes for co-ops."),
                             too_long=lambda _n: _("Keep the summary under %(MAX_SUMMARY)s characters.", MAX_SUMMARY=MAX_SUMMARY))


def _clean_rationale(rationale: str) -> str:
    return limits.clean_text(rationale, "rationale", MAX_RATIONALE, too_long=lambda _n: _(
        "Keep the rationale under %(MAX_RATIONALE)s characters.", MAX_RATIONALE=format_decimal(MAX_RATIONALE)))


def _clean_name(name: str | None, field: str = "name") -> str:
    """An amendment's short name or a group's title: one line, empty means "make one up"."""
    return limits.clean_text(name, field, limits.TITLE, multiline=False)


def _clean_note(note: str | None) -> str:
    return limits.clean_text(note, "note", limits.MESSAGE, multiline=False)


def _active_sections(session, standard_id: int) -> list[Section]:
    return list(session.scalars(select(Section).where(Section.standard_id == standard_id, Section.retired_at.is_(None))
                                .order_by(Section.position)))


def _check_position(position, count: int, field: str = "target_position") -> int:
    try:
        position = int(position)
    except (TypeError, ValueError):
        raise InvalidInput(_("Choose where the section goes."), field_errors={field: [_("Choose a position.")]}) from None
    if not 1 <= position <= count:
        raise InvalidInput(_("The position must be between 1 and %(count)s.", count=count),
                           field_errors={field: [_("Between 1 and %(count)s.", count=count)]})
    return position


def _proposal(session, standard: Standard, kind: str, section: Section | None, title: str, body: str,
              position, base_revision_id: int | None) -> tuple[str, str, str, int | None, int | None]:
    """Validate a proposal against the current text; returns (kind, title, body, position, base id)."""
    if kind not in AMENDMENT_KINDS:
        raise InvalidInput(_("Choose what kind of change this is."), field_errors={"kind": [_("Unknown kind.")]})
    active = _active_sections(session, standard.id)
    if kind == "insert" and section is None:
        return kind, clean_title(title, "proposed_title"), clean_body(body), _check_position(position, len(active) + 1), None
    # The section an amendment names (for an insertion, where it is proposed) is stored with it:
    # a live section of this standard, never one the client picked elsewhere.
    if section is None or section.standard_id != standard.id:
        raise NotFound(_("Choose the section this amendment changes."))
    if section.retired_at is not None:
        raise Conflict(_("This section has been removed from the standard."))
    if kind == "insert":
        return kind, clean_title(title, "proposed_title"), clean_body(body), _check_position(position, len(active) + 1), None
    head = section.head
    if base_revision_id is not None and base_revision_id != head.id:
        raise Conflict(_("The section changed while you were writing (someone's change was adopted). "
                         "Your text is kept below: look at the new wording and propose again."))
    if kind == "delete":
        return kind, head.title, head.body, None, head.id
    if kind == "move":
        position = _check_position(position, len(active))
        if position == section.position:
            raise InvalidInput(_("The section is already in that place."), field_errors={"target_position": [_("Choose another place.")]})
        return kind, head.title, head.body, position, head.id
    title, body = clean_title(title, "proposed_title"), clean_body(body)
    if title == head.title and body == head.body:
        raise InvalidInput(_("This amendment changes nothing: the text is the same as the current one (differences in spaces or line endings do not count)."),
                           field_errors={"proposed_body": [_("Change the text, or the title.")]})
    kind = "retitle" if body == head.body else "modify"
    return kind, title, body, None, head.id


# Who may (the pages ask before showing a form; the operations below ask again) -------------

def check_can_propose(actor: Person | None) -> None:
    if not permissions.can_propose(actor):
        raise PermissionDenied(_("Only delegates of member co-ops can propose amendments."))


def check_can_edit(actor: Person | None, amendment: Amendment) -> None:
    if not permissions.can_edit(actor, amendment):
        raise PermissionDenied(_("Only the amendment's authors can change it, and only before it goes to a vote."))


def check_can_resolve(actor: Person | None, amendment: Amendment) -> None:
    if not permissions.can_resolve(actor, amendment):
        raise PermissionDenied(_("Only the amendment's authors (or a steward) can resolve its conflict."))


def check_can_group(actor: Person | None) -> None:
    if not permissions.can_group(actor):
        raise PermissionDenied(_("Only stewards can group competing amendments."))


# Public operations ---------------------------------------------------------------------------

def propose_amendment(*, actor: Person, standard: Standard, kind: str, section: Section | None = None,
                      summary: str, rationale: str = "", proposed_title: str = "", proposed_body: str = "",
                      target_position: int | None = None, base_revision_id: int | None = None,
                      name: str = "", coop: Cooperative | None = None, change_kind: str | None = None) -> Amendment:
    """Start a draft amendment against the section's current revision (its base).

    ``change_kind`` is the kind of change for the policy: the section's kind by default, or
    "editorial" when the authors say it only fixes wording (its own, lighter terms).
    """
    check_can_propose(actor)
    coop = acting_coop(actor, coop)
    summary, rationale, name = _clean_summary(summary), _clean_rationale(rationale), _clean_name(name)
    with unit_of_work() as session:
        standard = session.get(Standard, standard.id)
        check_text_amendable(standard)  # the Network rules change through their policy
        section = session.get(Section, section.id) if section is not None else None
        kind, title, body, position, base_id = _proposal(session, standard, kind, section, proposed_title,
                                                        proposed_body, target_position, base_revision_id)
        label = name or _default_name(kind, section, title)
        change_kind = checked_change_kind(kind, section, change_kind)
        amendment = Amendment(standard_id=standard.id, section_id=section.id if section else None, kind=kind,
                              state="draft", title=label, summary=summary, rationale=rationale, author_id=actor.id,
                              coop_id=coop.id if coop else None, change_kind=change_kind,
                              terms=terms_of(standard, change_kind, section, kind))
        session.add(amendment)
        session.flush()
        add_draft(session, amendment, base_revision_id=base_id, title=title, body=body, position=position,
                  reason="created", actor=actor, coop=coop)
        session.add(Transition(amendment_id=amendment.id, action="propose", from_state="draft", to_state="draft",
                               actor_id=actor.id))
        publish(session, amendment, "amendment_proposed", actor, {"title": amendment.title})
    return amendment


def checked_change_kind(kind: str, section: Section | None, change_kind: str | None) -> str:
    """The kind of change of a new amendment: its section's kind, or "editorial" if its authors
    say so (an editorial section's amendments are always editorial)."""
    natural = section.kind if section is not None and kind != "insert" else "principle"
    if change_kind in (None, "", natural):
        return natural
    if change_kind == "editorial":
        return "editorial"
    raise InvalidInput(_("An amendment is either a change of its section's kind or an editorial fix."),
                       field_errors={"change_kind": [_("Choose the section's kind or editorial.")]})


def terms_of(standard: Standard, change_kind: str, section: Section | None, kind: str) -> dict:
    """The policy's terms for this amendment, to copy into it (policies.queries.terms)."""
    key = section.key if section is not None and kind != "insert" else None
    return policies.terms(standard, change_kind, key)


def current_terms(amendment: Amendment) -> dict:
    """The terms that decide ``amendment``: those copied into it, or (an amendment older than
    terms) the policy's now."""
    if amendment.terms:
        return dict(amendment.terms)
    if amendment.kind == "policy":
        from ..policies.services import terms_now

        return terms_now(amendment)
    return terms_of(amendment.standard, amendment.change_kind or "principle", amendment.section, amendment.kind)


def _default_name(kind: str, section: Section | None, title: str) -> str:
    """A name for an amendment its author did not name: a member text, in the author's language."""
    target = section.title if section else title
    if kind == "modify":
        return _("Change “%(title)s”", title=target)
    if kind == "retitle":
        return _("Retitle “%(title)s”", title=target)
    if kind == "insert":
        return _("Add “%(title)s”", title=title)
    if kind == "delete":
        return _("Remove “%(title)s”", title=target)
    return _("Move “%(title)s”", title=target)


def edit_amendment(*, actor: Person, amendment: Amendment, expected_draft_id: int, summary: str,
                   rationale: str, proposed_title: str = "", proposed_body: str = "",
                   target_position: int | None = None, name: str = "", coop: Cooperative | None = None) -> AmendmentDraft:
    """Refine an amendment (draft, open or conflicted): a new draft, against the same base."""
    refuse_if_amendment_under_vote(db.session, amendment)
    check_can_edit(actor, amendment)
    coop = acting_coop(actor, coop) if not actor.is_steward or actor.acting_coops else None
    summary, rationale, name = _clean_summary(summary), _clean_rationale(rationale), _clean_name(name)
    with unit_of_work() as session:
        amendment = _locked(session, amendment.id)
        if amendment.head_draft_id != expected_draft_id:
            raise Conflict(_("A co-author saved a newer version while you were editing. Your text is kept below: compare and save again."))
        refuse_if_amendment_under_vote(session, amendment)
        if not permissions.can_edit(actor, amendment):
            raise Conflict(_("This amendment is %(state)s now and can no longer be changed.", state=status_label(amendment.state)))
        head = amendment.head
        if amendment.kind in ("modify", "retitle"):
            base = head.base
            title, body = clean_title(proposed_title, "proposed_title"), clean_body(proposed_body)
            if title == base.title and body == base.body:
                raise InvalidInput(_("This amendment would change nothing."),
                                   field_errors={"proposed_body": [_("Change the text, or the title.")]})
            amendment.kind = "retitle" if body == base.body else "modify"
            position = None
        elif amendment.kind == "insert":
            title, body = clean_title(proposed_title, "proposed_title"), clean_body(proposed_body)
            position = _check_position(target_position, len(_active_sections(session, amendment.standard_id)) + 1)
        elif amendment.kind == "move":
            title, body = head.proposed_title, head.proposed_body
            position = _check_position(target_position, len(_active_sections(session, amendment.standard_id)))
        else:
            title, body, position = head.proposed_title, head.proposed_body, None
        amendment.summary, amendment.rationale = summary, rationale
        if name:
            amendment.title = name
        draft = add_draft(session, amendment, base_revision_id=head.base_revision_id, title=title, body=body,
                          position=position, reason="edited", actor=actor, coop=coop)
        session.add(Transition(amendment_id=amendment.id, action="edit", from_state=amendment.state,
                               to_state=amendment.state, actor_id=actor.id))
        last_call.text_changed(session, amendment, actor)
        publish(session, amendment, "amendment_edited", actor, {"draft_id": draft.id})
    return draft


def _locked(session, amendment_id: int) -> Amendment:
    session.execute(select(Amendment.id).where(Amendment.id == amendment_id).with_for_update())
    amendment = session.get(Amendment, amendment_id, populate_existing=True)
    if amendment is None:
        raise NotFound(_("No such amendment."))
    return amendment


def open_amendment(*, actor: Person, amendment: Amendment) -> Amendment:
    """Publish a draft for discussion."""
    if not permissions.can_open(actor, amendment):
        raise PermissionDenied(_("Only the amendment's authors can open it for discussion."))
    with unit_of_work() as session:
        amendment = _locked(session, amendment.id)
        transition(session, amendment, "open", actor)
        # Its public process starts now: the terms in force now are the ones it keeps.
        if amendment.kind == "policy":  # the ratchet's terms (deliberate/policies/ratchet.py)
            from ..policies.services import terms_now

            amendment.terms = terms_now(amendment)
        else:
            amendment.terms = terms_of(amendment.standard, amendment.change_kind, amendment.section, amendment.kind)
        publish(session, amendment, "amendment_opened", actor, {"title": amendment.title})
    return amendment


def withdraw_amendment(*, actor: Person, amendment: Amendment, note: str = "") -> Amendment:
    if not permissions.can_withdraw(actor, amendment):
        raise PermissionDenied(_("Only the amendment's authors can withdraw it, and not during a vote."))
    note = _clean_note(note)
    with unit_of_work() as session:
        amendment = _locked(session, amendment.id)
        transition(session, amendment, "withdraw", actor, note)
    return amendment


def add_coauthor(*, actor: Person, amendment: Amendment, email: str) -> Coauthor:
    """The proposer credits a delegate (usually of another co-op) as co-author."""
    if not permissions.can_add_coauthor(actor, amendment):
        raise PermissionDenied(_("Only the proposer can invite co-authors."))
    person = find_person_by_email(email)
    if person is None or not person.acting_coops:
        raise InvalidInput(_("There is no delegate of a member co-op with that email."),
                           field_errors={"email": [_("Not a delegate's address.")]})
    if person.id == amendment.author_id or any(c.person_id == person.id for c in amendment.coauthors):
        raise Conflict(_("%(person)s is already an author of this amendment.", person=person.name))
    with unit_of_work() as session:
        coauthor = Coauthor(amendment_id=amendment.id, person_id=person.id, coop_id=person.acting_coops[0].id)
        session.add(coauthor)
        session.flush()
        record_event(session, "coauthor_added", f"user:{person.id}",
                     {"amendment_id": amendment.id, "standard_id": amendment.standard_id}, actor_id=actor.id)
    return coauthor


def resolve_conflict(*, actor: Person, amendment: Amendment, proposed_title: str, proposed_body: str,
                     note: str = "") -> AmendmentDraft:
    """A person rewrites a conflicted amendment against the current text; it may go on."""
    check_can_resolve(actor, amendment)
    note = _clean_note(note)
    with unit_of_work() as session:
        amendment = _locked(session, amendment.id)
        if amendment.state != "conflicted":
            raise Conflict(_("This amendment is not in conflict any more."))
        section = session.get(Section, amendment.section_id)
        head = section.head
        if amendment.kind in ("modify", "retitle"):
            title, body = clean_title(proposed_title, "proposed_title"), clean_body(proposed_body)
            if title == head.title and body == head.body:
                raise InvalidInput(_("The resolved text is the same as the current text: withdraw the amendment "
                                     "instead if it is no longer needed."),
                                   field_errors={"proposed_body": [_("No change left.")]})
            amendment.kind = "retitle" if body == head.body else "modify"
        else:
            title, body = head.title, head.body
        draft = add_draft(session, amendment, base_revision_id=head.id, title=title, body=body,
                          position=amendment.head.target_position, reason="resolved", actor=actor,
                          coop=actor.acting_coops[0] if actor.acting_coops else None, note=note)
        transition(session, amendment, "resolve", actor, note)
        last_call.text_changed(session, amendment, actor)
    return draft


def group_competing(*, actor: Person, amendments: list[Amendment], title: str = "") -> CompetingGroup:
    """Group amendments to the same section so that they are decided together (ranked choice)."""
    check_can_group(actor)
    title = _clean_name(title, "title")
    if len(amendments) < 2:
        raise InvalidInput(_("Choose at least two amendments to group."), field_errors={"amendments": [_("Choose two or more.")]})
    with unit_of_work() as session:
        loaded = [_locked(session, a.id) for a in amendments]
        sections = {(a.standard_id, a.section_id) for a in loaded}
        if len(sections) != 1 or None in {a.section_id for a in loaded}:
            raise InvalidInput(_("Competing amendments must change the same section."))
        for a in loaded:
            if a.state not in ("open", "conflicted") or a.is_private:
                raise Conflict(_("%(reference)s is %(state)s: only open amendments can compete.", reference=a.reference, state=status_label(a.state)))
            if a.group_id is not None:
                raise Conflict(_("%(reference)s is already in a group.", reference=a.reference))
            last_call.check_may_join_group(a)
        standard_id, section_id = sections.pop()
        section = session.get(Section, section_id)
        group = CompetingGroup(standard_id=standard_id, section_id=section_id,
                               title=title or _("Competing changes to “%(title)s”", title=section.title),
                               created_by_id=actor.id)
        session.add(group)
        session.flush()
        for a in loaded:
            a.group_id = group.id
        record_event(session, "amendments_grouped", f"standard:{standard_id}",
                     {"group_id": group.id, "amendment_ids": [a.id for a in loaded]}, actor_id=actor.id)
    return group

