"""The Network rules standard: the network's own rules, as a standard of their own.

Its ``policy`` column is the network's stored policy (``policies.queries.network_policy_stored``
reads it), and its sections are that policy in plain words (``rules_text.render_sections``),
shown like any standard with versions and a changelog. Its text never changes by a direct edit:
when the member co-ops adopt a policy amendment on it, the policy is set and every section whose
words changed gets a new revision attributed to that amendment (:func:`write_sections`), so the
next version and its changelog show the change.
"""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import PermissionDenied
from ..extensions import db
from ..members.models import Person
from ..members.permissions import is_steward
from ..standards.models import Revision, Section, Standard
from ..voting.policy import validate_policy
from . import rules_text

ROLE = "network-rules"
TITLE = "Network rules"
SUMMARY = ("The network's own rules: how each kind of change is decided, how long each step lasts, how co-ops "
           "are admitted, proxies and the council. Written from the network's policy; they change only through "
           "an amendment the member co-ops adopt, under the stricter of the current and the proposed rule.")


def network_rules_standard(session: Session | None = None) -> Standard | None:
    """The Network rules standard, or None while the network has none yet."""
    return (session or db.session).scalar(select(Standard).where(Standard.role == ROLE))


def stored_policy(session: Session | None = None) -> dict[str, Any]:
    """The network's stored policy ({} while there is no Network rules standard)."""
    policy = (session or db.session).scalar(select(Standard.policy).where(Standard.role == ROLE))
    return dict(policy or {})


def ensure_network_rules(*, actor: Person, policy: dict[str, Any] | None = None) -> Standard:
    """The Network rules standard, created (by a steward, as a draft, with its generated sections
    and the network's policy in force: the defaults, or ``policy``) if the network has none yet."""
    existing = network_rules_standard()
    if existing is not None:
        return existing
    if not is_steward(actor):
        raise PermissionDenied(_("Only stewards can set up the network's rules."))
    from ..standards import services as standards

    full = validate_policy(policy)
    sections = rules_text.render_sections(full)
    return standards.create_standard(actor=actor, title=TITLE, summary=SUMMARY, role=ROLE, policy=full,
                                     sections=[(title, body) for _key, title, body in sections],
                                     keys=[key for key, _title, _body in sections])


def write_sections(session: Session, standard: Standard, policy: dict[str, Any], amendment: Any) -> list[Revision]:
    """Inside the adoption's transaction: every generated section whose words differ under
    ``policy`` gets a new revision attributed to ``amendment`` (a missing one is added at the end)."""
    written = []
    sections = {s.key: s for s in session.scalars(select(Section).where(Section.standard_id == standard.id,
                                                                        Section.retired_at.is_(None)))}
    last = max((s.position for s in sections.values()), default=0)
    for key, title, body in rules_text.render_sections(policy):
        section = sections.get(key)
        message = f"{amendment.reference}: {amendment.title}"[:500]
        if section is None:
            last += 1
            section = Section(standard_id=standard.id, key=key, position=last, kind="principle")
            session.add(section)
            session.flush()
            number, parent = 1, None
        else:
            session.execute(select(Section.id).where(Section.id == section.id).with_for_update())
            head = section.head
            if head is not None and head.title == title and head.body == body:
                continue
            number, parent = (head.number + 1, head.id) if head else (1, None)
        revision = Revision(section_id=section.id, number=number, parent_id=parent, title=title, body=body,
                            message=message, author_id=amendment.author_id, coop_id=amendment.coop_id,
                            amendment_id=amendment.id)
        session.add(revision)
        session.flush()
        section.head_revision_id = revision.id
        section.head = revision
        written.append(revision)
    return written


__all__ = ["ROLE", "TITLE", "ensure_network_rules", "network_rules_standard", "stored_policy", "write_sections"]
