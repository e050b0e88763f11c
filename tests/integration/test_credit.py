"""Contribution records against the database: a seeded chain with a co-edit, an adopted amendment
with a co-author, an objection it resolved, a ratified version, then an erasure."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest

from deliberate.credit import presenting, queries
from deliberate.database import utcnow
from deliberate.extensions import db
from deliberate.members import erasure
from deliberate.proposals import adoption
from deliberate.proposals import services as proposals
from deliberate.standards import services as standards
from deliberate.text.diff import count_words
from deliberate.versions import services as versions
from deliberate.versions.models import Version
from deliberate.voting import closing, objections
from deliberate.voting import services as voting

SECTIONS = [("Member ownership", "Members own the platform."),
            ("Data rights", "Members own their data.")]


def _ratify(steward, voters, standard, summary="A version.") -> Version:
    version = versions.assemble_version(actor=steward, standard=standard, summary=summary)
    vote = versions.open_ratification_vote(actor=steward, version=version, closes_at=utcnow() + timedelta(days=7))
    for delegate in voters:
        voting.cast_ballot(actor=delegate, vote=vote, choice="for")
    closing.close_vote(actor=steward, vote=vote)
    db.session.expire_all()
    return db.session.get(Version, version.id)


@pytest.fixture
def scene(steward, make_coop, make_delegate, make_standard):
    kazi, mesa, tide = make_coop(name="Kazi Riders"), make_coop(name="Mesa Data"), make_coop(name="Tide Co-op")
    ana = make_delegate(coop=kazi, name="Ana Pérez", email="ana@example.org")
    bo = make_delegate(coop=mesa, name="Bo Lind", email="bo@example.org")
    cy = make_delegate(coop=tide, name="Cy Moss", email="cy@example.org")
    standard = make_standard(title="Member Data Rights", sections=SECTIONS)
    standard.policy = {"steward_may_adopt": ["principle", "guidance", "editorial"]}
    db.session.commit()
    first = _ratify(steward, [ana, bo, cy], standard, "The founding text.")
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
    second = _ratify(steward, [ana, bo, cy], standard, "Shares and portability.")
    return dict(kazi=kazi, mesa=mesa, tide=tide, ana=ana, bo=bo, cy=cy, standard=standard, first=first,
                second=second, amendment=amendment, objection=objection, steward=steward)


def _person(record, person):
    return next(r for r in record.people if r.person is not None and r.person.id == person.id)


def _coop(record, coop):
    return next(r for r in record.coops if r.coop is not None and r.coop.id == coop.id)


def test_the_words_of_a_version_all_go_to_someone(scene):
    for version in (scene["first"], scene["second"]):
        record = queries.release_record(version)
        assert record.total_words == queries.text_words(version) > 0
        assert sum(r.tally.words for r in record.people) == record.total_words
        assert sum(r.tally.words for r in record.coops) == record.total_words


def test_a_co_edit_is_shared_and_an_amendment_credits_its_authors(scene):
    record = queries.release_record(scene["second"])
    ana, bo, cy = (_person(record, scene[k]) for k in ("ana", "bo", "cy"))
    # The co-edit added "Each member holds one equal share" (6 words): 3 each. The amendment kept
    # "Data rights" and "Members own their data" and added "and can take it away" (5 words), shared
    # by Bo (proposer) and Ana (co-author): 3 and 2.
    assert (ana.tally.words, bo.tally.words) == (3 + 2, 3 + 3)
    assert ana.tally.new_words == ana.tally.words and bo.tally.new_words == bo.tally.words
    assert bo.tally.proposed == {scene["amendment"].id} and ana.tally.coauthored == {scene["amendment"].id}
    assert cy.tally.objections_raised == {scene["objection"].id}
    assert bo.tally.objections_resolved == ana.tally.objections_resolved == {scene["objection"].id}
    steward_row = _person(record, scene["steward"])
    assert steward_row.tally.resolutions_recorded == {scene["objection"].id}
    assert steward_row.coop is None and steward_row.tally.new_words == 0  # the founding words are not new in 2nd
    assert _coop(record, scene["tide"]).tally.counts()["objections_raised"] == 1
    first = queries.release_record(scene["first"])
    assert [r.person.id for r in first.people] == [scene["steward"].id]


def test_an_erased_delegate_stays_counted_under_the_co_op_without_the_name(scene):
    before = queries.release_record(scene["second"])  # counted (and cached) while Ana is named
    kazi_before = _coop(before, scene["kazi"]).tally.counts()
    erasure.erase_person(actor=scene["steward"], person_id=scene["ana"].id, reason="request")
    db.session.expire_all()
    for record in (queries.release_record(db.session.get(Version, scene["second"].id)),):
        assert all(r.person is None or r.person.id != scene["ana"].id for r in record.people)
        former = next(r for r in record.people if r.person is None and r.coop is not None and r.coop.id == scene["kazi"].id)
        assert former.label == "a former delegate of Kazi Riders"
        assert former.tally.words == 5 and former.tally.coauthored == {scene["amendment"].id}
        assert _coop(record, scene["kazi"]).tally.counts() == kazi_before
        data = presenting.release_data(record)
        assert "Ana" not in str(data)
    # A fresh count (no cache) says the same as the cached one.
    db.session.expire_all()
    from flask import current_app
    current_app.extensions.pop("deliberate_credit_words", None)
    fresh = queries.release_record(db.session.get(Version, scene["second"].id))
    assert _coop(fresh, scene["kazi"]).tally.counts() == kazi_before
    with pytest.raises(Exception):
        queries.get_person(scene["ana"].id)


def test_a_co_op_and_a_person_across_releases(scene):
    found = queries.coop_contributions(scene["mesa"])
    assert [a.record.version.id for a in found] == [scene["second"].id]  # nothing of Mesa's is in the first
    person = queries.person_contributions(scene["bo"])
    assert len(person) == 1 and person[0].coop.id == scene["mesa"].id
    data = presenting.across_data("person", "Bo Lind", None, person)
    assert data["releases"][0]["amendments"]["proposed"] == [scene["amendment"].reference]


def test_thirty_sections_ten_versions_count_well_under_a_second(steward, make_delegate, make_standard):
    delegates = [make_delegate() for _ in range(3)]
    sentences = ["Members own and govern the platform together through their co-op.",
                 "Each member holds one equal share and one vote in the general assembly.",
                 "Data about members belongs to them and can be taken away at any time."]
    standard = make_standard(title="Thirty Sections", sections=[(f"Clause {i}", " ".join(sentences)) for i in range(30)])
    standard.policy = {"steward_may_adopt": ["principle", "guidance", "editorial"]}
    db.session.commit()
    version = None
    for round_ in range(10):
        for i, section in enumerate(standards.get_standard(standard.slug).sections):
            if (i + round_) % 3 == 0:
                standards.revise_section(actor=delegates[round_ % 3], section=section, title=section.title,
                                         body=section.body + f" Round {round_} adds a sentence about clause {i}.",
                                         message="More", base_revision_id=section.head_revision_id)
        version = _ratify(steward, delegates, standard, f"Round {round_}.")
    db.session.expire_all()
    version = db.session.get(Version, version.id)
    started = time.perf_counter()
    record = queries.release_record(version)
    cold = time.perf_counter() - started
    started = time.perf_counter()
    queries.release_record(version)
    warm = time.perf_counter() - started
    print(f"\n30 sections x 10 versions: cold {cold * 1000:.0f} ms, cached {warm * 1000:.0f} ms")
    assert record.total_words == sum(count_words(f"{s.title}\n\n{s.body}") for s in version.sections)
    assert cold < 1.0 and warm < cold
