"""API: the registry of declarations — read who declares what (public), and declare or re-affirm
for your own co-op (``write``). The writes call the same services as the registry's pages."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from ..database import utcnow
from ..errors import NotFound
from ..extensions import db
from ..registry import presenting, queries, rules, services
from ..registry.models import DeclarationQuestion
from ..versions import queries as versions
from .auth import current_person
from .blueprint import bp
from .helpers import coop_from, listing
from .openapi import PAGE_PARAMS, Param, operation, page, path_id, path_slug
from .schemas import BOOL, COMPONENTS, DATETIME, ID, INT, STRING, nullable, obj, ref, text

SLUG = path_slug("slug", "The standard's slug, e.g. `platform-co-op-principles`.")
NUMBER = Param("number", "path", {"type": "string", "pattern": r"^\d{1,6}\.\d{1,6}(\.\d{1,6})?$"},
               "The ratified version's number, e.g. `1.0`.", True)
DECLARATION = path_id("declaration_id", "The declaration's id.")
QUESTION = path_id("question_id", "The question's id (`questions[].id` of a declaration).")

_CLAIM = obj({"key": STRING, "status": {"type": "string", "enum": list(rules.STATUSES)},
              "justification": STRING, "evidence_url": nullable(STRING), "carried": BOOL})
_COOP = obj({"slug": STRING, "name": STRING})
COMPONENTS.update({
    "DeclarationQuestion": obj({
        "id": ID, "declaration_id": ID, "state": {"type": "string", "enum": ["open", "answered", "escalated"]},
        "coop": _COOP, "section": nullable(STRING), "reasons": STRING, "asked_by": STRING, "asked_at": DATETIME,
        "answer": nullable(STRING), "answered_at": nullable(DATETIME), "answered_by": nullable(STRING),
        "escalated_at": nullable(DATETIME),
        "objection_id": {**nullable(INT), "description": "The formal objection its escalation filed "
                                                          "(`GET /objections/{objection_id}`)."}}),
    "Declaration": obj({
        "id": ID, "url": STRING, "coop": _COOP, "standard": STRING, "version": STRING,
        "stance": {"type": "string", "enum": list(rules.STANCES)},
        "state": {"type": "string", "enum": list(rules.STATES),
                  "description": "current (in force), lapsed (past the policy's period) or superseded (a newer "
                                 "declaration of the same co-op replaces it)."},
        "declared_at": DATETIME, "expires_at": DATETIME,
        "declared_by": {**STRING, "description": "The delegate who signed it, or “a former delegate of X”."},
        "reaffirms": nullable(INT), "note": STRING,
        "record_hash": {**STRING, "description": "The hash of its entry in /registry.jsonl."},
        "sections": {"type": "array", "items": _CLAIM},
        "questions": {"type": "array", "items": ref("DeclarationQuestion")}}),
    "NewDeclaration": obj({
        "coop": nullable({**text(80), "description": "The co-op you declare for (its slug), if you have several."}),
        "stance": {"type": "string", "enum": list(rules.STANCES)},
        "reaffirm": {**BOOL, "description": "Re-affirm your co-op's declaration of an earlier version: `sections` "
                                            "then covers only the sections added or changed since."},
        "note": text(rules.MAX_NOTE),
        "sections": {"type": "array", "maxItems": 500, "items": obj({
            "key": text(80, 1), "status": {"type": "string", "enum": list(rules.STATUSES)},
            "justification": text(rules.MAX_JUSTIFICATION),
            "evidence_url": nullable({**text(rules.MAX_EVIDENCE_URL),
                                      "description": "https only; shown as a link, never fetched by the server."}),
        }, required=["key", "status"])},
    }, required=["stance"]),
    "Escalation": obj({"proposed_change": nullable({**text(20_000), "description": "What should change; left "
                                                   "out, you ask that the co-op corrects its declaration or shows "
                                                   "that it is true."})}, required=[]),
})


def _present(view: queries.DeclarationView) -> dict[str, Any]:
    questions = db.session.scalars(db.select(DeclarationQuestion).where(
        DeclarationQuestion.declaration_id == view.id).order_by(DeclarationQuestion.id))
    return {**presenting.declaration(view), "questions": [presenting.question(q) for q in questions]}


@operation(bp, "GET", "/standards/{slug}/declarations", summary="List a standard's declarations", tag="Registry",
           params=(SLUG, *PAGE_PARAMS),
           response=(200, page("Declaration"), "A page of declarations, newest first, each with its state."))
def list_declarations(slug: str, query: dict[str, Any]):
    """Every declaration made for the standard's ratified versions: in force, lapsed or superseded."""
    standard = versions.get_standard(slug)
    views = queries.standard_declarations(standard, utcnow())
    return listing(views, _present, key=lambda v: v.id, query=query, descending=True)


@operation(bp, "GET", "/declarations/{declaration_id}", summary="Get a declaration", tag="Registry",
           params=(DECLARATION,), response=(200, ref("Declaration"), "The declaration, its claims and questions."))
def get_declaration(declaration_id: int):
    """One declaration: the co-op's stance, its claim per section with evidence, and the questions on it."""
    return _present(queries.declaration_view(services.get_declaration(declaration_id), utcnow()))


@operation(bp, "POST", "/standards/{slug}/versions/{number}/declarations", summary="Declare for your co-op",
           tag="Registry", scope="write", token="required", params=(SLUG, NUMBER), body="NewDeclaration",
           errors=(409,), response=(201, ref("Declaration"), "The declaration, on the public record."),
           example={"stance": "adopts", "sections": [
               {"key": "member-ownership", "status": "met", "justification": "Riders own every share.",
                "evidence_url": "https://kazi.example.org/bylaws"}]})
def declare(slug: str, number: str, body: dict[str, Any]):
    """Declare where your co-op stands on a ratified version, section by section (delegates of
    member co-ops, for their own co-op); or, with `reaffirm`, re-affirm an earlier declaration on
    the sections that changed."""
    standard = versions.get_standard(slug)
    version = versions.get_version(standard, number)
    if not version.is_ratified:
        raise NotFound(_("“%(title)s” has no ratified version %(number)s.", title=standard.title, number=number))
    person = current_person()
    coop = coop_from(body) or services.acting_coop(person)
    claims = {s["key"]: {"status": s["status"], "justification": s.get("justification") or "",
                         "evidence_url": s.get("evidence_url") or ""} for s in body.get("sections") or []}
    if body.get("reaffirm"):
        made = services.reaffirm(actor=person, coop=coop, version=version, claims=claims, stance=body["stance"],
                                 note=body.get("note") or "")
    else:
        made = services.declare(actor=person, coop=coop, version=version, stance=body["stance"], claims=claims,
                                note=body.get("note") or "")
    return _present(queries.declaration_view(services.get_declaration(made.id), utcnow())), 201


@operation(bp, "POST", "/questions/{question_id}/escalate", summary="Take a question to a formal objection",
           tag="Registry", scope="write", token="required", params=(QUESTION,), body="Escalation", body_required=False,
           errors=(409,), response=(201, ref("FormalObjection"), "The formal objection filed for the question."),
           example={"proposed_change": "Mark the data rights section not met."})
def escalate_question(question_id: int, body: dict[str, Any]):
    """The co-op that asked takes its unresolved question to the formal objection process: in one
    step the objection is filed (subject `declaration_question:{id}`, by your co-op) and the
    question marked escalated. Refused once the period for objections has ended."""
    from ..appeals import queries as appeals
    from ..appeals.models import FormalObjection

    question = services.escalate_question(actor=current_person(), question=services.get_question(question_id),
                                          proposed_change=(body or {}).get("proposed_change") or "")
    return appeals.as_json(db.session.get(FormalObjection, question.objection_id)), 201
