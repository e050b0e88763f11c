"""What a section edit and an inserted section may name: a removed (retired) section cannot be
revised, not by the service, its edit page or co-editing; and an ``insert`` amendment stores only a
live section of its own standard as the place it names."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from deliberate.database import unit_of_work
from deliberate.errors import Conflict, InvalidInput, NotFound
from deliberate.extensions import db
from deliberate.proposals import adoption
from deliberate.proposals import services as proposals
from deliberate.proposals.models import Amendment
from deliberate.standards import services as standards
from deliberate.standards.models import Revision, Section


def _retire(network, section: Section) -> Section:
    """Remove ``section`` the way the platform does: an adopted ``delete`` amendment."""
    amendment = proposals.propose_amendment(actor=network["delegate"], standard=network["standard"], kind="delete",
                                            section=section, summary="It says nothing the others do not.")
    proposals.open_amendment(actor=network["delegate"], amendment=amendment)
    with unit_of_work() as session:
        adoption.apply_amendment(session, session.get(Amendment, amendment.id), network["steward"])
    db.session.expire_all()
    retired = db.session.get(Section, section.id)
    assert retired.retired_at is not None
    return retired


def _revisions() -> int:
    return db.session.scalar(select(func.count(Revision.id)))


@pytest.fixture
def retired(network):
    standard = standards.get_standard(network["standard"].slug)
    return _retire(network, standard.sections[1])


def test_the_service_refuses_to_revise_a_removed_section(network, retired):
    before = _revisions()
    for actor in (network["steward"], network["delegate"]):
        with pytest.raises(Conflict, match="removed"):
            standards.revise_section(actor=actor, section=retired, title=retired.title, body="Brought back.",
                                     message="Revive", base_revision_id=retired.head_revision_id)
    assert _revisions() == before


def test_a_section_removed_while_its_editor_was_open_is_not_revised(network):
    """The page was shown before the removal: the save finds the section removed."""
    standard = standards.get_standard(network["standard"].slug)
    section = standard.sections[1]
    stale = db.session.get(Section, section.id)
    base = stale.head_revision_id
    _retire(network, section)
    before = _revisions()
    with pytest.raises(Conflict):
        standards.revise_section(actor=network["steward"], section=stale, title="Data rights", body="Brought back.",
                                 message="Revive", base_revision_id=base)
    assert _revisions() == before


def test_the_edit_url_of_a_removed_section_refuses(app, network, retired, login):
    client = login(network["steward"])
    path = f"/standards/{network['standard'].slug}/s/{retired.key}/edit"
    before = _revisions()
    assert client.get(path).status_code == 409
    response = client.post(path, data={"title": retired.title, "body": "Brought back.", "message": "Revive",
                                       "base_revision_id": str(retired.head_revision_id)})
    assert response.status_code == 409
    assert _revisions() == before


def test_a_live_section_is_still_revised(network):
    section = standards.get_standard(network["standard"].slug).sections[0]
    revision = standards.revise_section(actor=network["steward"], section=section, title=section.title,
                                        body="Members own it, together.", message="Together",
                                        base_revision_id=section.head_revision_id)
    assert revision.number == 2


# Insertions ------------------------------------------------------------------------------------

def _insert(network, section, standard=None):
    return proposals.propose_amendment(actor=network["delegate"], standard=standard or network["standard"],
                                       kind="insert", section=section, summary="A new principle.",
                                       proposed_title="Open books", proposed_body="We publish our accounts.",
                                       target_position=1)


def test_an_insertion_naming_a_section_of_another_standard_is_refused(network, make_standard):
    other = make_standard(title="Model Bylaws")
    before = db.session.scalar(select(func.count(Amendment.id)))
    with pytest.raises((InvalidInput, NotFound)):
        _insert(network, other.sections[0])
    assert db.session.scalar(select(func.count(Amendment.id))) == before


def test_an_insertion_naming_a_removed_section_is_refused(network, retired):
    before = db.session.scalar(select(func.count(Amendment.id)))
    with pytest.raises((InvalidInput, Conflict)):
        _insert(network, retired)
    assert db.session.scalar(select(func.count(Amendment.id))) == before


def test_an_insertion_naming_a_live_section_of_its_standard_or_none_is_stored(network):
    section = standards.get_standard(network["standard"].slug).sections[0]
    assert _insert(network, section).section_id == section.id
    assert _insert(network, None).section_id is None


def test_neither_the_form_nor_the_api_store_an_insertion_naming_a_removed_section(app, network, retired, login):
    from deliberate.api import tokens
    from tests.conftest import TEST_PASSWORD

    slug = network["standard"].slug
    data = {"kind": "insert", "section": retired.key, "summary": "A new principle.", "proposed_title": "Open books",
            "proposed_body": "We publish our accounts.", "target_position": "1"}
    # The form offers live sections only: a removed one's key names no section (the insertion names none).
    login(network["delegate"]).post(f"/standards/{slug}/amendments/new", data=data)
    raw = tokens.create_token(actor=network["delegate"], name="t", scopes=["read", "write"], password=TEST_PASSWORD)[1]
    response = app.test_client().post(f"/api/v1/standards/{slug}/amendments", headers={"Authorization": f"Bearer {raw}"},
                                      json={**data, "target_position": 1})
    assert response.status_code == 409, response.get_json()
    named = db.session.scalars(select(Amendment.section_id).where(Amendment.kind == "insert")).all()
    assert retired.id not in named
