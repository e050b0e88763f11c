"""Contribution records against the database: a seeded chain with a co-edit, an adopted amendment
with a co-author, an objection it resolved, a ratified version, then an erasure."""
from __future__ import annotations

import time

import pytest
from flask import current_app

from deliberate.credit import presenting, queries
from deliberate.errors import NotFound
from deliberate.extensions import db
from deliberate.members import erasure
from deliberate.standards import services as standards
from deliberate.text.diff import count_words
from deliberate.versions.models import Version
from tests.credit_scene import build_scene, ratify


@pytest.fixture
def scene(steward, make_coop, make_delegate, make_standard):
    return build_scene(steward, make_coop, make_delegate, make_standard)


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

    current_app.extensions.pop("deliberate_credit_words", None)
    fresh = queries.release_record(db.session.get(Version, scene["second"].id))
    assert _coop(fresh, scene["kazi"]).tally.counts() == kazi_before
    with pytest.raises(NotFound):
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
        version = ratify(steward, delegates, standard, f"Round {round_}.")
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
    # Speed is measured by bench scripts, never asserted in tests (the machines are shared and noisy).


def test_the_demo_network_has_a_meaningful_record(seeded_demo):
    from deliberate.versions import queries as versions

    # The seeded demo: seed_features adds the contribution story (credit.seed.seed_credit)
    principles = versions.latest_ratified(versions.get_standard("platform-co-op-principles"))
    record = queries.release_record(principles)
    assert len(record.coops) >= 4 and any(r.tally.proposed for r in record.people)
    policy = versions.get_standard("member-data-rights")
    record = queries.release_record(versions.latest_ratified(policy))
    names = {r.label for r in record.people}
    assert {"Lucía Ferrer", "Maya Patel", "Jonas Weber", "Amara Okafor", "a former delegate of Dades Comunes"} <= names
    assert "Rosa Quintana" not in names
    amara = next(r for r in record.people if r.label == "Amara Okafor")
    assert amara.tally.coauthored and amara.tally.objections_raised and amara.tally.objections_resolved
    assert record.total_words == queries.text_words(record.version)
