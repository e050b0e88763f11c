"""Reads for amendment and comparison pages: what changes, against what, and who wrote what."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..errors import NotFound
from ..extensions import db
from ..standards.models import Revision, Section, Standard
from ..text import diff as textdiff
from ..text import diff_html
from ..text.merge import three_way
from ..text.paragraphs import blame
from ..voting.models import Vote
from .models import Amendment, AmendmentDraft, CompetingGroup, Transition
from .permissions import can_read


def get_amendment(standard: Standard, amendment_id: int, person) -> Amendment:
    amendment = db.session.get(Amendment, amendment_id)
    if amendment is None or amendment.standard_id != standard.id or not can_read(person, amendment):
        raise NotFound(_("There is no such amendment (drafts are visible only to their authors)."))
    return amendment


def list_amendments(standard: Standard, person, section: Section | None = None) -> list[Amendment]:
    """Amendments the person may see, newest first."""
    query = select(Amendment).where(Amendment.standard_id == standard.id).order_by(Amendment.id.desc())
    if section is not None:
        query = query.where(Amendment.section_id == section.id)
    return [a for a in db.session.scalars(query) if can_read(person, a)]


@dataclass(frozen=True)
class UnderVote:
    """An amendment whose text the co-ops are voting on, and its open vote (alone or in its group).
    ``vote`` is None only if the amendment is "voting" with no open vote left (a stuck vote)."""

    amendment: Amendment
    vote: Vote | None


def open_votes_on(session: Session, amendment: Amendment) -> list[Vote]:
    """The open votes whose text includes ``amendment``'s: its own, and its group's."""
    subjects = [(Vote.subject_kind == "amendment") & (Vote.subject_id == amendment.id)]
    if amendment.group_id is not None:
        subjects.append((Vote.subject_kind == "group") & (Vote.subject_id == amendment.group_id))
    return list(session.scalars(select(Vote).where(Vote.state == "open", or_(*subjects)).order_by(Vote.id)))


def under_vote(session: Session, section_id: int) -> list[UnderVote]:
    """The amendments to a section that are being voted on: while there is one, the section's text
    is frozen (a direct edit would change the base of the text the co-ops are voting on)."""
    voting = session.scalars(select(Amendment).where(Amendment.section_id == section_id,
                                                     Amendment.state == "voting").order_by(Amendment.id))
    return [UnderVote(a, next(iter(open_votes_on(session, a)), None)) for a in voting]


def drafts(amendment: Amendment) -> list[AmendmentDraft]:
    return list(db.session.scalars(select(AmendmentDraft).where(AmendmentDraft.amendment_id == amendment.id)
                                   .order_by(AmendmentDraft.number.desc())))


def timeline(amendment: Amendment) -> list[Transition]:
    return list(db.session.scalars(select(Transition).where(Transition.amendment_id == amendment.id)
                                   .order_by(Transition.id)))


def group_of(amendment: Amendment) -> CompetingGroup | None:
    return db.session.get(CompetingGroup, amendment.group_id) if amendment.group_id else None


@dataclass(frozen=True)
class GroupView:
    """A group of competing amendments as pages show it: its members the reader may see, its
    votes (newest first) and whether the reader may open its ranked vote now."""

    group: CompetingGroup
    amendments: list[Amendment]
    votes: list[Vote]
    can_open_vote: bool

    @property
    def open_vote(self) -> Vote | None:
        return next((v for v in self.votes if v.state == "open"), None)


def group_view(group: CompetingGroup, person) -> GroupView:
    from .permissions import can_put_group_to_vote

    votes = list(db.session.scalars(select(Vote).where(Vote.subject_kind == "group", Vote.subject_id == group.id)
                                    .order_by(Vote.id.desc())))
    visible = [a for a in group.amendments if can_read(person, a)]
    may_open = not any(v.state == "open" for v in votes) and can_put_group_to_vote(person, group.amendments)
    return GroupView(group, visible, votes, may_open)


def competing_groups(standard: Standard, person) -> list[GroupView]:
    """Every group of competing amendments of a standard, newest first."""
    groups = db.session.scalars(select(CompetingGroup).where(CompetingGroup.standard_id == standard.id)
                                .order_by(CompetingGroup.id.desc()))
    return [group_view(g, person) for g in groups]


@dataclass
class ChangeView:
    """What an amendment changes, ready for the templates (no logic left for them)."""

    title_ops: list
    body_ops: list
    inline_title: str
    inline_body: str
    side_by_side: list[tuple[str, str]]
    stats: dict
    old_title: str
    new_title: str


def change_view(old_title: str, old_body: str, new_title: str, new_body: str) -> ChangeView:
    title_ops = textdiff.word_diff(old_title, new_title)
    body_ops = textdiff.word_diff(old_body, new_body)
    return ChangeView(title_ops, body_ops, diff_html.inline_html(title_ops), diff_html.inline_html(body_ops),
                      diff_html.side_by_side(body_ops), textdiff.stats(body_ops), old_title, new_title)


def amendment_change(amendment: Amendment, draft: AmendmentDraft | None = None) -> ChangeView:
    """The diff of an amendment's (current or given) draft against its base."""
    draft = draft or amendment.head
    if amendment.kind == "insert":
        return change_view("", "", draft.proposed_title, draft.proposed_body)
    if amendment.kind == "policy":  # the policy in plain words, before and after
        from ..policies.changes import policy_texts

        old, new = policy_texts(amendment.standard, draft.base_policy, draft.proposed_policy)
        return change_view("", old, "", new)
    base = draft.base
    if amendment.kind == "delete":
        return change_view(base.title, base.body, "", "")
    return change_view(base.title, base.body, draft.proposed_title, draft.proposed_body)


@dataclass
class ThreeWay:
    base: Revision
    theirs: Revision
    ours: AmendmentDraft
    their_change: ChangeView
    our_change: ChangeView
    conflicts: list


def three_way_view(amendment: Amendment) -> ThreeWay:
    """Base, theirs (the current text) and ours, for a person resolving a conflict."""
    draft = amendment.head
    base = draft.base
    theirs = amendment.section.head
    result = three_way(base.body, draft.proposed_body, theirs.body)
    return ThreeWay(base, theirs, draft, change_view(base.title, base.body, theirs.title, theirs.body),
                    change_view(base.title, base.body, draft.proposed_title, draft.proposed_body), result.conflicts)


def revisions_of(section: Section) -> list[Revision]:
    return list(db.session.scalars(select(Revision).where(Revision.section_id == section.id).order_by(Revision.number)))


@dataclass
class BlamePassage:
    text: str
    revision: Revision
    amendment: Amendment | None
    vote: object | None = None  # the vote that adopted the amendment, if a vote did


def adopting_votes(amendments: dict[int, Amendment]) -> dict[int, object]:
    """amendment id -> the closed, passed vote that adopted it (on it alone or on its group)."""
    from ..voting.models import Vote

    if not amendments:
        return {}
    groups = {a.group_id: a.id for a in amendments.values() if a.group_id}
    query = select(Vote).where(Vote.state == "closed", Vote.passed.is_(True),
                               ((Vote.subject_kind == "amendment") & Vote.subject_id.in_(list(amendments)))
                               | ((Vote.subject_kind == "group") & Vote.subject_id.in_(list(groups) or [0])))
    found = {}
    for vote in db.session.scalars(query):
        amendment_id = vote.subject_id if vote.subject_kind == "amendment" else groups.get(vote.subject_id)
        if amendment_id in amendments and amendments[amendment_id].state == "adopted":
            found[amendment_id] = vote
    return found


def votes_on(amendment: Amendment) -> list:
    """The votes on the amendment, alone or with its competing group, newest first."""
    from ..voting.models import Vote

    about = (Vote.subject_kind == "amendment") & (Vote.subject_id == amendment.id)
    if amendment.group_id:
        about = about | ((Vote.subject_kind == "group") & (Vote.subject_id == amendment.group_id))
    return list(db.session.scalars(select(Vote).where(about).order_by(Vote.id.desc())))


def provenance(section: Section, number: int | None = None) -> tuple[Revision, list[BlamePassage]]:
    """Each passage of a section's revision with the revision (and amendment) that introduced it."""
    revisions = revisions_of(section)
    if number is not None:
        revisions = [r for r in revisions if r.number <= number]
        if not revisions or revisions[-1].number != number:
            raise NotFound(_("No such revision of this section."))
    by_id = {r.id: r for r in revisions}
    amendment_ids = {r.amendment_id for r in revisions if r.amendment_id}
    amendments = {a.id: a for a in db.session.scalars(select(Amendment).where(Amendment.id.in_(amendment_ids)))} \
        if amendment_ids else {}
    votes = adopting_votes(amendments)
    passages = blame([{"id": r.id, "text": r.body} for r in revisions])
    merged: list[BlamePassage] = []
    for passage in passages:
        revision = by_id[passage.revision_id]
        if merged and merged[-1].revision.id == revision.id:
            merged[-1].text += passage.text
        else:
            merged.append(BlamePassage(passage.text, revision, amendments.get(revision.amendment_id),
                                       votes.get(revision.amendment_id)))
    return revisions[-1], merged


def standard_at(standard: Standard, moment: datetime | None) -> list[dict]:
    """The whole standard as it stood at ``moment`` (None: now): sections in order, with text."""
    sections = list(db.session.scalars(select(Section).where(Section.standard_id == standard.id)))
    revisions = db.session.scalars(select(Revision).where(Revision.section_id.in_([s.id for s in sections]))
                                   .order_by(Revision.section_id, Revision.number)) if sections else []
    latest: dict[int, Revision] = {}
    for revision in revisions:
        if moment is None or revision.created_at <= moment:
            latest[revision.section_id] = revision
    state = []
    for section in sorted(sections, key=lambda s: s.position):
        if section.id not in latest:
            continue
        if section.retired_at is not None and (moment is None or section.retired_at <= moment):
            continue
        revision = latest[section.id]
        state.append({"key": section.key, "title": revision.title, "body": revision.body, "number": revision.number})
    return state


def compare_standard(standard: Standard, old: datetime | None, new: datetime | None) -> list[dict]:
    """Whole-document diff between two moments (sections matched by their stable key)."""
    entries = textdiff.document_diff(standard_at(standard, old), standard_at(standard, new))
    for entry in entries:
        entry["inline_title"] = diff_html.inline_html(entry["title_ops"])
        entry["inline_body"] = diff_html.inline_html(entry["body_ops"])
    return entries
