"""The demo network's formal objection: filed against an adopted amendment, mediated, a council
drawn, the mediator's proposal short of the short circuit (one nay), and the council's decision
(affirm, the objection overruled) with a minority opinion.

Call it after the demo's versions are seeded (deliberate/seed.py ``seed()``, after
``seed_versions``)::

    from .appeals.demo import seed_appeals
    seed_appeals(db.session)
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..members.models import Cooperative, Delegation, Person
from ..proposals.models import Amendment
from ..standards.models import Standard
from . import services
from .models import FormalObjection
from .subjects import AMENDMENTS


def _delegate(session: Session, coop: Cooperative) -> Person | None:
    return session.scalar(select(Person).join(Delegation, Delegation.person_id == Person.id)
                          .where(Delegation.coop_id == coop.id, Delegation.ended_at.is_(None),
                                 Person.erased_at.is_(None)).order_by(Delegation.id).limit(1))


def seed_appeals(session: Session, standard_slug: str = "platform-co-op-principles") -> FormalObjection | None:
    """Build the demo objection; None if the standard has no adopted amendment to object to."""
    standard = session.scalar(select(Standard).where(Standard.slug == standard_slug))
    steward = session.scalar(select(Person).where(Person.is_steward.is_(True)).order_by(Person.id).limit(1))
    if standard is None or steward is None:
        return None
    amendment = session.scalar(select(Amendment).where(Amendment.standard_id == standard.id,
                                                       Amendment.state == "adopted")
                               .order_by(Amendment.decided_at, Amendment.id).limit(1))
    if amendment is None:
        return None
    parties = AMENDMENTS.decision(session, amendment.id).parties
    members = list(session.scalars(select(Cooperative).where(Cooperative.status == "member").order_by(Cooperative.slug)))
    filer = next((c for c in members if c.id not in parties and _delegate(session, c) is not None), None)
    if filer is None:
        return None
    objection = services.file_objection(
        actor=_delegate(session, filer), coop=filer, subject_kind="amendment", subject_id=amendment.id,
        issue="The adopted wording narrows what members may decide together.",
        rationale="Our assembly read the new text as leaving out members who work part-time. Nobody meant "
                  "that, but the words allow it, and words outlast intentions.",
        proposed_change="Add “whatever their hours of work” after “every member”.")
    services.add_mediation_note(actor=steward, objection=objection,
                                note="Call with both co-ops on Tuesday: the authors agree the intent is to include "
                                     "everyone; they disagree that the words need changing.")
    services.put_proposal(actor=steward, objection=objection,
                          text="Keep the adopted text, and add a guidance note that part-time members are included.")
    services.convene_council(actor=steward, objection=objection)
    log = services.entries(session, objection.id)
    proposal = next(e for e in log if e["kind"] == "proposal")
    council = [session.scalar(select(Cooperative).where(Cooperative.slug == slug))
               for slug in log[-1]["payload"]["council"]]
    seats = [(coop, _delegate(session, coop)) for coop in council]
    seats = [(coop, person) for coop, person in seats if person is not None]
    if not seats:
        return objection
    # The short circuit: all but one for the mediator's proposal, one nay: it does not pass.
    for index, (coop, person) in enumerate(seats):
        services.cast_council_ballot(actor=person, coop=coop, objection=objection,
                                     question=f"proposal:{proposal['seq']}", choice="no" if index == 0 else "yes",
                                     reason="A note is not the text." if index == 0 else "")
    first_coop, first = seats[-1]
    draft = services.draft_decision(
        actor=first, coop=first_coop, objection=objection, outcome="affirm", finding="overruled",
        reason="The adopted text says “every member”, which includes part-time members; the council sees no "
               "ambiguity that needs a new amendment. A guidance note may still help readers.")
    for coop, person in seats[1:-1]:
        if session.get(FormalObjection, objection.id).state != "council":
            break
        services.cast_council_ballot(actor=person, coop=coop, objection=objection,
                                     question=f"decision:{draft['seq']}", choice="yes")
    session.expire_all()
    if session.get(FormalObjection, objection.id).state == "decided":
        dissent_coop, dissent = seats[0]
        services.write_minority_opinion(actor=dissent, coop=dissent_coop, objection=objection,
                                        text="We would have upheld the objection: text read in ten years will "
                                             "not carry this council's reading with it.")
    return session.get(FormalObjection, objection.id)
