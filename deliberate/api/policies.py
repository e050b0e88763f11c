"""API: proposing a change to the network's rules or to one standard's policy (stewards, ``write``).

The same service as the policy pages' form (``policies.services.propose_policy_change``): the
change becomes a **policy amendment**, a draft its author then opens for discussion (`POST
/standards/{slug}/amendments/{id}/open`) and the member co-ops decide by vote. The body's `policy`
holds the entries that change, laid over the policy in force (one level of objects deep, as a
standard's own entries are laid over the network's); the whole is checked by
``voting.policy.validate_policy``, whose refusal names the entry (`policy.phases.guidance.voting_days`)."""
from __future__ import annotations

from typing import Any

from .. import limits
from ..extensions import db
from ..policies import editing, netrules, queries, services
from ..proposals.models import Amendment
from ..standards import services as standards
from . import present
from .auth import current_person
from .blueprint import bp
from .helpers import coop_from
from .openapi import operation
from .schemas import COMPONENTS, FREE, nullable, obj, ref, text
from .standards import SLUG

COMPONENTS.update({
    "NewPolicyChange": obj({
        "policy": {**FREE, "description": "The entries that change, laid over the policy in force (e.g. "
                                          "`{\"phases\": {\"guidance\": {\"voting_days\": 21}}}`); the result must be a "
                                          "valid policy (docs/governance-rules.md)."},
        "summary": {**text(limits.AMENDMENT_SUMMARY, 1), "description": "What changes for co-ops, in plain words."},
        "rationale": text(limits.RATIONALE), "name": text(limits.TITLE),
        "coop": nullable({**text(80), "description": "The co-op you act for (its slug), if you are also a delegate."}),
    }, required=["policy", "summary"]),
})

EXAMPLE = {"policy": {"phases": {"guidance": {"voting_days": 21}}},
           "summary": "Votes on guidance stay open three weeks, so small co-ops can meet first.",
           "rationale": "Several co-ops meet monthly."}


def _api_field(message: str) -> str:
    path = editing.path_for_error(message)
    return f"policy.{path}" if path else "policy"


def _propose(standard, body: dict[str, Any]):
    actor = current_person()
    services.check_can_propose_policy(actor)
    network = standard is None or standard.role == netrules.ROLE
    current = queries.network_policy() if network else queries.policy_for(standard)
    proposed = queries.overlay(current, body["policy"])
    services.validated(proposed, field_for=_api_field)
    amendment = services.propose_policy_change(actor=actor, standard=standard, policy=proposed,
                                               summary=body["summary"], rationale=body.get("rationale") or "",
                                               name=body.get("name") or "", coop=coop_from(body))
    return present.amendment(db.session.get(Amendment, amendment.id)), 201


@operation(bp, "POST", "/policy/proposals", summary="Propose a change to the network's rules", tag="Policies",
           scope="write", token="required", body="NewPolicyChange", errors=(409,),
           response=(201, ref("Amendment"), "The policy amendment, saved as a draft (kind `policy`, on the Network "
                                            "rules standard)."), example=EXAMPLE)
def propose_network_policy(body: dict[str, Any]):
    """A steward proposes a change to the network's rules. It is decided as an amendment of the
    Network rules standard, under the stricter of the current and the proposed rule."""
    return _propose(None, body)


@operation(bp, "POST", "/standards/{slug}/policy/proposals", summary="Propose a change to a standard's policy",
           tag="Policies", scope="write", token="required", params=(SLUG,), body="NewPolicyChange", errors=(409,),
           response=(201, ref("Amendment"), "The policy amendment, saved as a draft (kind `policy`)."), example=EXAMPLE)
def propose_standard_policy(slug: str, body: dict[str, Any]):
    """A steward proposes a change to how changes to one standard are decided. The standard keeps
    only what it sets apart from the network's rules."""
    return _propose(standards.get_standard(slug), body)
