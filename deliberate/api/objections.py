"""API: formal objections to decisions (public reads; filing by a member co-op's delegate).
The same data as the pages (``appeals/queries.py``); docs/appeals.md describes the process."""
from __future__ import annotations

from typing import Any

from ..appeals import queries, services
from ..extensions import db
from ..voting.subjects import parse_subject
from .auth import current_person
from .blueprint import bp
from .helpers import coop_from
from .openapi import operation, path_id
from .schemas import COMPONENTS, INT, STRING, nullable, obj, ref, text

OBJECTION = path_id("objection_id", "The formal objection's number.")

COMPONENTS.update({
    "FormalObjection": obj({
        "id": INT, "subject": {**STRING, "description": "What was decided, as `kind:id` (amendment, version, admission, …)."},
        "subject_kind": STRING, "subject_id": INT, "standard_id": nullable(INT), "title": STRING,
        "coop": {**STRING, "description": "The slug of the co-op that filed it."},
        "issue": STRING, "rationale": STRING, "proposed_change": STRING,
        "state": {"type": "string", "enum": ["filed", "mediation", "council", "decided", "settled", "withdrawn"]},
        "decided_at": STRING, "window_ends_at": STRING, "filed_at": STRING, "convened_at": nullable(STRING),
        "ended_at": nullable(STRING), "outcome": nullable(STRING), "finding": nullable(STRING), "reason": STRING,
        "reverting_amendment_id": nullable(INT),
        "record_head": {**STRING, "description": "The hash of the last entry of its record."},
        "record_url": STRING}),
    "FormalObjections": obj({"items": {"type": "array", "items": ref("FormalObjection")}}),
    "NewFormalObjection": obj({
        "subject": {**text(50, 3), "description": "The decision, as `kind:id`, e.g. `amendment:12`."},
        "issue": text(services.ISSUE, 1), "rationale": text(services.TEXT, 1),
        "proposed_change": text(services.TEXT, 1), "coop": nullable(text(80)),
    }, required=["subject", "issue", "rationale", "proposed_change"]),
})


@operation(bp, "GET", "/objections", summary="List formal objections", tag="Formal objections",
           response=(200, ref("FormalObjections"), "The newest 200 formal objections, newest first."))
def list_formal_objections() -> dict[str, Any]:
    """Every formal objection to a decision of the network, public from the moment it is filed."""
    return {"items": [queries.as_json(o) for o in queries.list_objections()]}


@operation(bp, "GET", "/objections/{objection_id}", summary="Get a formal objection", tag="Formal objections",
           params=(OBJECTION,), response=(200, ref("FormalObjection"), "The objection and where it stands."))
def get_formal_objection(objection_id: int) -> dict[str, Any]:
    """One formal objection; its step-by-step record is at `record_url` (JSON lines)."""
    return queries.as_json(queries.get_objection(objection_id))


@operation(bp, "POST", "/objections", summary="File a formal objection", tag="Formal objections", scope="write",
           token="required", body="NewFormalObjection", errors=(404, 409),
           response=(201, ref("FormalObjection"), "The objection, filed."),
           example={"subject": "amendment:12", "issue": "It changes who owns the data.",
                    "rationale": "Our members were never asked.", "proposed_change": "Keep the earlier words."})
def file_formal_objection(body: dict[str, Any]):
    """A member co-op's delegate objects to a decision within the period its terms give."""
    kind, ident = parse_subject(body["subject"])
    objection = services.file_objection(actor=current_person(), subject_kind=kind, subject_id=ident,
                                        issue=body["issue"], rationale=body["rationale"],
                                        proposed_change=body["proposed_change"], coop=coop_from(body))
    return queries.as_json(db.session.get(type(objection), objection.id)), 201
