"""Standards, sections and immutable, attributed revisions."""
import pytest
from sqlalchemy import func, select

from deliberate.errors import Conflict, InvalidInput, PermissionDenied
from deliberate.extensions import db
from deliberate.realtime.events import Event
from deliberate.standards import services
from deliberate.standards.models import Revision, Section, Standard


def test_create_standard_with_ordered_sections(make_standard):
    standard = make_standard(title="Member Data Rights", sections=[("Scope", "All records."), ("Consent", "Ask first.")])
    assert standard.slug == "member-data-rights" and standard.maturity == "draft"
    assert [(s.position, s.key, s.title) for s in standard.sections] == [(1, "scope", "Scope"), (2, "consent", "Consent")]
    assert all(s.head.number == 1 and s.head.message == "Section created" for s in standard.sections)


def test_only_stewards_create_standards(make_delegate):
    with pytest.raises(PermissionDenied):
        services.create_standard(actor=make_delegate(), title="Mine")


def test_add_section_at_a_position_moves_the_rest_down(steward, make_standard):
    standard = make_standard()
    services.add_section(actor=steward, standard=standard, title="Preamble", body="Why we agree.", position=1)
    standard = services.get_standard(standard.slug)
    assert [s.title for s in standard.sections] == ["Preamble", "Member ownership", "Data rights"]
    assert [s.position for s in standard.sections] == [1, 2, 3]


def test_a_delegate_revision_is_attributed_and_chained(make_standard, make_delegate):
    standard = make_standard()
    delegate = make_delegate()
    section = standard.sections[1]
    first = section.head
    revision = services.revise_section(actor=delegate, section=section, title="Data rights",
                                       body="Members own their data.\r\n\r\nThey can download it, free.",
                                       message="Access is free", base_revision_id=first.id)
    assert (revision.number, revision.parent_id) == (2, first.id)
    assert revision.author_id == delegate.id and revision.coop_id == delegate.acting_coops[0].id
    assert revision.body == "Members own their data.\n\nThey can download it, free."  # line endings normalised
    assert db.session.get(Section, section.id).head_revision_id == revision.id
    assert [r.number for r in services.section_history(section)] == [2, 1]
    event = db.session.scalar(select(Event).where(Event.kind == "section_revised"))
    assert event.payload["revision_id"] == revision.id and event.scope == f"standard:{standard.id}"


def test_revisions_are_immutable(make_standard):
    revision = make_standard().sections[0].head
    revision.body = "rewritten in place"
    with pytest.raises(ValueError, match="immutable"):
        db.session.commit()
    db.session.rollback()


def test_a_stale_base_is_refused_and_nothing_is_overwritten(make_standard, make_delegate):
    section = make_standard().sections[0]
    base = section.head_revision_id
    alice, bob = make_delegate(), make_delegate()
    services.revise_section(actor=alice, section=section, title=section.title, body="Alice's text",
                            message="Alice", base_revision_id=base)
    with pytest.raises(Conflict):
        services.revise_section(actor=bob, section=section, title=section.title, body="Bob's text",
                                message="Bob", base_revision_id=base)
    assert db.session.get(Section, section.id).head.body == "Alice's text"


@pytest.mark.parametrize("changes, field", [
    ({"body": "x" * 100_001}, "body"),
    ({"message": ""}, "message"),
    ({"message": "m" * 501}, "message"),
    ({"title": ""}, "title"),
    ({"title": "t" * 201}, "title"),
])
def test_bad_revisions_get_a_clear_error_and_change_nothing(make_standard, make_delegate, changes, field):
    section = make_standard().sections[0]
    values = {"title": "T", "body": "New body", "message": "Why", **changes}
    with pytest.raises(InvalidInput) as caught:
        services.revise_section(actor=make_delegate(), section=section, base_revision_id=section.head_revision_id, **values)
    assert field in caught.value.field_errors
    assert db.session.scalar(select(func.count(Revision.id)).where(Revision.section_id == section.id)) == 1


def test_an_unchanged_text_is_not_a_revision(make_standard, make_delegate):
    section = make_standard().sections[0]
    with pytest.raises(InvalidInput, match="Nothing changed"):
        services.revise_section(actor=make_delegate(), section=section, title=section.title,
                                body=section.body + "\r\n", message="noop", base_revision_id=section.head_revision_id)


@pytest.mark.parametrize("who", ["observer", "applicant", "suspended", "left"])
def test_who_may_not_edit(make_standard, make_coop, make_delegate, steward, who):
    from deliberate.members.services import change_coop_status

    section = make_standard().sections[0]
    actor = None
    if who != "observer":
        coop = make_coop("member")
        actor = make_delegate(coop=coop)
        if who == "applicant":
            actor = make_delegate(coop=make_coop("applicant"))
        else:
            change_coop_status(actor=steward, coop=coop, status=who)
            db.session.expire_all()
    with pytest.raises(PermissionDenied):
        services.revise_section(actor=actor, section=section, title="T", body="B", message="M",
                                base_revision_id=section.head_revision_id)


def test_a_delegate_of_two_coops_must_say_which(make_standard, make_coop, make_delegate, steward):
    from deliberate.members.services import accept_invitation, invite_delegate

    first, second = make_coop(), make_coop()
    person = make_delegate(coop=first)
    _inv, token = invite_delegate(actor=steward, coop=second)
    person = accept_invitation(token=token, name="", email="", password="", actor=person)
    section = make_standard().sections[0]
    with pytest.raises(InvalidInput, match="acting for"):
        services.revise_section(actor=person, section=section, title="T", body="B", message="M",
                                base_revision_id=section.head_revision_id)
    revision = services.revise_section(actor=person, section=section, title="T", body="B", message="M",
                                       base_revision_id=section.head_revision_id, coop=second)
    assert revision.coop_id == second.id


def test_stewards_edit_without_a_coop(make_standard, steward):
    section = make_standard().sections[0]
    revision = services.revise_section(actor=steward, section=section, title="T", body="Editorial fix", message="Typo",
                                       base_revision_id=section.head_revision_id)
    assert revision.coop_id is None and revision.author_id == steward.id


def test_event_rows_roll_back_with_the_change(make_standard, make_delegate):
    section = make_standard().sections[0]
    before = db.session.scalar(select(func.count(Event.id)))
    with pytest.raises(Conflict):
        services.revise_section(actor=make_delegate(), section=section, title="T", body="B", message="M",
                                base_revision_id=-1)
    # make_delegate itself records events; none for the refused revision.
    kinds = [e.kind for e in db.session.scalars(select(Event).where(Event.id > before))]
    assert "section_revised" not in kinds


def test_event_ids_increase_in_commit_order(make_standard, make_delegate):
    make_standard()
    ids = list(db.session.scalars(select(Event.id).order_by(Event.created_at, Event.id)))
    assert ids == sorted(ids) and len(ids) == len(set(ids))


def test_titles_are_unique(make_standard):
    make_standard(title="One")
    with pytest.raises(Conflict):
        make_standard(title="one")
    assert db.session.scalar(select(func.count(Standard.id))) == 1
