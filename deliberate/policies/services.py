"""Changing a policy: always a proposal, never an edit.

A steward proposes a change to the network's rules or to one standard's policy; it becomes a
**policy amendment** (an amendment of kind "policy", on the Network rules standard or on that
standard) carrying the proposed stored policy on its draft, with the policy it was written against.
It then goes through the ordinary process (open for discussion, a vote) under the terms the
ratchet gives it (the stricter of the current and the proposed rule), and when adopted sets the
policy (and, for the network, writes the Network rules' sections anew). It takes effect for
processes started after it: every amendment and vote copied its terms when it started.
"""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import limits
from ..database import unit_of_work
from ..errors import Conflict, InvalidInput, PermissionDenied
from ..members.models import Cooperative, Person
from ..members.permissions import is_steward
from ..members.services import acting_coop
from ..proposals.models import Amendment, AmendmentDraft, Transition
from ..proposals.services import _clean_rationale, _clean_summary, publish
from ..standards.models import Standard
from ..voting.policy import PolicyError, validate_policy
from . import editing, netrules, queries, ratchet

KIND = "policy"


def check_can_propose_policy(actor: Person | None) -> None:
    """Refuse the policy form (and its sending) to anyone but a steward."""
    if not is_steward(actor):
        raise PermissionDenied(_("Only stewards can propose a change to a policy; delegates can discuss it and "
                                 "their co-ops vote on it."))


def stored_for(standard: Standard) -> dict[str, Any]:
    """What is stored for ``standard``'s policy (the network's rules for the Network rules standard)."""
    return dict(standard.policy or {})


def in_force(standard: Standard, stored: dict[str, Any] | None = None) -> dict[str, Any]:
    """The complete policy ``stored`` (default: what is stored now) means for ``standard``."""
    stored = stored_for(standard) if stored is None else stored
    if standard.role == netrules.ROLE:
        return validate_policy(stored)
    return validate_policy(queries.overlay(queries.network_policy_stored(), stored))


def validated(proposed: dict[str, Any], *, field_for) -> dict[str, Any]:
    """``proposed`` validated and complete; InvalidInput naming the field (``field_for(message)``:
    the form's field name, or the API's path) when it does not make sense."""
    try:
        return validate_policy(proposed)
    except PolicyError as error:
        raise InvalidInput(_("The policy does not work: %(error)s", error=str(error)),
                           field_errors={field_for(str(error)): [str(error)]}) from None


def checked_policy(standard: Standard, proposed: dict[str, Any]) -> dict[str, Any]:
    """The policy to store for ``standard`` from a complete proposed policy: the network's in full,
    a standard's as what it sets differently from the network's rules. InvalidInput (with the
    field it is about) when the policy does not make sense."""
    full = validated(proposed, field_for=editing.field_for_error)
    if standard.role == netrules.ROLE:
        return full
    return editing.delta(validate_policy(queries.network_policy_stored()), full)


def propose_policy_change(*, actor: Person, standard: Standard | None, policy: dict[str, Any], summary: str,
                          rationale: str = "", name: str = "", coop: Cooperative | None = None) -> Amendment:
    """A steward proposes ``policy`` (complete) for ``standard``, or for the network (``None``:
    the Network rules standard, set up on first need). The policy amendment starts as a draft, with
    the ratchet's terms: the stricter of the rule the current policy and the proposed one give it."""
    check_can_propose_policy(actor)
    if standard is None:
        standard = netrules.ensure_network_rules(actor=actor)
    coop = acting_coop(actor, coop) if coop is not None else None
    summary, rationale = _clean_summary(summary), _clean_rationale(rationale)
    name = limits.clean_text(name, "name", limits.TITLE, multiline=False)
    stored = checked_policy(standard, policy)
    with unit_of_work() as session:
        standard = session.get(Standard, standard.id, populate_existing=True)
        base = stored_for(standard)
        if base == stored:
            raise InvalidInput(_("This proposal changes nothing: it is the policy in force."),
                               field_errors={"policy": [_("Change at least one rule.")]})
        terms = ratchet.policy_change_terms(in_force(standard, base), in_force(standard, stored))
        label = name or (_("Change the network’s rules") if standard.role == netrules.ROLE
                         else _("Change the policy of “%(title)s”", title=standard.title))
        amendment = Amendment(standard_id=standard.id, section_id=None, kind=KIND, state="draft", title=label[:200],
                              summary=summary, rationale=rationale, author_id=actor.id,
                              coop_id=coop.id if coop else None, change_kind=ratchet.POLICY_CHANGE_KIND, terms=terms)
        session.add(amendment)
        session.flush()
        draft = AmendmentDraft(amendment_id=amendment.id, number=1, base_revision_id=None, proposed_title="",
                               proposed_body="", reason="created", author_id=actor.id,
                               coop_id=coop.id if coop else None, proposed_policy=stored, base_policy=base)
        session.add(draft)
        session.flush()
        amendment.head_draft_id, amendment.head = draft.id, draft
        session.add(Transition(amendment_id=amendment.id, action="propose", from_state="draft", to_state="draft",
                               actor_id=actor.id))
        publish(session, amendment, "amendment_proposed", actor, {"title": amendment.title, "kind": KIND})
    return amendment


def terms_now(amendment: Amendment) -> dict[str, Any]:
    """The ratchet's terms for a policy amendment from the policy in force now (copied again when
    it is opened for discussion, like every amendment's terms)."""
    standard = amendment.standard
    head = amendment.head
    return ratchet.policy_change_terms(in_force(standard, head.base_policy or {}),
                                       in_force(standard, head.proposed_policy or {}))


def check_base(session: Session, amendment: Amendment) -> None:
    """A policy amendment is decided against the policy it was written on: refused if another change
    was adopted since (its authors propose again against the new policy)."""
    standard = session.get(Standard, amendment.standard_id)
    if stored_for(standard) != (amendment.head.base_policy or {}):
        raise Conflict(_("The policy changed since %(reference)s was proposed: propose the change again against "
                         "the policy in force.", reference=amendment.reference))


def apply_policy(session: Session, amendment: Amendment) -> None:
    """Inside the adoption's transaction: set the proposed policy; for the Network rules, write the
    sections whose words changed as revisions attributed to the amendment."""
    standard = session.execute(select(Standard).where(Standard.id == amendment.standard_id).with_for_update()
                               ).scalar_one()
    check_base(session, amendment)
    standard.policy = dict(amendment.head.proposed_policy or {})
    if standard.role == netrules.ROLE:
        netrules.write_sections(session, standard, validate_policy(standard.policy), amendment)


__all__ = ["KIND", "apply_policy", "check_base", "check_can_propose_policy", "checked_policy", "in_force",
           "propose_policy_change", "terms_now"]
