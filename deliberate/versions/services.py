"""Version operations: assemble a release candidate, withdraw it, and (from the vote subjects)
ratify it or record that it failed. One function per intention; the actor is explicit.

Ratifying is never called directly: a version is ratified only when the vote the standard's
policy calls for passes (see subjects.py, whose hooks run inside the voting service's
transaction and call :func:`ratify_in` / :func:`fail_in`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import limits, notices
from ..database import unit_of_work, utcnow
from ..errors import Conflict, InvalidInput, NotFound, PermissionDenied
from ..limits import clean_text
from ..members.models import Person
from ..proposals.models import Amendment
from ..realtime.events import record_event
from ..standards.models import Section, Standard
from ..text.diff import document_diff
from ..voting.models import Vote
from . import chain, document, numbering, permissions
from .models import ChangelogEntry, Version, VersionSection


@dataclass
class Plan:
    """What assembling a candidate now would give: computed the same way for the preview page
    and inside :func:`assemble_version`."""

    standard: Standard
    previous: Version | None
    snapshot: list[dict[str, Any]]
    changes: list[numbering.SectionChange]
    numbering: numbering.Numbering | None
    amendments: list[Amendment]
    text: str = ""
    content_hash: str = ""
    attempt: int = 1
    problem: str = ""
    diff: list[dict[str, Any]] = field(default_factory=list)


def latest_ratified(session: Session, standard_id: int) -> Version | None:
    return session.scalar(select(Version).where(Version.standard_id == standard_id, Version.state == "ratified")
                          .order_by(Version.ratified_at.desc(), Version.id.desc()).limit(1))


def pending_candidate(session: Session, standard_id: int) -> Version | None:
    return session.scalar(select(Version).where(Version.standard_id == standard_id, Version.state == "candidate")
                          .order_by(Version.id.desc()).limit(1))


def snapshot_of(version: Version | None, session: Session) -> list[dict[str, Any]]:
    if version is None:
        return []
    rows = session.scalars(select(VersionSection).where(VersionSection.version_id == version.id)
                           .order_by(VersionSection.position))
    return [{"key": s.key, "kind": s.kind, "title": s.title, "body": s.body, "revision_id": s.revision_id}
            for s in rows]


def working_snapshot(session: Session, standard_id: int) -> list[dict[str, Any]]:
    """The working draft as it stands: active sections in order, each at its head revision."""
    sections = session.scalars(select(Section).where(Section.standard_id == standard_id,
                                                     Section.retired_at.is_(None)).order_by(Section.position))
    return [{"key": s.key, "kind": s.kind, "title": s.title, "body": s.body, "revision_id": s.head_revision_id}
            for s in sections if s.head is not None]


def section_changes(old: list[dict[str, Any]], new: list[dict[str, Any]]
                    ) -> tuple[list[numbering.SectionChange], list[dict[str, Any]]]:
    """The changes between two snapshots, for numbering, and the raw document diff."""
    entries = document_diff(old, new)
    changes = []
    for entry in entries:
        status = entry["status"]
        if status == "unchanged":
            continue
        before = old[entry["old_index"]] if entry["old_index"] is not None else None
        after = new[entry["new_index"]] if entry["new_index"] is not None else None
        kind = (after or before)["kind"]
        common = dict(key=entry["key"], kind=kind, old_title=before["title"] if before else "",
                      new_title=after["title"] if after else "", old_body=before["body"] if before else "",
                      new_body=after["body"] if after else "")
        changes.append(numbering.SectionChange(status=status, **common))
        if status == "changed" and entry["moved"]:
            changes.append(numbering.SectionChange(status="moved", **common))
    return changes, entries


def unreleased_amendments(session: Session, standard_id: int) -> list[Amendment]:
    """Adopted amendments that no ratified version includes yet, in the order they were adopted."""
    released: set[int] = set()
    for ids in session.scalars(select(Version.amendment_ids).where(Version.standard_id == standard_id,
                                                                   Version.state == "ratified")):
        released.update(ids or [])
    adopted = session.scalars(select(Amendment).where(Amendment.standard_id == standard_id,
                                                      Amendment.state == "adopted")
                              .order_by(Amendment.decided_at, Amendment.id))
    return [a for a in adopted if a.id not in released]


def plan(session: Session, standard: Standard, level: str | None = None) -> Plan:
    """What a candidate assembled now would hold, its number and why (``problem`` says why none
    can be assembled)."""
    previous = latest_ratified(session, standard.id)
    snapshot = working_snapshot(session, standard.id)
    changes, diff = section_changes(snapshot_of(previous, session), snapshot)
    result = Plan(standard=standard, previous=previous, snapshot=snapshot, changes=changes, numbering=None,
                  amendments=unreleased_amendments(session, standard.id), diff=diff)
    if not snapshot:
        result.problem = _("The standard has no sections yet: there is nothing to ratify.")
        return result
    try:
        result.numbering = numbering.next_number(previous.number if previous else None, changes, level or None)
    except numbering.NumberingError as error:
        if previous is not None and not changes:
            result.problem = _("Nothing changed since version %(number)s.", number=previous.number)
        else:
            result.problem = str(error)
        return result
    result.text = document.render(standard.title, result.numbering.number, snapshot)
    result.content_hash = document.content_hash(result.text)
    attempts = session.scalar(select(func.max(Version.attempt)).where(Version.standard_id == standard.id,
                                                                      Version.number == result.numbering.number))
    result.attempt = (attempts or 0) + 1
    return result


def _lock_standard(session: Session, standard_id: int) -> Standard:
    standard = session.scalar(select(Standard).where(Standard.id == standard_id).with_for_update()
                              .execution_options(populate_existing=True))
    if standard is None:
        raise NotFound(_("There is no such standard."))
    return standard


def check_can_assemble(actor: Person | None) -> None:
    if not permissions.can_assemble(actor):
        raise PermissionDenied(_("Only stewards can assemble a version for ratification."))


def check_can_withdraw(actor: Person | None) -> None:
    if not permissions.can_withdraw(actor):
        raise PermissionDenied(_("Only stewards can withdraw a candidate."))


def assemble_version(*, actor: Person, standard: Standard, summary: str, level: str | None = None,
                     now: datetime | None = None) -> Version:
    """A steward assembles the working draft, with the amendments adopted since the last version,
    into a release candidate, numbered by what changed (``level`` overrides: major, minor, patch).

    One candidate at a time per standard; the co-ops then decide it by the vote the standard's
    policy names (``open_ratification_vote``)."""
    check_can_assemble(actor)
    summary = clean_text(summary, "summary", limits.SUMMARY, required=_("Say in a few words what this version changes."))
    if level not in (None, "", *numbering.LEVELS):
        raise InvalidInput(_("Choose major, minor or patch (or let the changes decide)."),
                           field_errors={"level": [_("Not a level.")]})
    now = now or utcnow()
    with unit_of_work() as session:
        standard = _lock_standard(session, standard.id)
        pending = pending_candidate(session, standard.id)
        if pending is not None:
            raise Conflict(_("Version %(number)s is already a candidate: it must be decided (or withdrawn) before another is assembled.",
                             number=pending.number))
        result = plan(session, standard, level)
        if result.problem:
            raise Conflict(result.problem)
        version = Version(standard_id=standard.id, number=result.numbering.number, attempt=result.attempt,
                          state="candidate", level=result.numbering.level,
                          level_reasons=list(result.numbering.reasons),
                          level_overridden=result.numbering.overridden, title=standard.title, summary=summary,
                          content_hash=result.content_hash, amendment_ids=[a.id for a in result.amendments],
                          previous_id=result.previous.id if result.previous else None, created_by_id=actor.id,
                          created_at=now)
        session.add(version)
        session.flush()
        for position, s in enumerate(result.snapshot, start=1):
            session.add(VersionSection(version_id=version.id, key=s["key"], position=position, kind=s["kind"],
                                       title=s["title"], body=s["body"], revision_id=s["revision_id"]))
        session.flush()
        record_event(session, "version_assembled", f"standard:{standard.id}",
                     {"standard_id": standard.id, "version_id": version.id, "number": version.number,
                      "level": version.level, "content_hash": version.content_hash,
                      "amendment_ids": version.amendment_ids}, actor_id=actor.id)
    return version


def withdraw_candidate(*, actor: Person, version: Version, reason: str, now: datetime | None = None) -> Version:
    """A steward withdraws a candidate that is not under vote (e.g. to include more amendments):
    it is kept, marked failed with the reason, and a new candidate may be assembled."""
    check_can_withdraw(actor)
    reason = clean_text(reason, "reason", limits.VERSION_NOTE, required=_("Say why the candidate is withdrawn: everyone will see it."))
    now = now or utcnow()
    with unit_of_work() as session:
        _lock_standard(session, version.standard_id)
        current = session.get(Version, version.id, populate_existing=True)
        if current is None:
            raise NotFound(_("No such version."))
        if current.state != "candidate":
            raise Conflict(_("Version %(number)s is %(state)s: only a candidate can be withdrawn.", number=current.number, state=current.state))
        if session.scalar(select(Vote.id).where(Vote.subject_kind == "version", Vote.subject_id == current.id,
                                                Vote.state == "open")):
            raise Conflict(_("Its ratification vote is open: cancel the vote first."))
        current.state, current.failed_at = "failed", now
        current.decision_note = notices.WITHDRAWN_NOTE(reason=reason)
        record_event(session, "version_withdrawn", f"standard:{current.standard_id}",
                     {"standard_id": current.standard_id, "version_id": current.id, "number": current.number,
                      "reason": reason}, actor_id=actor.id)
    return current


def open_ratification_vote(*, actor: Person, version: Version, closes_at: datetime, **options: Any) -> Vote:
    """Open the vote that decides a candidate, by the rule the standard's policy names for versions
    (``options`` as for voting.services.open_vote: rule_preset, secret, opens_at, …)."""
    from ..voting import services as voting

    return voting.open_vote(actor=actor, subject_kind="version", subject_id=version.id, closes_at=closes_at,
                            **options)


# Inside the voting service's transaction (called by the "version" subject) -----------------------

def check_can_decide(session: Session, version: Version) -> None:
    """Raise Conflict if ``version`` cannot be put to (or decided by) a vote now."""
    if version.state != "candidate":
        raise Conflict(_("Version %(number)s is %(state)s: only a candidate can be voted on.", number=version.number, state=version.state))
    latest = latest_ratified(session, version.standard_id)
    if (latest.id if latest else None) != version.previous_id:
        raise Conflict(_("Version %(number)s was ratified after this candidate was assembled: assemble a new candidate.", number=latest.number))
    from ..appeals.services import refuse_if_objection_pending

    refuse_if_objection_pending(session, version)  # a pending formal objection against one of its changes


def _record_head(vote: Vote) -> str:
    """The head of the vote's published record (sealed for a secret vote), stored as it closed."""
    if not vote.record_head:
        raise Conflict(_("Vote %(id)s has no ballot record.", id=vote.id))
    return vote.record_head


def ratify_in(session: Session, version: Version, vote: Vote) -> ChangelogEntry:
    """The ratification vote passed: publish the version and append its changelog entry."""
    check_can_decide(session, version)
    standard = session.get(Standard, version.standard_id)
    at = vote.closed_at or utcnow()
    ids = list(version.amendment_ids or [])
    amendments = {a.id: a for a in session.scalars(select(Amendment).where(Amendment.id.in_(ids)))} if ids else {}
    listed = []
    for ident in version.amendment_ids or []:
        a = amendments.get(ident)
        if a is not None:
            section = a.section.key if a.section is not None else None
            listed.append({"id": a.id, "ref": a.reference, "title": a.title, "kind": a.kind, "section": section})
    last = session.scalar(select(ChangelogEntry).where(ChangelogEntry.standard_id == standard.id)
                          .order_by(ChangelogEntry.seq.desc()).limit(1))
    entry = chain.make_entry(last.entry if last else None, standard=standard.slug, version=version.number,
                             ratified_at=at, summary=version.summary, content_hash=version.content_hash,
                             amendments=listed, vote={"id": vote.id, "record_head": _record_head(vote),
                                                      "passed": True, "explanation": vote.explanation})
    row = ChangelogEntry(standard_id=standard.id, seq=entry["seq"], version_id=version.id, entry=entry,
                         hash=entry["hash"])
    session.add(row)
    version.state, version.ratified_at, version.vote_id = "ratified", at, vote.id
    version.decision_note = notices.RATIFIED_BY_VOTE(vote=vote.id)
    session.flush()
    record_event(session, "version_ratified", f"standard:{standard.id}",
                 {"standard_id": standard.id, "version_id": version.id, "number": version.number,
                  "level": version.level, "title": version.title, "summary": version.summary,
                  "content_hash": version.content_hash, "vote_id": vote.id, "changelog_hash": row.hash,
                  "amendment_ids": list(version.amendment_ids or []), "ratified_at": entry["ratified_at"]},
                 actor_id=vote.closed_by_id)
    return row


def fail_in(session: Session, version: Version, vote: Vote) -> None:
    """The ratification vote did not pass: the candidate is kept as it was, marked failed."""
    version.state, version.failed_at, version.vote_id = "failed", vote.closed_at or utcnow(), vote.id
    version.decision_note = notices.NOT_RATIFIED_NOTE(vote=vote.id, explanation=vote.explanation)[:limits.VERSION_NOTE]
    record_event(session, "version_failed", f"standard:{version.standard_id}",
                 {"standard_id": version.standard_id, "version_id": version.id, "number": version.number,
                  "vote_id": vote.id, "explanation": vote.explanation}, actor_id=vote.closed_by_id)
