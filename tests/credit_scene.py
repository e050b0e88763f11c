"""A small world for the contribution records: a co-edit, an adopted amendment with a co-author,
an objection it resolved, two ratified versions (tests/integration/test_credit.py, tests/web, tests/api)."""
from __future__ import annotations

from datetime import timedelta

from deliberate.database import utcnow
from deliberate.extensions import db
from deliberate.proposals import adoption
from deliberate.proposals import services as proposals
from deliberate.standards import services as standards
from deliberate.versions import services as versions
from deliberate.versions.models import Version
from deliberate.voting import closing, objections
from deliberate.voting import services as voting

SECTIONS = [("Member ownership", "Members own the platform."),
            ("Data rights", "Members own their data.")]


def ratify(steward, voters, standard, summary="A version.") -> Version:
    version = versions.assemble_version(actor=steward, standard=standard, summary=summary)
    vote = versions.open_ratification_vote(actor=steward, version=version, closes_at=utcnow() + timedelta(days=7))
    for delegate in voters:
        voting.cast_ballot(actor=delegate, vote=vote, choice="for")
    closing.close_vote(actor=steward, vote=vote)
    db.session.expire_all()
    return db.session.get(Version, version.id)


def build_scene(steward, make_coop, make_delegate, make_standard, kazi_name="Kazi Riders"):
    kazi, mesa, tide = make_coop(name=kazi_name), make_coop(name="Mesa Data"), make_coop(name="Tide Co-op")
    ana = make_delegate(coop=kazi, name="Ana Pérez", email="ana@example.org")
    bo = make_delegate(coop=mesa, name="Bo Lind", email="bo@example.org")
    cy = make_delegate(coop=tide, name="Cy Moss", email="cy@example.org")
    standard = make_standard(title="Member Data Rights", sections=SECTIONS)
    standard.policy = {"steward_may_adopt": ["principle", "guidance", "editorial"]}
    db.session.commit()
    first = ratify(steward, [ana, bo, cy], standard, "The founding text.")
    ownership, data = standard.sections[0], standard.sections[1]
    # Ana and Bo co-edit the first section: six new words, shared three and three.
    standards.revise_section(actor=ana, section=ownership, title=ownership.title,
                             body="Members own the platform. Each member holds one equal share.",
                             message="Shares", base_revision_id=ownership.head_revision_id, credits=[(bo.id, mesa.id)])
    # Bo proposes (with Ana as co-author) a change to the second section; Cy objects in a vote on
    # a rival amendment, and Bo's amendment resolves the objection.
    amendment = proposals.propose_amendment(actor=bo, standard=standard, kind="modify", section=data,
                                            summary="Portability", proposed_title="Data rights",
                                            proposed_body="Members own their data and can take it away.")
    proposals.add_coauthor(actor=bo, amendment=amendment, email="ana@example.org")
    amendment = proposals.open_amendment(actor=bo, amendment=amendment)
    rival = proposals.propose_amendment(actor=cy, standard=standard, kind="modify", section=data, summary="Shorter",
                                        proposed_title="Data rights", proposed_body="Data belongs to members.")
    rival = proposals.open_amendment(actor=cy, amendment=rival)
    vote = voting.open_vote(actor=steward, subject_kind="amendment", subject_id=rival.id, rule_preset="consent",
                            closes_at=utcnow() + timedelta(days=7))
    objection = objections.raise_objection(actor=cy, vote=vote, argument="Say that members can leave with it.")
    objections.resolve_objection(actor=steward, objection=objection, amendment_id=amendment.id)
    closing.cancel_vote(actor=steward, vote=vote, reason="The amendment that resolves the objection is adopted instead.")
    adoption.adopt_directly(actor=steward, amendment=db.session.get(type(amendment), amendment.id))
    second = ratify(steward, [ana, bo, cy], standard, "Shares and portability.")
    return dict(kazi=kazi, mesa=mesa, tide=tide, ana=ana, bo=bo, cy=cy, standard=standard, first=first,
                second=second, amendment=amendment, objection=objection, steward=steward)
