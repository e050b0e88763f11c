"""API: amendments — read them; propose, edit, open and withdraw them (``write`` scope).

The writes call the same services as the amendment pages (deliberate/proposals/services.py)."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from ..errors import InvalidInput
from ..extensions import db
from ..proposals import queries, services
from ..proposals.models import Amendment
from ..standards import services as standards
from ..standards.models import Section
from . import present
from .auth import current_person
from .blueprint import bp
from .helpers import coop_from, listing
from .openapi import PAGE_PARAMS, operation, page, path_id
from .schemas import ref
from .standards import SLUG

AMENDMENT = path_id("amendment_id", "The amendment's number (A12 is 12).")


def _load(slug: str, amendment_id: int) -> Amendment:
    standard = standards.get_standard(slug)
    return queries.get_amendment(standard, amendment_id, current_person())


@operation(bp, "GET", "/standards/{slug}/amendments", summary="List amendments", tag="Amendments",
           params=(SLUG, *PAGE_PARAMS), response=(200, page("AmendmentSummary"), "A page of amendments, newest first."))
def list_amendments(slug: str, query: dict[str, Any]):
    """The standard's amendments you may see: every one but drafts, and your own drafts."""
    standard = standards.get_standard(slug)
    return listing(queries.list_amendments(standard, current_person()), present.amendment_summary,
                   key=lambda a: a.id, query=query, descending=True)


@operation(bp, "GET", "/standards/{slug}/amendments/{amendment_id}", summary="Get an amendment", tag="Amendments",
           params=(SLUG, AMENDMENT), response=(200, ref("Amendment"), "The amendment and its current draft."))
def get_amendment(slug: str, amendment_id: int):
    """An amendment with its current draft (the proposed text and the base revision it changes)."""
    return present.amendment(_load(slug, amendment_id))


@operation(bp, "POST", "/standards/{slug}/amendments", summary="Propose an amendment", tag="Amendments",
           scope="write", token="required", params=(SLUG,), body="NewAmendment", errors=(409,),
           response=(201, ref("Amendment"), "The amendment, saved as a draft that only its authors see."),
           example={"kind": "modify", "section": "member-ownership", "summary": "Members own the platform jointly.",
                    "proposed_title": "Member ownership",
                    "proposed_body": "Members own and govern the platform together.", "base_revision_id": 12})
def propose_amendment(slug: str, body: dict[str, Any]):
    """Start a draft amendment. `modify` (text or title), `delete` and `move` name the `section` (its
    key); `insert` and `move` give a `target_position`. Send `base_revision_id` (the section's head
    revision you wrote against) to get 409 instead of proposing over a change you did not see."""
    standard = standards.get_standard(slug)
    section = None
    if body.get("section"):
        section = db.session.scalar(select(Section).where(Section.standard_id == standard.id,
                                                          Section.key == body["section"]))
        if section is None:
            raise InvalidInput(_("This standard has no section with that key."), field_errors={"section": [_("Unknown section.")]})
    elif body["kind"] != "insert":
        raise InvalidInput(_("Name the section this amendment changes."), field_errors={"section": [_("This field is required.")]})
    amendment = services.propose_amendment(
        actor=current_person(), standard=standard, kind=body["kind"], section=section, summary=body["summary"],
        rationale=body.get("rationale", ""), proposed_title=body.get("proposed_title", ""),
        proposed_body=body.get("proposed_body", ""), target_position=body.get("target_position"),
        base_revision_id=body.get("base_revision_id"), name=body.get("name", ""), coop=coop_from(body))
    return present.amendment(db.session.get(Amendment, amendment.id)), 201


@operation(bp, "PATCH", "/standards/{slug}/amendments/{amendment_id}", summary="Edit an amendment",
           tag="Amendments", scope="write", token="required", params=(SLUG, AMENDMENT), body="EditAmendment",
           errors=(409,), response=(200, ref("Amendment"), "The amendment with its new draft."),
           example={"expected_draft_id": 31, "proposed_body": "Members own and govern the platform together, "
                                                              "one member one vote."})
def edit_amendment(slug: str, amendment_id: int, body: dict[str, Any]):
    """Refine a draft, open or conflicted amendment (its authors only): a new draft against the same
    base. Fields left out keep their current value; `expected_draft_id` is the draft you edited."""
    amendment = _load(slug, amendment_id)
    head = amendment.head
    services.edit_amendment(
        actor=current_person(), amendment=amendment, expected_draft_id=body["expected_draft_id"],
        summary=body.get("summary", amendment.summary), rationale=body.get("rationale", amendment.rationale or ""),
        proposed_title=body.get("proposed_title", head.proposed_title if head else ""),
        proposed_body=body.get("proposed_body", head.proposed_body if head else ""),
        target_position=body.get("target_position", head.target_position if head else None),
        name=body.get("name", ""), coop=coop_from(body))
    return present.amendment(db.session.get(Amendment, amendment_id))


@operation(bp, "POST", "/standards/{slug}/amendments/{amendment_id}/open", summary="Open an amendment for discussion",
           tag="Amendments", scope="write", token="required", params=(SLUG, AMENDMENT), errors=(409,),
           response=(200, ref("Amendment"), "The amendment, now open: everyone can read it."))
def open_amendment(slug: str, amendment_id: int):
    """Publish a draft amendment for discussion (its authors only)."""
    amendment = services.open_amendment(actor=current_person(), amendment=_load(slug, amendment_id))
    return present.amendment(db.session.get(Amendment, amendment.id))


@operation(bp, "POST", "/standards/{slug}/amendments/{amendment_id}/last-call", summary="Start an amendment's last call",
           tag="Amendments", scope="write", token="required", params=(SLUG, AMENDMENT), errors=(409,),
           response=(200, ref("Amendment"), "The amendment, in its last call (``phase``, ``last_call_ends_at``)."))
def start_last_call(slug: str, amendment_id: int):
    """Start the last call of an open amendment once its minimum discussion has passed (its authors or a
    steward, as the policy says): every member co-op is told, and it ends after the policy's days."""
    from ..proposals import last_call

    amendment = last_call.start_last_call(actor=current_person(), amendment=_load(slug, amendment_id))
    return present.amendment(db.session.get(Amendment, amendment.id))


@operation(bp, "POST", "/standards/{slug}/amendments/{amendment_id}/withdraw", summary="Withdraw an amendment",
           tag="Amendments", scope="write", token="required", params=(SLUG, AMENDMENT), body="Note",
           body_required=False, errors=(409,), response=(200, ref("Amendment"), "The amendment, withdrawn."),
           example={"note": "Superseded by A14."})
def withdraw_amendment(slug: str, amendment_id: int, body: dict[str, Any]):
    """Withdraw an amendment (its authors; not while it is being voted on). The note is public."""
    amendment = services.withdraw_amendment(actor=current_person(), amendment=_load(slug, amendment_id),
                                            note=body.get("note", ""))
    return present.amendment(db.session.get(Amendment, amendment.id))
