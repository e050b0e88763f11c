"""Property-based: schemathesis generates requests from the OpenAPI document, reads and writes
(with a token holding every scope), and checks each answer: no 5xx, documented statuses, content
types and headers, and bodies that match their schemas. Bounded to stay under a minute."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import checks as st_checks

MAX_EXAMPLES = 6
CHECKS = [st_checks.not_a_server_error, st_checks.status_code_conformance, st_checks.content_type_conformance,
          st_checks.response_schema_conformance, st_checks.response_headers_conformance]


def _known(world) -> dict[str, object]:
    """Path values that exist, so that generated requests reach the services, not only 404."""
    from deliberate.discussions.models import Comment
    from deliberate.extensions import db

    comment = db.session.get(Comment, world["comment"].id)
    return {"slug": world["standard"].slug, "key": world["section"].key, "number": "1.0", "revision": 1,
            "amendment_id": world["opened"].id, "subject_kind": "standard", "subject_id": world["standard"].id,
            "thread_id": comment.thread_id, "comment_id": comment.id, "vote_id": world["vote"].id,
            "objection_id": world["objection"].id, "coop_slug": world["member"].slug}


def _property_of(operation, known: dict, token: str):
    """The property test of one operation: any request it generates gets an answer its document allows."""

    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(), use_known=st.booleans(), with_token=st.booleans())
    def run(case, use_known, with_token):
        if use_known and case.path_parameters:
            case.path_parameters = {name: known.get(name, value) for name, value in case.path_parameters.items()}
        headers = {"Authorization": f"Bearer {token}"} if with_token or operation.method.upper() != "GET" else {}
        case.call_and_validate(headers=headers, checks=CHECKS)

    return run


@pytest.mark.slow
def test_the_api_keeps_the_promises_of_its_openapi_document(app, world, make_token):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    token = make_token(world["delegate"])
    known = _known(world)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 30
    failures = []
    for operation in operations:
        try:
            _property_of(operation, known, token)()
        except Exception as error:  # collect every operation's failure, then report them together
            failures.append(f"{operation.method.upper()} {operation.path}: {error}")
    assert not failures, "\n\n".join(failures)
