"""Standard operations: create standards and sections, revise a section's working draft."""
from __future__ import annotations

import secrets

from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .. import limits, notices
from ..database import unit_of_work
from ..errors import Conflict, DomainError, InvalidInput, NextStep, NotFound, PermissionDenied
from ..extensions import db
from ..i18n import status_label
from ..members.models import Cooperative, Person
from ..members.services import acting_coop, slugify
from ..realtime.events import record_event
from . import permissions
from .models import SECTION_KINDS, Revision, RevisionCredit, Section, Standard

# Called inside the transaction whenever a section gets a new head revision, so that amendments
# made against the old head follow it (deliberate.proposals registers itself here).
HEAD_MOVED_HOOKS: list = []
# Called inside the transaction, with the section row locked, before a direct edit is written:
# ``guard(session, section)`` raises TextUnderVote when the section's text is being voted on
# (deliberate.proposals registers itself here: an amendment to the section in an open vote).
EDIT_GUARDS: list = []
# Called with (session, standard) before a section is added: deliberate.proposals refuses while a vote
# on inserting or moving a section is bound to a place in the order.
ORDER_GUARDS: list = []


class TextUnderVote(DomainError):
    """The text is frozen while the co-ops vote on it: a direct edit is refused (nothing is lost:
    the caller keeps the person's text). Its status and code are a conflict's (409, "conflict": the
    state does not allow it), but it is not a Conflict, which forms read as "someone saved meanwhile"."""

    status = 409
    code = "conflict"


class TextClosed(DomainError):
    """The standard is a candidate or ratified (or holds the network's rules): its text changes only
    through adopted amendments, never by a direct edit. A conflict's status and code (409): the
    standard's state does not allow it; the refusal names the next step."""

    status = 409
    code = "conflict"


MAX_TITLE = limits.TITLE
MAX_BODY = limits.SECTION_BODY
MAX_MESSAGE = limits.MESSAGE
MAX_SUMMARY = limits.SUMMARY


def clean_title(title: str, field: str = "title") -> str:
    return limits.clean_text(title, field, MAX_TITLE, required=_("Please give a title."), multiline=False,
                             too_long=lambda _n: _("Titles are at most %(MAX_TITLE)s characters.", MAX_TITLE=MAX_TITLE))


def clean_body(body: str) -> str:
    return limits.clean_text(body, "body", MAX_BODY, too_long=lambda count: _(
        "A section's text is at most %(MAX_BODY)s characters; this one has %(count)s.",
        MAX_BODY=format_decimal(MAX_BODY), count=format_decimal(count)))


def _clean_message(message: str) -> str:
    return limits.clean_text(message, "message", MAX_MESSAGE, required=_("Please say briefly what you changed and why."),
                             multiline=False, too_long=lambda _n: _("Keep the message under %(MAX_MESSAGE)s characters.",
                                                                    MAX_MESSAGE=MAX_MESSAGE))


# The ids a standard's pages (its page, its versions' pages, with their discussion) use for their
# own elements. A section's element id on those pages is its key, so no key may be one of these
# (a section titled "Discussion" gets "discussion-1a2b"); tests/web/test_html_ids.py lists the
# pages' ids and fails on one missing here.
PAGE_IDS = frozenset({
    "main", "nav-menu", "live-status", "nav-search-q", "notifications-link", "notification-count", "footer-language",
    "reading", "toc-heading", "versions-heading", "decision", "citation", "changes-heading", "reason",
    "discussion", "discussion-heading", "comment-form", "comment-form-heading", "comment-body", "comment-body-help",
    "comment-quote", "comment-quote-help", "topic-title", "topic-body", "topic-title-help", "topic-body-help",
})


def section_key(title: str, taken: set[str]) -> str:
    """A stable, readable key for a new section: its title as a slug, made unique in the standard and
    never one of the ids its pages use for themselves."""
    base = slugify(title)[:60] or "section"
    key = base
    while key in taken or key in PAGE_IDS:
        key = f"{base}-{secrets.token_hex(2)}"
    return key


def check_can_create_standard(actor: Person | None) -> None:
    """Refuse anyone but a steward the new-standard form and its sending."""
    if not permissions.can_create_standard(actor):
        raise PermissionDenied(_("Only stewards can start a new standard."))


def check_can_add_section(actor: Person | None, standard: Standard | None = None) -> None:
    """Refuse anyone but a steward adding a section directly (delegates propose one), and everyone
    once the standard is no longer a draft."""
    if not permissions.can_create_standard(actor):
        raise PermissionDenied(_("Only stewards can add sections directly; delegates propose them as amendments."))
    if standard is not None:
        check_text_open(standard)


def check_can_edit_section(actor: Person | None, section: Section) -> None:
    """Refuse editing a section's working draft to whoever may not, and a removed section to all."""
    if not permissions.can_edit_section(actor, section):
        raise PermissionDenied(_("Only delegates of member co-ops and stewards can edit the draft."))
    _check_live(section)
    check_text_open(section.standard)


def check_text_open(standard: Standard) -> None:
    """Refuse a direct change to the text of a standard that is no longer a draft (maturity decides
    how text may change): the person is told to propose an amendment instead."""
    if permissions.text_is_open(standard):
        return
    if getattr(standard, "role", None) is not None:
        raise TextClosed(_("The network's rules are written from the network's policy: they change only when the "
                           "member co-ops adopt a change to that policy."),
                         next_step=NextStep(_("Propose a change to the rules"), "policies.network"))
    raise TextClosed(_("“%(title)s” is %(maturity)s: its text changes only through amendments the member co-ops "
                       "adopt. Propose an amendment (for a typo or wording fix, choose “editorial fix”: it has a "
                       "lighter rule).", title=standard.title, maturity=status_label(standard.maturity)),
                     next_step=NextStep(_("Propose an amendment"), "amendments.new", {"slug": standard.slug}))


def check_text_amendable(standard: Standard) -> None:
    """Refuse amending the text of the Network rules (its sections are generated from the network's
    policy: a change to the rules is a policy amendment, proposed on the policy page)."""
    if getattr(standard, "role", None) is not None:
        raise TextClosed(_("The network's rules are written from the network's policy: propose a change to the "
                           "policy itself."), next_step=NextStep(_("Propose a change to the rules"), "policies.network"))


def _check_live(section: Section) -> None:
    if section.retired_at is not None:
        raise Conflict(_("This section has been removed from the standard."))


def create_standard(*, actor: Person, title: str, summary: str = "",
                    sections: list[tuple[str, str]] | None = None, role: str | None = None,
                    policy: dict | None = None, keys: list[str] | None = None) -> Standard:
    """A steward starts a standard, optionally with its first sections (title, Markdown body).

    ``role`` marks a standard the platform itself relies on ("network-rules", at most one each),
    ``policy`` its stored policy, and ``keys`` its sections' stable keys (made from titles otherwise)."""
    check_can_create_standard(actor)
    title = clean_title(title)
    summary = limits.clean_text(summary, "summary", MAX_SUMMARY, too_long=lambda _n: _("The summary is too long."))
    cleaned = [(clean_title(t), clean_body(b)) for t, b in (sections or [])]
    with unit_of_work() as session:
        if session.scalar(select(Standard.id).where(func.lower(Standard.title) == title.lower())):
            raise Conflict(_("A standard with that title already exists."), field_errors={"title": [_("Already taken.")]})
        base = slugify(title)
        slug, n = base, 2
        while session.scalar(select(Standard.id).where(Standard.slug == slug)):
            slug, n = f"{base}-{n}", n + 1
        if role is not None and session.scalar(select(Standard.id).where(Standard.role == role)):
            raise Conflict(_("The network already has this standard."))
        standard = Standard(title=title, slug=slug, summary=summary, created_by_id=actor.id, role=role,
                            policy=dict(policy or {}))
        session.add(standard)
        session.flush()
        taken: set[str] = set()
        for position, (section_title, body) in enumerate(cleaned, start=1):
            _new_section(session, standard, section_title, body, position, actor, None, taken,
                         key=keys[position - 1] if keys else None)
        record_event(session, "standard_created", f"standard:{standard.id}",
                     {"standard_id": standard.id, "title": standard.title}, actor_id=actor.id)
    return standard


def _new_section(session, standard, title, body, position, actor, coop, taken, kind="principle",
                 message="", key=None) -> Section:
    key = key or section_key(title, taken)
    taken.add(key)
    section = Section(standard_id=standard.id, key=key, position=position, kind=kind)
    session.add(section)
    session.flush()
    revision = Revision(section_id=section.id, number=1, parent_id=None, title=title, body=body,
                        message=message or notices.SECTION_CREATED(), author_id=actor.id, coop_id=coop.id if coop else None)
    session.add(revision)
    session.flush()
    section.head_revision_id = revision.id
    return section


def add_section(*, actor: Person, standard: Standard, title: str, body: str, kind: str = "principle",
                position: int | None = None) -> Section:
    """A steward adds a section at the end (or at ``position``, moving later ones down)."""
    check_can_add_section(actor)
    title, body = clean_title(title), clean_body(body)
    if kind not in SECTION_KINDS:
        raise InvalidInput(_("Unknown kind of section."), field_errors={"kind": [_("One of %(SECTION_KINDS)s.", SECTION_KINDS=', '.join(SECTION_KINDS))]})
    with unit_of_work() as session:
        standard = session.merge(standard)
        check_text_open(standard)
        for guard in ORDER_GUARDS:
            guard(session, standard)
        existing = list(session.scalars(select(Section).where(Section.standard_id == standard.id).order_by(Section.position)))
        last = existing[-1].position if existing else 0
        if position is None or position > last:
            position = last + 1
        else:
            position = max(1, position)
            for other in existing:
                if other.position >= position:
                    other.position += 1
        section = _new_section(session, standard, title, body, position, actor, None, {s.key for s in existing}, kind)
        record_event(session, "section_added", f"standard:{standard.id}",
                     {"standard_id": standard.id, "section_id": section.id, "title": title}, actor_id=actor.id)
    return section


def revise_section(*, actor: Person, section: Section, title: str, body: str, message: str,
                   base_revision_id: int, coop: Cooperative | None = None,
                   credits: list[tuple[int, int | None]] | None = None) -> Revision:
    """Save a new revision of a section's working draft, attributed to the person and co-op.

    ``base_revision_id`` is the revision the editor started from. If someone saved in between,
    nothing is overwritten: the caller gets a Conflict and can show both texts. ``credits`` lists
    the (person id, co-op id) of everyone else who wrote it with the author (co-editing).
    """
    check_can_edit_section(actor, section)
    coop = acting_coop(actor, coop)
    title, body, message = clean_title(title), clean_body(body), _clean_message(message)
    with unit_of_work() as session:
        # Lock the section row (PostgreSQL; SQLite already holds the write lock) so that two saves
        # from the same base cannot both pass the check below.
        session.execute(select(Section.id).where(Section.id == section.id).with_for_update())
        section = session.get(Section, section.id, populate_existing=True)
        _check_live(section)  # removed since the page was shown: nothing to revise
        check_text_open(section.standard)  # no longer a draft since the page was shown
        for guard in EDIT_GUARDS:
            guard(session, section)
        head = section.head
        if head is None or head.id != base_revision_id:
            raise Conflict(_("Someone saved a newer version of this section while you were editing. "
                             "Your text is kept below: compare it with the latest and save again."))
        if head.title == title and head.body == body:
            raise InvalidInput(_("Nothing changed: the text is the same as the current version."))
        revision = Revision(section_id=section.id, number=head.number + 1, parent_id=head.id, title=title,
                            body=body, message=message, author_id=actor.id, coop_id=coop.id if coop else None)
        session.add(revision)
        session.flush()
        section.head_revision_id = revision.id
        for person_id, coop_id in dict(credits or []).items():
            if person_id != actor.id:
                session.add(RevisionCredit(revision_id=revision.id, person_id=person_id, coop_id=coop_id))
        session.flush()
        for hook in HEAD_MOVED_HOOKS:
            hook(session, section, revision, actor)
        record_event(session, "section_revised", f"standard:{section.standard_id}",
                     {"standard_id": section.standard_id, "section_id": section.id, "revision_id": revision.id,
                      "number": revision.number}, actor_id=actor.id)
    return revision


# Reads ---------------------------------------------------------------------------------------

def list_standards() -> list[Standard]:
    return list(db.session.scalars(select(Standard).order_by(Standard.title)))


def get_standard(slug: str) -> Standard:
    # A slug with a control character names no standard (and PostgreSQL refuses NUL in a query);
    # routes never pass one (deliberate/routing.py), a query string (?standard=) may.
    standard = None if not isinstance(slug, str) or limits.has_control_characters(slug, multiline=False) else db.session.scalar(
        select(Standard).where(Standard.slug == slug)
        .options(selectinload(Standard.sections))
    )
    if standard is None:
        raise NotFound(_("There is no standard at this address."))
    return standard


def get_section(standard: Standard, key: str) -> Section:
    section = db.session.scalar(select(Section).where(Section.standard_id == standard.id, Section.key == key))
    if section is None:
        raise NotFound(_("This section does not exist (it may have been renamed: see the table of contents)."))
    return section


def section_history(section: Section) -> list[Revision]:
    return list(db.session.scalars(select(Revision).where(Revision.section_id == section.id)
                                   .order_by(Revision.number.desc())))


def get_revision(section: Section, number: int) -> Revision:
    revision = db.session.scalar(select(Revision).where(Revision.section_id == section.id, Revision.number == number))
    if revision is None:
        raise NotFound(_("No such revision of this section."))
    return revision
