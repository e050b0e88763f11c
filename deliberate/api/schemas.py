"""The API's data shapes as JSON Schema: published in the OpenAPI document (components) and
used to check request bodies (validation.py) and, in tests, every response. One source of truth.
Pure: no Flask, no database."""
from __future__ import annotations

from typing import Any

from .. import limits

MAX_ID = limits.MAX_ID
SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{0,79}$"


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` or null (OpenAPI 3.1: a type list, or anyOf for a $ref)."""
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    kind = schema["type"]
    return {**schema, "type": [*(kind if isinstance(kind, list) else [kind]), "null"]}


def obj(properties: dict[str, Any], required: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    """A closed object: every property listed, none other allowed."""
    return {"type": "object", "properties": properties,
            "required": list(properties) if required is None else required, "additionalProperties": False, **extra}


STRING = {"type": "string"}
INT = {"type": "integer"}
ID = {"type": "integer", "minimum": 1}
BOOL = {"type": "boolean"}
DATETIME = {"type": "string", "format": "date-time"}
# An amendment's phase and the timestamps that decide it (docs/governance.md, "Phases and last call").
PHASE_FIELDS = {
    "phase": {"type": "string", "enum": ["draft", "discussion", "last_call", "ready", "voting", "decided", "withdrawn",
                                         "superseded", "conflicted"]},
    "opened_at": nullable(DATETIME), "last_call_at": nullable(DATETIME), "last_call_ends_at": nullable(DATETIME),
    "vote_opened_at": nullable(DATETIME),
}
FREE = {"type": "object"}


def text(max_length: int, min_length: int = 0, **extra: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "maxLength": max_length, **extra}
    if min_length:
        schema["minLength"] = min_length
    return schema


COMPONENTS: dict[str, dict[str, Any]] = {
    "Error": obj({"error": obj({
        "code": {**STRING, "description": "A stable, machine-readable code, e.g. `invalid_input`."},
        "message": {**STRING, "description": "What went wrong, in plain words."},
        "fields": {"type": "object", "additionalProperties": {"type": "array", "items": STRING},
                   "description": "Per-field messages (dotted paths for nested fields)."},
    }, required=["code", "message"])}),
    "CoopRef": obj({"slug": STRING, "name": STRING}),
    "Coop": obj({"slug": STRING, "name": STRING, "country": STRING,
                 "kind": {"type": "string", "enum": ["worker", "platform", "data", "consumer",
                                                     "multi-stakeholder", "other"]},
                 "status": {"type": "string", "enum": ["applicant", "member", "suspended", "left"]},
                 "description": STRING, "website": STRING, "member_since": nullable(DATETIME)}),
    "SectionSummary": obj({"key": STRING, "position": INT, "kind": STRING, "title": STRING,
                           "head_revision": nullable(INT)}),
    "StandardSummary": obj({"slug": STRING, "title": STRING, "summary": STRING,
                            "maturity": {"type": "string", "enum": ["draft", "candidate", "ratified"]},
                            "latest_version": nullable(STRING), "created_at": DATETIME}),
    "Standard": obj({"slug": STRING, "title": STRING, "summary": STRING,
                     "maturity": {"type": "string", "enum": ["draft", "candidate", "ratified"]},
                     "latest_version": nullable(STRING), "created_at": DATETIME,
                     "policy": {**FREE, "description": "The policy in force: the network's rules with the "
                                "standard's own entries over them, complete (rules, quorums, phases, who opens what)."},
                     "policy_stored": {**FREE, "description": "Only what this standard sets apart from the network's rules."},
                     "sections": {"type": "array", "items": ref("SectionSummary"),
                                  "description": "The working draft's sections, in order."}}),
    "Revision": obj({"id": ID, "number": INT, "title": STRING, "body": STRING, "message": STRING,
                     "author": {**STRING, "description": "A name, or “a former delegate” once erased."},
                     "coop": nullable(ref("CoopRef")),
                     "credits": {"type": "array", "items": obj({"name": STRING, "coop": nullable(ref("CoopRef"))}),
                                 "description": "Everyone else who wrote it with the author (live co-editing); "
                                                "names as for the author."},
                     "amendment_id": nullable(INT), "created_at": DATETIME}),
    "Section": obj({"standard": STRING, "key": STRING, "position": INT, "kind": STRING, "title": STRING,
                    "body": STRING, "retired_at": nullable(DATETIME), "head": nullable(ref("Revision"))}),
    "VersionSummary": obj({"number": STRING, "attempt": INT,
                           "state": {"type": "string", "enum": ["candidate", "ratified", "failed"]},
                           "level": STRING, "title": STRING, "summary": STRING, "content_hash": STRING,
                           "amendment_ids": {"type": "array", "items": INT}, "vote_id": nullable(INT),
                           "created_at": DATETIME, "ratified_at": nullable(DATETIME),
                           "failed_at": nullable(DATETIME), "decision_note": STRING}),
    "VersionSection": obj({"key": STRING, "position": INT, "kind": STRING, "title": STRING, "body": STRING,
                           "revision_id": nullable(INT)}),
    "Version": obj({"standard": STRING, "number": STRING, "attempt": INT,
                    "state": {"type": "string", "enum": ["candidate", "ratified", "failed"]},
                    "level": STRING, "level_reasons": {"type": "array", "items": STRING}, "title": STRING,
                    "summary": STRING, "content_hash": STRING, "amendment_ids": {"type": "array", "items": INT},
                    "vote_id": nullable(INT), "previous": nullable(STRING), "created_at": DATETIME,
                    "ratified_at": nullable(DATETIME), "failed_at": nullable(DATETIME), "decision_note": STRING,
                    "sections": {"type": "array", "items": ref("VersionSection")}}),
    "AmendmentSummary": obj({"id": ID, "reference": STRING, "standard": STRING, "section": nullable(STRING),
                             "kind": {"type": "string", "enum": ["modify", "retitle", "insert", "delete", "move",
                                                                 "policy"]},
                             "state": STRING, "title": STRING, "summary": STRING, "author": STRING,
                             "coop": nullable(ref("CoopRef")), "group_id": nullable(INT), "created_at": DATETIME,
                             "updated_at": DATETIME, "decided_at": nullable(DATETIME), **PHASE_FIELDS}),
    "AmendmentDraft": obj({"id": ID, "number": INT, "base_revision": nullable(ref("Revision")),
                           "proposed_title": STRING, "proposed_body": STRING, "target_position": nullable(INT),
                           "reason": STRING, "note": STRING, "created_at": DATETIME,
                           "proposed_policy": nullable({**FREE, "description": "A policy amendment's proposed "
                                                        "policy, as it would be stored."}),
                           "base_policy": nullable({**FREE, "description": "The stored policy it was written "
                                                    "against."})}),
    "Amendment": obj({"id": ID, "reference": STRING, "standard": STRING, "section": nullable(STRING),
                      "kind": {"type": "string", "enum": ["modify", "retitle", "insert", "delete", "move", "policy"],
                               "description": "`policy`: a change to a policy (docs/governance-rules.md)."},
                      "state": STRING, "title": STRING, "summary": STRING, "rationale": STRING, "author": STRING,
                      "coop": nullable(ref("CoopRef")), "coauthors": {"type": "array", "items": obj({
                          "name": STRING, "coop": nullable(ref("CoopRef"))})},
                      "group_id": nullable(INT), "created_at": DATETIME, "updated_at": DATETIME,
                      "decided_at": nullable(DATETIME), "draft": nullable(ref("AmendmentDraft")),
                      "change_kind": {"type": "string", "enum": ["principle", "guidance", "editorial"]},
                      "terms": {**FREE, "description": "The policy's terms for this kind of change, copied "
                                "into the amendment when it was opened: rule, quorum, phase durations."},
                      **PHASE_FIELDS,
                      "phase_ends_at": nullable({**DATETIME, "description": "When the current phase ends (a last "
                                                 "call) or may end at the earliest (a discussion)."}),
                      "last_call_from": nullable({**DATETIME, "description": "From when its last call may start "
                                                  "(in discussion)."}),
                      "vote_from": nullable({**DATETIME, "description": "From when a vote may open on it, once "
                                             "known."})}),
    "Thread": obj({"id": ID, "subject_kind": {"type": "string", "enum": ["standard", "section", "amendment", "vote"]},
                   "subject_id": ID, "title": {**STRING, "description": "Empty for the subject's main thread."},
                   "comment_count": INT, "created_at": DATETIME}),
    "Comment": obj({"id": ID, "thread_id": ID, "parent_id": nullable(INT), "author": STRING,
                    "coop": {**STRING, "description": "The co-op the author spoke for, “steward”, or empty."},
                    "body": nullable({**STRING, "description": "Markdown; null when hidden by a steward."}),
                    "html": {**STRING, "description": "The body rendered safely (or the steward's notice)."},
                    "quote": nullable(STRING), "hidden": BOOL, "hidden_reason": nullable(STRING),
                    "created_at": DATETIME, "edited_at": nullable(DATETIME)}),
    "Turnout": obj({"voted": INT, "electorate": INT}),
    "VoteSummary": obj({"id": ID, "title": STRING, "subject_kind": STRING, "subject_id": INT,
                        "standard": nullable(STRING),
                        "state": {"type": "string", "enum": ["open", "closed", "cancelled"]},
                        "method": {"type": "string", "enum": ["majority", "supermajority", "consent", "ranked"]},
                        "secret": BOOL, "opens_at": DATETIME, "closes_at": DATETIME,
                        "closed_at": nullable(DATETIME), "passed": nullable(BOOL), "turnout": ref("Turnout")}),
    "Outcome": obj({"passed": BOOL, "quorum_met": BOOL, "failed_only_on_quorum": BOOL, "winner": nullable(STRING),
                    "turnout": INT, "electorate_size": INT, "counts": FREE, "explanation": STRING, "details": FREE}),
    "YourBallot": obj({"coop": ref("CoopRef"), "can_vote": BOOL,
                       "receipt": nullable({**STRING, "description": "Secret votes: find it in the record."}),
                       "receipt_hash": nullable({**STRING, "description": (
                           "Your co-op's receipt for its counted ballot (the hash of its entry's data): "
                           "`deliberate verify vote-N.jsonl --receipt HASH` finds it in the published record.")}),
                       "ballot": nullable(ref("Ballot"))}),
    "Ballot": obj({"coop": ref("CoopRef"), "choice": nullable(STRING), "ranking": nullable({"type": "array",
                                                                                            "items": STRING}),
                   "note": STRING, "cast_by": STRING, "cast_at": DATETIME, "updated_at": DATETIME,
                   "entry_hash": STRING, "proxy_holder": nullable(ref("CoopRef"))}),
    "Vote": obj({"id": ID, "title": STRING, "subject_kind": STRING, "subject_id": INT, "standard": nullable(STRING),
                 "state": {"type": "string", "enum": ["open", "closed", "cancelled"]},
                 "method": {"type": "string", "enum": ["majority", "supermajority", "consent", "ranked"]},
                 "secret": BOOL, "opens_at": DATETIME, "closes_at": DATETIME, "closed_at": nullable(DATETIME),
                 "passed": nullable(BOOL), "turnout": ref("Turnout"),
                 "rule": {**FREE, "description": "The rule, fixed when the vote opened."},
                 "rule_preset": STRING, "rule_text": STRING,
                 "terms": nullable({**FREE, "description": "The policy's terms when the vote opened: the kind of "
                                    "change it decides and why this rule (null for older votes)."}),
                 "choices": {"type": "array", "items": STRING},
                 "alternatives": {"type": "array", "items": obj({"id": STRING, "label": STRING}),
                                  "description": "Ranked votes: what may be ranked (the status quo included)."},
                 "text": STRING, "text_hash": STRING,
                 "electorate": {"type": "array", "items": ref("CoopRef")},
                 "result": nullable(ref("Outcome")), "running_totals": nullable(FREE),
                 "effect_note": STRING, "cancel_reason": STRING, "outcome_statement": STRING,
                 "review_date": nullable({"type": "string", "format": "date"}),
                 "second_call_of": nullable(INT),
                 "your_coops": {"type": "array", "items": ref("YourBallot"),
                                "description": "With a token: the co-ops you are a delegate of in this vote."}}),
    "Objection": obj({"id": ID, "vote_id": ID, "kind": {"type": "string", "enum": ["objection", "concern"]},
                      "coop": nullable(ref("CoopRef")), "passage": STRING, "argument": STRING, "paramount": BOOL,
                      "status": STRING, "resolution_note": STRING, "resolved_amendment_id": nullable(INT),
                      "created_at": DATETIME, "resolved_at": nullable(DATETIME)}),
    "Me": obj({"name": STRING, "steward": BOOL,
               "coops": {"type": "array", "items": obj({"slug": STRING, "name": STRING, "status": STRING})},
               "token": obj({"name": STRING, "prefix": STRING, "scopes": {"type": "array", "items": STRING},
                             "created_at": DATETIME, "last_used_at": nullable(DATETIME)})}),
    # Request bodies ---------------------------------------------------------------------------
    "NewAmendment": obj({
        "kind": {"type": "string", "enum": ["modify", "retitle", "insert", "delete", "move"]},
        "section": nullable({**text(80), "description": "The section's key (not for `insert`)."}),
        "summary": {**text(limits.AMENDMENT_SUMMARY, 1), "description": "What changes for co-ops, in plain words."},
        "rationale": text(limits.RATIONALE), "name": text(limits.TITLE), "proposed_title": text(limits.TITLE),
        "proposed_body": text(limits.SECTION_BODY), "target_position": nullable({"type": "integer", "minimum": 1,
                                                                    "maximum": 10_000}),
        "base_revision_id": nullable({**ID, "maximum": MAX_ID,
                                      "description": "The section revision you wrote against; 409 if it moved."}),
        "coop": nullable({**text(80), "description": "The co-op you act for (its slug), if you have several."}),
    }, required=["kind", "summary"]),
    "EditAmendment": obj({
        "expected_draft_id": {**ID, "maximum": MAX_ID,
                              "description": "The draft you edited (`draft.id`); 409 if a co-author saved since."},
        "summary": text(limits.AMENDMENT_SUMMARY, 1), "rationale": text(limits.RATIONALE), "name": text(limits.TITLE), "proposed_title": text(limits.TITLE),
        "proposed_body": text(limits.SECTION_BODY),
        "target_position": nullable({"type": "integer", "minimum": 1, "maximum": 10_000}),
        "coop": nullable(text(80)),
    }, required=["expected_draft_id"]),
    "Note": obj({"note": text(limits.MESSAGE)}, required=[]),
    "NewComment": obj({
        "body": {**text(limits.COMMENT_BODY, 1), "description": "Markdown."},
        "quote": nullable(text(limits.QUOTE)), "parent_id": nullable({**ID, "maximum": MAX_ID}),
        "thread_id": nullable({**ID, "maximum": MAX_ID}),
        "client_id": nullable({**text(64), "pattern": r"^[A-Za-z0-9_\-:.]{1,64}$",
                               "description": "Your own id for this post: a retry returns the same comment."}),
        "coop": nullable(text(80)),
    }, required=["body"]),
    "EditComment": obj({"body": text(limits.COMMENT_BODY, 1)}),
    "NewBallot": obj({
        "choice": nullable({"type": "string", "enum": ["for", "against", "abstain", "consent", "stand_aside"],
                            "description": "Majority and supermajority: for, against, abstain; consent: consent, "
                                           "stand_aside (to object, POST an objection)."}),
        "ranking": nullable({"type": "array", "items": text(64), "maxItems": 50,
                             "description": "Ranked votes: alternative ids, most preferred first; [] abstains."}),
        "note": {**text(limits.BALLOT_NOTE), "description": "The co-op's mandate: a note or link to its own decision."},
        "coop": nullable(text(80)),
    }, required=[]),
    "NewObjection": obj({
        "argument": text(limits.ARGUMENT, 1), "passage": text(limits.PASSAGE), "paramount": BOOL, "note": text(limits.BALLOT_NOTE),
        "coop": nullable(text(80)),
    }, required=["argument"]),
}


def page_of(item: str) -> dict[str, Any]:
    """A page of a list: the items, and where the next page is (null on the last)."""
    return obj({"items": {"type": "array", "items": ref(item)},
                "next_cursor": nullable({**STRING, "description": "Pass as `cursor` for the next page."}),
                "next": nullable({**STRING, "description": "The next page's URL."})})
