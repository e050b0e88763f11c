"""Co-editing operations: join a shared draft, synchronise, save it as an attributed revision.

Every sync runs in a write transaction that locks the shared draft's row, so concurrent
messages from several tabs (or several server processes) are applied one at a time, and the
server's shadows are stored before the reply leaves: a reconnect, or another process, simply
continues. The messages for one document that arrive while its previous transaction is being
written are applied together in the next one (``batching``: one commit for many keystrokes).
"""
from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, lazyload

from .. import limits
from ..database import unit_of_work, utcnow
from ..errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied
from ..extensions import db
from ..members.models import Cooperative, Person
from ..members.services import acting_coop, find_coop
from ..proposals import permissions as amendment_permissions
from ..proposals.models import Amendment
from ..realtime.sync import ChangeLog, RejoinRequired, ServerSession, SyncError, change_log, server_receive
from ..standards import permissions as standard_permissions
from ..standards import services as standards
from ..standards.models import Section
from ..text.normalise import normalise
from .batching import Combiner, Job
from .models import SharedDraft, SyncSession

_DOC = re.compile(r"^(section|amendment):([0-9]{1,10})$")
_CLIENT = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
MAX_TEXT = limits.SECTION_BODY


@dataclass
class Document:
    kind: str
    obj: Section | Amendment

    def __post_init__(self) -> None:
        # Kept apart from ``obj``: naming the document after its session ended needs no database.
        self.ident = self.obj.id

    @property
    def ref(self) -> DocumentRef:
        return DocumentRef(self.kind, self.ident)

    @property
    def key(self) -> str:
        return self.ref.key

    @property
    def room(self) -> str:
        return self.ref.room

    @property
    def head_id(self) -> int | None:
        """The id of the saved text people start from (read without loading that text)."""
        return self.obj.head_revision_id if self.kind == "section" else self.obj.head_draft_id

    def head_text(self) -> str:
        """The saved text people start from."""
        return self.obj.body if self.kind == "section" else self.obj.head.proposed_body


@dataclass(frozen=True)
class DocumentRef:
    """A document named by a client, not loaded: what a sync needs before its batch."""

    kind: str
    ident: int

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.ident}"

    @property
    def room(self) -> str:
        return f"coedit_{self.kind}:{self.ident}"


def _text_does_not_exist() -> None:
    raise NotFound(_("That text does not exist."))


def parse_document(doc_key: str) -> DocumentRef:
    """The document ``doc_key`` names (not loaded: it may not exist)."""
    match = _DOC.match(doc_key) if isinstance(doc_key, str) else None
    if not match:
        raise InvalidInput(_("Say which text to edit, like section:5."))
    ident = limits.parse_id(match.group(2))
    if ident is None:
        _text_does_not_exist()
    return DocumentRef(match.group(1), ident)


def load_document(doc_key: str) -> Document:
    ref = parse_document(doc_key)
    obj = db.session.get(Section if ref.kind == "section" else Amendment, ref.ident)
    if obj is None:
        _text_does_not_exist()
    return Document(ref.kind, obj)


def can_coedit(person, document: Document) -> bool:
    if document.kind == "section":
        return (standard_permissions.can_edit_section(person, document.obj) and document.obj.retired_at is None
                and standard_permissions.text_is_open(document.obj.standard))
    return amendment_permissions.can_edit(person, document.obj) and document.obj.kind in ("modify", "retitle", "insert")


def check_can_open_editor(actor, document: Document) -> None:
    """Refuse the shared editor's page to whoever may not edit the document together."""
    if can_coedit(actor, document):
        return
    if document.kind == "section":
        if standard_permissions.can_edit_section(actor, document.obj):
            standards.check_text_open(document.obj.standard)  # a candidate or ratified text: propose an amendment
        raise PermissionDenied(_("Only delegates of member co-ops and stewards can edit the draft."))
    raise PermissionDenied(_("Only the amendment's authors can edit its text, and only before it goes to a vote."))


def _check(actor, document: Document) -> None:
    if document.kind == "amendment":
        from ..proposals.services import refuse_if_amendment_under_vote

        # Its text is frozen while the co-ops vote on it: say so, naming the vote.
        refuse_if_amendment_under_vote(db.session, document.obj)
    elif standard_permissions.can_edit_section(actor, document.obj):
        # Maturity decides how text may change: no live editing of a candidate or ratified text.
        standards.check_text_open(document.obj.standard)
    if not can_coedit(actor, document):
        raise PermissionDenied(_("You cannot edit this text together with others."))


def _draft(session, document: Document, lock: bool = False) -> SharedDraft:
    query = select(SharedDraft).where(SharedDraft.doc_key == document.key)
    if lock:
        query = query.with_for_update()
    draft = session.scalar(query.execution_options(populate_existing=True))
    base_id = document.head_id
    if draft is None:
        draft = SharedDraft(doc_key=document.key, text=document.head_text(), base_id=base_id, version=0,
                            contributors={})
        session.add(draft)
        session.flush()
    elif draft.base_id != base_id and not draft.contributors:
        # Saved elsewhere (an edit form, an adopted amendment) and nothing unsaved here: follow it.
        draft.text, draft.base_id, draft.version = document.head_text(), base_id, draft.version + 1
    return draft


def join(*, actor: Person, doc_key: str, client_id: str, resume: bool = False) -> tuple[Document, SharedDraft, dict]:
    """Start a tab's sync session, or ``resume`` it after a reconnect (its stored shadows go on).

    Returns the document, its live draft and what the tab needs: the text and whether it resumed.
    """
    if not _CLIENT.match(client_id or ""):
        raise InvalidInput(_("A client id of 8 to 64 letters, digits, - or _ is needed."))
    document = load_document(doc_key)
    _check(actor, document)
    with unit_of_work() as session:
        draft = _draft(session, document, lock=True)
        row = session.scalar(select(SyncSession).where(SyncSession.shared_draft_id == draft.id,
                                                       SyncSession.client_id == client_id))
        if row is not None and row.person_id != actor.id:
            raise PermissionDenied(_("That client id belongs to someone else."))
        resumed = row is not None and resume
        if not resumed:
            state = ServerSession.start(draft.text).to_dict()
            if row is None:
                session.add(SyncSession(shared_draft_id=draft.id, client_id=client_id, person_id=actor.id, state=state))
            else:  # a fresh page load with a reused id starts over from the live text
                row.state, row.updated_at = state, utcnow()
        result = {"text": draft.text, "version": draft.version, "base_id": draft.base_id,
                  "contributors": len(draft.contributors), "resumed": resumed}
    return document, draft, result


@dataclass
class _Sync:
    """One tab's sync message as the batch sees it: ids only, no objects of another thread's session."""

    person_id: int
    coop_id: int | None  # the co-op the sender asked to act for (checked in the batch), or None
    client_id: str
    message: dict
    reply: dict | None = None
    version: int = 0
    changed: bool = False
    # Raises the refusal in the sender's own thread (its language, its request).
    refusal: Callable[[], None] | None = None
    # time.monotonic() after which the sender no longer waits for the reply (None: it waits).
    deadline: float | None = None


_SYNCS = Combiner()
_SECTION_FOR_SYNC = (lazyload("*"), joinedload(Section.standard))
# Each document's recent changes, in this process (realtime/changelog.py): the diffs of a tab's
# shadow against the live text are composed from them. Only the document's batch leader uses its
# log (one batch at a time per document); a log that misses a change made elsewhere restarts.
_LOGS: OrderedDict[str, ChangeLog] = OrderedDict()
_LOGS_LOCK = threading.Lock()
MAX_LOGS = 32


def _change_log(key: str) -> ChangeLog:
    with _LOGS_LOCK:
        log = _LOGS.get(key)
        if log is None:
            log = _LOGS[key] = change_log()
            while len(_LOGS) > MAX_LOGS:
                _LOGS.popitem(last=False)
        _LOGS.move_to_end(key)
        return log


# How long the editor page waits for a sync's reply (coedit.js: ``timeout(5000)``) before it
# sends its edits again with the next message.
CLIENT_PATIENCE = 5.0


def _too_late() -> None:
    raise Conflict(_("The server was too busy to take this change in time: it is sent again."))


def _ended() -> None:
    raise Conflict(_("This editing session has ended: reload the page to continue."))


def _cannot_continue() -> None:
    raise Conflict(_("This editing session cannot continue: reload the page."))


def _malformed(error: SyncError) -> Callable[[], None]:
    def refuse() -> None:
        raise InvalidInput(_("Malformed sync message: %(error)s", error=error)) from error
    return refuse


def _too_long() -> None:
    raise InvalidInput(_("The text would be longer than %(MAX_TEXT)s characters.", MAX_TEXT=format_decimal(MAX_TEXT)))


def _recheck(doc_key: str, person_id: int, coop_id: int | None) -> None:
    """Raise, in the sender's own thread (its language), the refusal its batch found."""
    person = db.session.get(Person, person_id)
    if person is None:
        _ended()
    _check(person, load_document(doc_key))
    coop = find_coop(coop_id)
    if coop is not None:
        acting_coop(person, coop)
    _cannot_continue()  # allowed again by now: the page starts over


def _authorize(syncs: list[_Sync], document: Document, session) -> None:
    """Check once per batch, in its transaction, that each sender may still edit the document
    together (the text not frozen, their rights not gone) and which co-op they act for: set
    ``coop_id`` to the co-op credited, or ``refusal``."""
    found: dict[tuple[int, int | None], tuple[bool, int | None]] = {}
    # Every sender in one query (and their delegations in one more), not one by one. Kept here:
    # the session's identity map holds objects weakly.
    people = {person.id: person for person in
              session.scalars(select(Person).where(Person.id.in_({item.person_id for item in syncs})))}
    for item in syncs:
        asked = (item.person_id, item.coop_id)
        if asked not in found:
            person = people.get(item.person_id)
            if person is None:
                found[asked] = (False, None)
            else:
                found[asked] = _allowed(person, document, item.coop_id)
        allowed, item.coop_id = found[asked]
        if not allowed:
            item.refusal = partial(_recheck, document.key, item.person_id, asked[1])


def _allowed(person: Person, document: Document, coop_id: int | None) -> tuple[bool, int | None]:
    """Whether ``person`` may sync into ``document`` now, and the co-op their edit is credited to."""
    try:
        _check(person, document)
        coop = find_coop(coop_id)
        # One the person is a delegate of, never one they name freely.
        acting = acting_coop(person, coop) if coop is not None else next(iter(person.acting_coops), None)
    except DomainError:
        return False, None
    return True, acting.id if acting else None


def _apply_batch(ref: DocumentRef, jobs: list[Job]) -> None:
    """Apply the waiting messages of one document in arrival order, in one transaction: each one
    exactly as alone (its tab's shadows, the text as the previous message left it), then store
    the text, its contributors and every tab's shadows once, and commit before anyone is answered.
    Who may edit is checked here, once per sender and batch."""
    now = time.monotonic()
    for job in jobs:
        if job.payload.deadline is not None and now > job.payload.deadline:
            # Its sender gave up waiting and sends these edits again with its next message (a lost
            # message, which the protocol is made for): applying it would only cost the time the
            # others wait, and once the waits pass the senders' patience, all of it.
            job.payload.refusal = _too_late
    jobs = [job for job in jobs if job.payload.refusal is None]
    syncs: list[_Sync] = [job.payload for job in jobs]
    if not jobs:
        return
    with unit_of_work() as session:
        # What the checks read (a section's standard), not what a page shows (its head revision
        # with authors and credits: three more queries in every batch).
        obj = (session.get(Section, ref.ident, options=_SECTION_FOR_SYNC) if ref.kind == "section"
               else session.get(Amendment, ref.ident))
        if obj is None:
            for item in syncs:
                item.refusal = _text_does_not_exist
            return
        document = Document(ref.kind, obj)
        _authorize(syncs, document, session)
        syncs = [item for item in syncs if item.refusal is None]
        jobs = [job for job in jobs if job.payload.refusal is None]
        if not syncs:
            return
        draft = _draft(session, document, lock=True)
        rows = {row.client_id: row for row in session.scalars(
            select(SyncSession).where(SyncSession.shared_draft_id == draft.id,
                                      SyncSession.client_id.in_({s.client_id for s in syncs})))}
        text, version, contributors = draft.text, draft.version, dict(draft.contributors or {})
        states: dict[str, ServerSession] = {}
        last_change = None
        log = _change_log(document.key)
        for job, item in zip(jobs, syncs, strict=True):
            row = rows.get(item.client_id)
            if row is None or row.person_id != item.person_id:
                item.refusal = _ended
                continue
            try:
                server = states.get(item.client_id) or ServerSession.from_dict(row.state)
                new_text, server, reply = server_receive(text, server, item.message, log)
            except RejoinRequired:
                item.refusal = _cannot_continue
                continue
            except SyncError as error:
                item.refusal = _malformed(error)
                continue
            if len(new_text) > MAX_TEXT:
                item.refusal = _too_long
                continue
            if new_text != text and limits.has_control_characters(new_text):
                item.refusal = partial(limits.refuse_control_characters, new_text, "text")
                continue
            if new_text != text:
                text, version = new_text, version + 1
                contributors[str(item.person_id)] = item.coop_id
                last_change = item
            states[item.client_id] = server
            item.reply, item.version = reply, version
            job.result = item
        if version != draft.version:
            draft.text, draft.version, draft.updated_at, draft.contributors = text, version, utcnow(), contributors
        now = utcnow()
        for client_id, server in states.items():
            rows[client_id].state, rows[client_id].updated_at = server.to_dict(), now
    if last_change is not None:
        last_change.changed = True  # one announcement per batch, by its last change


def sync(*, actor: Person, doc_key: str, client_id: str, message: dict,
         coop: Cooperative | None = None) -> tuple[DocumentRef, dict, bool, int]:
    """Apply a client's message; returns (document, reply, whether to tell the room, version)."""
    return sync_as(person_id=actor.id, doc_key=doc_key, client_id=client_id, message=message,
                   coop_id=coop.id if coop is not None else None)


def sync_as(*, person_id: int, doc_key: str, client_id: str, message: dict, coop_id: int | None = None,
            deadline: float | None = None) -> tuple[DocumentRef, dict, bool, int]:
    """Apply a message from a tab of person ``person_id``, acting for ``coop_id`` (or their co-op);
    returns (document, reply, whether to tell the room, version).

    Messages for one document that arrive together are applied together (``batching``): each one
    as if alone and in arrival order, in one transaction, which also checks, once per sender, that
    they may still edit it (a frozen text, lost rights: refused in the sender's thread). The room
    is told once per batch, by the last message in it that changed the text, with the version
    after it; ``version`` is the one the reply brings this tab to. A message still waiting for its
    batch at ``deadline`` (``time.monotonic()``), when its sender has stopped waiting, is dropped.
    """
    ref = parse_document(doc_key)
    if not isinstance(message, dict):
        raise InvalidInput(_("The sync message must be an object."))
    item = _Sync(person_id=person_id, coop_id=coop_id, client_id=client_id, message=message, deadline=deadline)
    # End this thread's read transaction before waiting for the batch: a hundred tabs waiting
    # must not hold a hundred pooled connections (the pool has 15; the batch needs one).
    db.session.rollback()
    job = _SYNCS.submit(ref.key, Job(item), lambda jobs: _apply_batch(ref, jobs))
    if job.error is not None:
        raise job.error
    if item.refusal is not None:
        item.refusal()
    return ref, item.reply, item.changed, item.version


def save(*, actor: Person, doc_key: str, message: str, coop: Cooperative | None = None):
    """Save the live text as a new revision (section) or amendment draft, crediting every co-author."""
    document = load_document(doc_key)
    _check(actor, document)
    draft = db.session.scalar(select(SharedDraft).where(SharedDraft.doc_key == document.key))
    if draft is None:
        raise NotFound(_("Nobody is editing this text."))
    text, base_id = normalise(draft.text), draft.base_id
    credits = [(int(person), coop_id) for person, coop_id in (draft.contributors or {}).items()]
    coop = acting_coop(actor, coop)
    if document.kind == "section":
        section = document.obj
        result = standards.revise_section(actor=actor, section=section, title=section.title, body=text, message=message,
                                          base_revision_id=base_id, coop=coop, credits=credits)
        new_base = result.id
    else:
        from ..proposals import services as proposals

        amendment = document.obj
        result = proposals.edit_amendment(actor=actor, amendment=amendment, expected_draft_id=base_id,
                                          summary=amendment.summary, rationale=amendment.rationale,
                                          proposed_title=amendment.head.proposed_title, proposed_body=text,
                                          target_position=amendment.head.target_position, coop=coop)
        new_base = result.id
    with unit_of_work() as session:
        live = session.scalar(select(SharedDraft).where(SharedDraft.doc_key == document.key).with_for_update())
        live.base_id, live.contributors = new_base, {}
    return result
