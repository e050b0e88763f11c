"""Co-editing operations: join a shared draft, synchronise, save it as an attributed revision.

Every sync runs in one write transaction that locks the shared draft's row, so concurrent
messages from several tabs (or several server processes) are applied one at a time, and the
server's shadows are stored before the reply leaves: a reconnect, or another process, simply
continues.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import select

from .. import limits
from ..database import unit_of_work, utcnow
from ..errors import Conflict, InvalidInput, NotFound, PermissionDenied
from ..extensions import db
from ..members.models import Cooperative, Person
from ..members.services import acting_coop
from ..proposals import permissions as amendment_permissions
from ..proposals.models import Amendment
from ..realtime.sync import RejoinRequired, ServerSession, SyncError, server_receive
from ..standards import permissions as standard_permissions
from ..standards import services as standards
from ..standards.models import Section
from ..text.normalise import normalise
from .models import SharedDraft, SyncSession

_DOC = re.compile(r"^(section|amendment):([0-9]{1,10})$")
_CLIENT = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
MAX_TEXT = limits.SECTION_BODY


@dataclass
class Document:
    kind: str
    obj: Section | Amendment

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.obj.id}"

    @property
    def room(self) -> str:
        return f"coedit_{self.kind}:{self.obj.id}"

    def head(self) -> tuple[int | None, str]:
        """The saved text people start from, and its id."""
        if self.kind == "section":
            return self.obj.head_revision_id, self.obj.body
        return self.obj.head_draft_id, self.obj.head.proposed_body


def load_document(doc_key: str) -> Document:
    match = _DOC.match(doc_key) if isinstance(doc_key, str) else None
    if not match:
        raise InvalidInput(_("Say which text to edit, like section:5."))
    model = Section if match.group(1) == "section" else Amendment
    ident = limits.parse_id(match.group(2))
    obj = db.session.get(model, ident) if ident is not None else None
    if obj is None:
        raise NotFound(_("That text does not exist."))
    return Document(match.group(1), obj)


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
    base_id, text = document.head()
    if draft is None:
        draft = SharedDraft(doc_key=document.key, text=text, base_id=base_id, version=0, contributors={})
        session.add(draft)
        session.flush()
    elif draft.base_id != base_id and not draft.contributors:
        # Saved elsewhere (an edit form, an adopted amendment) and nothing unsaved here: follow it.
        draft.text, draft.base_id, draft.version = text, base_id, draft.version + 1
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


def sync(*, actor: Person, doc_key: str, client_id: str, message: dict,
         coop: Cooperative | None = None) -> tuple[Document, dict, bool, int]:
    """Apply a client's message; returns (document, reply, whether the text changed, version)."""
    document = load_document(doc_key)
    _check(actor, document)
    if not isinstance(message, dict):
        raise InvalidInput(_("The sync message must be an object."))
    # The co-op the edit is credited to: one the person is a delegate of, never one they name freely.
    acting = acting_coop(actor, coop) if coop is not None else next(iter(actor.acting_coops), None)
    with unit_of_work() as session:
        draft = _draft(session, document, lock=True)
        row = session.scalar(select(SyncSession).where(SyncSession.shared_draft_id == draft.id,
                                                       SyncSession.client_id == client_id))
        if row is None or row.person_id != actor.id:
            raise Conflict(_("This editing session has ended: reload the page to continue."))
        try:
            text, server, reply = server_receive(draft.text, ServerSession.from_dict(row.state), message)
        except RejoinRequired as error:
            raise Conflict(_("This editing session cannot continue: reload the page.")) from error
        except SyncError as error:
            raise InvalidInput(_("Malformed sync message: %(error)s", error=error)) from error
        if len(text) > MAX_TEXT:
            raise InvalidInput(_("The text would be longer than %(MAX_TEXT)s characters.", MAX_TEXT=format_decimal(MAX_TEXT)))
        limits.refuse_control_characters(text, "text")
        changed = text != draft.text
        if changed:
            draft.text, draft.version, draft.updated_at = text, draft.version + 1, utcnow()
            contributors = dict(draft.contributors or {})
            contributors[str(actor.id)] = acting.id if acting else None
            draft.contributors = contributors
        row.state, row.updated_at = server.to_dict(), utcnow()
        version = draft.version
    return document, reply, changed, version


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
