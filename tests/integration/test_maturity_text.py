"""Maturity decides how text may change: a draft is co-edited freely; a candidate's or a ratified
standard's text changes only through adopted amendments (and the Network rules' only through its
policy). Every path that writes a revision outside adoption refuses, in the service layer."""
import pytest
from sqlalchemy import func, select

from deliberate.coediting import services as coediting
from deliberate.database import unit_of_work
from deliberate.extensions import db
from deliberate.policies import netrules
from deliberate.proposals import adoption
from deliberate.proposals import services as proposals
from deliberate.proposals.models import Amendment
from deliberate.realtime.sync import ClientSession
from deliberate.standards import services as standards
from deliberate.standards.models import Revision, Standard
from deliberate.standards.services import TextClosed

TEXT = "Members own the platform."


@pytest.fixture
def world(steward, make_standard, make_delegate, make_coop):
    standard = make_standard(sections=[("Ownership", TEXT)])
    return {"standard": standard, "steward": steward, "alice": make_delegate(coop=make_coop(name="Kazi"), name="Alice")}


def mature(world, maturity):
    db.session.get(Standard, world["standard"].id).maturity = maturity  # as a maturity vote leaves it
    db.session.commit()
    return standards.get_standard(world["standard"].slug)


def revisions() -> int:
    return db.session.scalar(select(func.count(Revision.id)))


def test_a_draft_is_edited_freely(world):
    section = world["standard"].sections[0]
    revision = standards.revise_section(actor=world["alice"], section=section, title=section.title,
                                        body="Members own it.", message="Shorter", base_revision_id=section.head_revision_id)
    assert revision.number == 2


@pytest.mark.parametrize("maturity", ["candidate", "ratified"])
def test_revise_section_refuses_and_names_the_next_step(world, maturity):
    section = mature(world, maturity).sections[0]
    before = revisions()
    with pytest.raises(TextClosed, match="changes only through amendments") as caught:
        standards.revise_section(actor=world["alice"], section=section, title=section.title, body="Changed.",
                                 message="Direct", base_revision_id=section.head_revision_id)
    assert caught.value.status == 409 and caught.value.next_step.endpoint == "amendments.new"
    assert revisions() == before
    # The page's own check says the same before the form is shown.
    with pytest.raises(TextClosed):
        standards.check_can_edit_section(world["alice"], section)


def test_a_section_that_became_a_candidate_while_the_page_was_open_is_refused_on_save(world):
    section = world["standard"].sections[0]
    standards.check_can_edit_section(world["alice"], section)  # the form was shown while it was a draft
    mature(world, "candidate")
    with pytest.raises(TextClosed):
        standards.revise_section(actor=world["alice"], section=section, title=section.title, body="Changed.",
                                 message="Direct", base_revision_id=section.head_revision_id)


@pytest.mark.parametrize("maturity", ["candidate", "ratified"])
def test_adding_a_section_directly_is_refused(world, maturity):
    standard = mature(world, maturity)
    with pytest.raises(TextClosed):
        standards.add_section(actor=world["steward"], standard=standard, title="New", body="Text.")
    with pytest.raises(TextClosed):
        standards.check_can_add_section(world["steward"], standard)


@pytest.mark.parametrize("maturity", ["candidate", "ratified"])
def test_coediting_refuses_join_sync_and_save(world, maturity):
    section = world["standard"].sections[0]
    doc = f"section:{section.id}"
    _document, _draft, result = coediting.join(actor=world["alice"], doc_key=doc, client_id="alice-tab-1")
    client = ClientSession.start(result["text"])
    message = client.make_message(result["text"] + " Together.")
    mature(world, maturity)
    before = revisions()
    with pytest.raises(TextClosed):
        coediting.join(actor=world["alice"], doc_key=doc, client_id="alice-tab-2")
    with pytest.raises(TextClosed):
        coediting.sync(actor=world["alice"], doc_key=doc, client_id="alice-tab-1", message=message)
    with pytest.raises(TextClosed):
        coediting.save(actor=world["alice"], doc_key=doc, message="Saved live")
    with pytest.raises(TextClosed):
        coediting.check_can_open_editor(world["alice"], coediting.Document("section", section))
    assert revisions() == before


def test_an_observer_is_refused_for_who_they_are_first(world):
    from deliberate.errors import PermissionDenied

    section = mature(world, "ratified").sections[0]
    with pytest.raises(PermissionDenied):
        coediting.check_can_open_editor(None, coediting.Document("section", section))


@pytest.mark.parametrize("maturity", ["candidate", "ratified"])
def test_adopted_amendments_still_change_the_text(world, maturity):
    standard = mature(world, maturity)
    section = standard.sections[0]
    amendment = proposals.propose_amendment(actor=world["alice"], standard=standard, kind="modify", section=section,
                                            summary="Typo.", proposed_title=section.title,
                                            proposed_body="Members own the platform together.", change_kind="editorial")
    assert amendment.change_kind == "editorial" and amendment.terms["change_kind"] == "editorial"
    amendment = proposals.open_amendment(actor=world["alice"], amendment=amendment)
    with unit_of_work() as session:
        revision = adoption.apply_amendment(session, session.get(Amendment, amendment.id), world["steward"])
        number = revision.number
    assert number == 2


def test_the_network_rules_are_never_edited_directly(world):
    rules = netrules.ensure_network_rules(actor=world["steward"])
    assert rules.maturity == "draft"
    section = standards.get_standard(rules.slug).sections[0]
    with pytest.raises(TextClosed) as caught:
        standards.revise_section(actor=world["steward"], section=section, title=section.title, body="Anything.",
                                 message="Direct", base_revision_id=section.head_revision_id)
    assert caught.value.next_step.endpoint == "policies.network"
    with pytest.raises(TextClosed):
        coediting.join(actor=world["steward"], doc_key=f"section:{section.id}", client_id="steward-tab")


def test_the_network_rules_text_is_not_amended_by_text_amendments(world):
    rules = standards.get_standard(netrules.ensure_network_rules(actor=world["steward"]).slug)
    section = rules.sections[0]
    with pytest.raises(TextClosed, match="propose a change to the policy"):
        proposals.propose_amendment(actor=world["alice"], standard=rules, kind="modify", section=section,
                                    summary="Reword.", proposed_title=section.title, proposed_body="Other words.")
