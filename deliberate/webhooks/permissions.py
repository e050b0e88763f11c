"""Who may manage which webhooks. Predicates only: no queries, no side effects.

A co-op's webhooks belong to the co-op: any of its current delegates (and the stewards) may see
and manage them; new ones only while the co-op is a member. Network-wide webhooks belong to the
stewards. Everyone else cannot tell that a webhook exists (the views answer 404).
"""
from __future__ import annotations

from ..members.models import Cooperative, Person
from ..members.permissions import is_delegate_of, is_steward
from .models import Webhook


def can_manage_network_hooks(person: Person | None) -> bool:
    return is_steward(person)


def can_manage_coop_hooks(person: Person | None, coop: Cooperative) -> bool:
    return is_steward(person) or is_delegate_of(person, coop)


def can_create_hook(person: Person | None, coop: Cooperative | None) -> bool:
    if coop is None:
        return can_manage_network_hooks(person)
    return coop.status == "member" and can_manage_coop_hooks(person, coop)


def can_manage_hook(person: Person | None, hook: Webhook) -> bool:
    if hook.coop_id is None:
        return can_manage_network_hooks(person)
    return hook.coop is not None and can_manage_coop_hooks(person, hook.coop)
