"""Amendments against the database: proposing, refining, states, rebase and conflict, adoption."""
import pytest
from sqlalchemy import select

from deliberate.database import unit_of_work
from deliberate.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from deliberate.extensions import db
from deliberate.proposals import adoption, queries, services
from deliberate.proposals.models import Amendment, AmendmentDraft, Transition
from deliberate.proposals.permissions import can_read
from deliberate.realtime.events import Event
from deliberate.standards import services as standards
from deliberate.standards.models import Section

TEXT = ("Members own the platform together.\n\n"
        "Each member holds one equal share, which cannot be sold to outside investors.\n\n"
        "New members may join at any time.")


@pytest.fixture
def setup(steward, make_standard, make_delegate, make_coop):
    standard = make_standard(sections=[("Member ownership", TEXT), ("Data rights", "Members own their data.")])
    standard.policy = {"steward_may_adopt": ["principle", "guidance", "editorial"]}
    db.session.commit()
    alice = make_delegate(coop=make_coop(name="Kazi Riders"), name="Alice")
    bob = make_delegate(coop=make_coop(name="Dades Comunes"), name="Bob")
    return {"standard": standards.get_standard(standard.slug), "alice": alice, "bob": bob, "steward": steward}


def section(setup, index=0) -> Section:
    return standards.get_standard(setup["standard"].slug).sections[index]


def propose(setup, who="alice", body=None, index=0, **kw):
    s = section(setup, index)
    values = {"kind": "modify", "section": s, "summary": "Clearer wording.", "proposed_title": s.title,
              "proposed_body": body if body is not None else s.body.replace("together", "jointly")}
    values.update(kw)
    return services.propose_amendment(actor=setup[who], standard=setup["standard"], **values)


def adopt(setup, amendment):
    with unit_of_work() as session:
        amendment = session.get(Amendment, amendment.id)
        if amendment.state == "draft":
            from deliberate.proposals.services import transition

            transition(session, amendment, "open", setup["alice"])
        return adoption.apply_amendment(session, amendment, setup["steward"])


def fresh(amendment) -> Amendment:
    db.session.expire_all()
    return db.session.get(Amendment, amendment.id)


def test_propose_starts_a_private_draft_against_the_current_revision(setup):
    s = section(setup)
    amendment = propose(setup)
    assert amendment.state == "draft" and amendment.kind == "modify"
    assert amendment.head.base_revision_id == s.head_revision_id and amendment.head.reason == "created"
    assert amendment.coop.name == "Kazi Riders" and amendment.title == "Change “Member ownership”"
    assert can_read(setup["alice"], amendment) and not can_read(setup["bob"], amendment) and not can_read(None, amendment)
    assert can_read(setup["steward"], amendment)
    events = list(db.session.scalars(select(Event).where(Event.kind == "amendment_proposed")))
    assert [e.scope for e in events] == [f"user:{setup['alice'].id}"]


def test_a_title_only_change_is_a_retitle(setup):
    amendment = propose(setup, proposed_title="Shared ownership", body=section(setup).body)
    assert amendment.kind == "retitle"


@pytest.mark.parametrize("body", [TEXT, TEXT.replace("\n", "\r\n"), TEXT + "\n\n\n", TEXT.replace(".\n", ".   \n")])
def test_an_empty_change_is_refused(setup, body):
    with pytest.raises(InvalidInput, match="changes nothing"):
        propose(setup, body=body)
    assert db.session.scalar(select(Amendment.id)) is None


def test_a_stale_base_is_refused_and_nothing_is_saved(setup):
    s = section(setup)
    old_base = s.head_revision_id
    standards.revise_section(actor=setup["steward"], section=s, title=s.title, body=TEXT + "\n\nNew clause.",
                             message="Clause", base_revision_id=old_base)
    with pytest.raises(Conflict, match="changed while you were writing"):
        propose(setup, base_revision_id=old_base)
    assert db.session.scalar(select(Amendment.id)) is None


def test_oversized_text_and_missing_summary_are_refused(setup):
    with pytest.raises(InvalidInput) as caught:
        propose(setup, body="x" * 100_001)
    assert "body" in caught.value.field_errors
    with pytest.raises(InvalidInput) as caught:
        propose(setup, summary="   ")
    assert "summary" in caught.value.field_errors


def test_observers_and_suspended_delegates_cannot_propose(setup, steward):
    from deliberate.members.services import change_coop_status

    with pytest.raises(PermissionDenied):
        services.propose_amendment(actor=None, standard=setup["standard"], kind="modify", section=section(setup),
                                   summary="x", proposed_title="T", proposed_body="B")
    change_coop_status(actor=steward, coop=setup["bob"].acting_coops[0], status="suspended")
    db.session.expire_all()
    with pytest.raises(PermissionDenied):
        propose(setup, who="bob")


def test_open_edit_and_withdraw(setup):
    amendment = propose(setup)
    with pytest.raises(PermissionDenied):
        services.open_amendment(actor=setup["bob"], amendment=amendment)
    amendment = services.open_amendment(actor=setup["alice"], amendment=amendment)
    assert amendment.state == "open" and can_read(None, amendment)
    draft = services.edit_amendment(actor=setup["alice"], amendment=amendment, expected_draft_id=amendment.head_draft_id,
                                    summary="Even clearer.", rationale="Because.", proposed_title="Member ownership",
                                    proposed_body=TEXT.replace("together", "in common"))
    assert draft.number == 2 and draft.reason == "edited"
    with pytest.raises(Conflict, match="newer version"):
        services.edit_amendment(actor=setup["alice"], amendment=fresh(amendment), expected_draft_id=amendment.head_draft_id - 1,
                                summary="Stale", rationale="", proposed_title="Member ownership", proposed_body=TEXT + " x")
    services.withdraw_amendment(actor=setup["alice"], amendment=fresh(amendment), note="Not needed")
    amendment = fresh(amendment)
    assert amendment.state == "withdrawn" and amendment.decided_at is not None
    steps = [(t.action, t.from_state, t.to_state) for t in queries.timeline(amendment)]
    assert steps == [("propose", "draft", "draft"), ("open", "draft", "open"), ("edit", "open", "open"),
                     ("withdraw", "open", "withdrawn")]
    with pytest.raises(PermissionDenied):
        services.open_amendment(actor=setup["alice"], amendment=amendment)


def test_coauthors_from_other_coops_can_edit(setup):
    amendment = propose(setup)
    services.add_coauthor(actor=setup["alice"], amendment=amendment, email=setup["bob"].email)
    amendment = fresh(amendment)
    assert can_read(setup["bob"], amendment)
    services.edit_amendment(actor=setup["bob"], amendment=amendment, expected_draft_id=amendment.head_draft_id,
                            summary="Co-written.", rationale="", proposed_title="Member ownership",
                            proposed_body=TEXT.replace("together", "as one"), coop=setup["bob"].acting_coops[0])
    assert fresh(amendment).head.coop.name == "Dades Comunes"
    with pytest.raises(InvalidInput):
        services.add_coauthor(actor=setup["alice"], amendment=fresh(amendment), email="nobody@example.org")


def test_adoption_creates_an_attributed_revision(setup):
    amendment = propose(setup)
    revision = adopt(setup, amendment)
    amendment = fresh(amendment)
    assert amendment.state == "adopted" and amendment.adopted_revision_id == revision.id
    assert revision.amendment_id == amendment.id and revision.author_id == setup["alice"].id
    assert revision.coop.name == "Kazi Riders" and revision.body == TEXT.replace("together", "jointly")
    assert section(setup).head_revision_id == revision.id


def test_non_overlapping_change_underneath_rebases_and_keeps_both_edits(setup):
    first = propose(setup, body=TEXT.replace("together", "jointly"))
    second = services.open_amendment(actor=setup["bob"], amendment=propose(
        setup, who="bob", body=TEXT.replace("at any time", "at any time, without a fee")))
    adopt(setup, first)
    second = fresh(second)
    assert second.state == "open"
    assert second.head.reason == "rebased" and second.head.base_revision_id == section(setup).head_revision_id
    assert "jointly" in second.head.proposed_body and "without a fee" in second.head.proposed_body
    change = queries.amendment_change(second)
    assert change.stats["words_added"] == 3  # its own change only: "without a fee"
    assert db.session.scalar(select(Event).where(Event.kind == "amendment_rebased",
                                                 Event.scope == f"user:{setup['bob'].id}")) is not None


def test_overlapping_change_underneath_conflicts_and_blocks_the_vote(setup):
    first = propose(setup, body=TEXT.replace("together", "jointly"))
    second = services.open_amendment(actor=setup["bob"], amendment=propose(
        setup, who="bob", body=TEXT.replace("together", "collectively")))
    adopt(setup, first)
    second = fresh(second)
    assert second.state == "conflicted" and second.state_before_conflict == "open"
    assert second.head.proposed_body == TEXT.replace("together", "collectively")  # never blended
    with pytest.raises(Conflict):
        with unit_of_work() as session:
            adoption.start_vote(session, session.get(Amendment, second.id), setup["steward"])
    view = queries.three_way_view(second)
    assert view.conflicts and view.conflicts[0].ours.strip() == "collectively"
    with pytest.raises(PermissionDenied):
        services.resolve_conflict(actor=setup["alice"], amendment=second, proposed_title="Member ownership",
                                  proposed_body="x")
    services.resolve_conflict(actor=setup["bob"], amendment=second, proposed_title="Member ownership",
                              proposed_body=TEXT.replace("together", "jointly and collectively"), note="Both")
    second = fresh(second)
    assert second.state == "open" and second.head.reason == "resolved"
    assert second.head.base_revision_id == section(setup).head_revision_id


def test_a_direct_edit_of_the_draft_also_moves_amendments(setup):
    amendment = services.open_amendment(actor=setup["bob"], amendment=propose(setup, who="bob"))
    s = section(setup)
    standards.revise_section(actor=setup["steward"], section=s, title=s.title,
                             body=TEXT.replace("at any time", "whenever they wish"), message="Plainer",
                             base_revision_id=s.head_revision_id)
    amendment = fresh(amendment)
    assert amendment.head.reason == "rebased" and "whenever they wish" in amendment.head.proposed_body


def test_drafts_follow_their_base_too(setup):
    draft = propose(setup, who="bob", body=TEXT.replace("together", "collectively"))
    adopt(setup, propose(setup, body=TEXT.replace("together", "jointly")))
    assert fresh(draft).state == "conflicted" and fresh(draft).state_before_conflict == "draft"


def test_competing_amendments_adopting_one_supersedes_the_others(setup):
    a = services.open_amendment(actor=setup["alice"], amendment=propose(setup, body=TEXT.replace("together", "jointly")))
    b = services.open_amendment(actor=setup["bob"], amendment=propose(setup, who="bob", body=TEXT.replace("together", "as one")))
    with pytest.raises(PermissionDenied):
        services.group_competing(actor=setup["alice"], amendments=[a, b])
    group = services.group_competing(actor=setup["steward"], amendments=[a, b])
    assert {x.group_id for x in (fresh(a), fresh(b))} == {group.id}
    adopt(setup, fresh(b))
    assert fresh(a).state == "superseded" and fresh(b).state == "adopted"


def test_competing_needs_the_same_section(setup):
    a = services.open_amendment(actor=setup["alice"], amendment=propose(setup))
    b = services.open_amendment(actor=setup["bob"], amendment=propose(setup, who="bob", index=1,
                                                                       body="Members own all their data."))
    with pytest.raises(InvalidInput):
        services.group_competing(actor=setup["steward"], amendments=[a, b])


def test_insert_delete_and_move(setup):
    insert = propose(setup, kind="insert", section=None, proposed_title="Education", proposed_body="Co-ops train members.",
                     target_position=2)
    adopt(setup, insert)
    titles = [s.title for s in standards.get_standard(setup["standard"].slug).sections]
    assert titles == ["Member ownership", "Education", "Data rights"]
    new_section = db.session.get(Section, fresh(insert).section_id)
    assert new_section.head.amendment_id == insert.id

    move = propose(setup, kind="move", section=section(setup, 2), target_position=1)
    adopt(setup, move)
    assert [s.title for s in standards.get_standard(setup["standard"].slug).sections] == \
        ["Data rights", "Member ownership", "Education"]

    delete = propose(setup, kind="delete", section=section(setup, 2))
    pending = services.open_amendment(actor=setup["bob"], amendment=propose(setup, who="bob", index=2,
                                                                             body="Co-ops train all members."))
    adopt(setup, delete)
    standard = standards.get_standard(setup["standard"].slug)
    assert [s.title for s in standard.sections] == ["Data rights", "Member ownership"]
    assert [s.position for s in standard.sections] == [1, 2]
    assert fresh(pending).state == "superseded"
    assert standards.get_section(standard, new_section.key).retired_at is not None


def test_move_to_the_same_place_is_refused(setup):
    with pytest.raises(InvalidInput):
        propose(setup, kind="move", section=section(setup, 0), target_position=1)


def test_steward_adopts_directly_only_where_policy_allows(setup):
    standard = db.session.get(type(setup["standard"]), setup["standard"].id)
    standard.policy = {"steward_may_adopt": []}
    db.session.commit()
    amendment = services.open_amendment(actor=setup["alice"], amendment=propose(setup))
    with pytest.raises(PermissionDenied):
        adoption.adopt_directly(actor=setup["alice"], amendment=amendment)
    with pytest.raises(PermissionDenied, match="vote"):
        adoption.adopt_directly(actor=setup["steward"], amendment=fresh(amendment))
    # Invariant 13: the terms were copied when it was opened; a later policy does not apply to it.
    standard.policy = {"steward_may_adopt": ["principle"]}
    db.session.commit()
    assert fresh(amendment).terms["steward_may_adopt"] is False
    with pytest.raises(PermissionDenied, match="vote"):
        adoption.adopt_directly(actor=setup["steward"], amendment=fresh(amendment))
    later = services.open_amendment(actor=setup["alice"], amendment=propose(setup, body=TEXT + " Later."))
    assert later.terms["steward_may_adopt"] is True and later.terms["change_kind"] == "principle"
    assert adoption.adopt_directly(actor=setup["steward"], amendment=fresh(later)).state == "adopted"


def test_provenance_traces_each_passage(setup):
    amendment = propose(setup, body=TEXT.replace("at any time.", "at any time, free of charge."))
    adopt(setup, amendment)
    revision, passages = queries.provenance(section(setup))
    assert revision.number == 2
    introduced = [p for p in passages if p.amendment is not None]
    assert introduced and "free of charge" in "".join(p.text for p in introduced)
    assert introduced[0].amendment.id == amendment.id and introduced[0].revision.coop.name == "Kazi Riders"
    assert "".join(p.text for p in passages) == revision.body
    with pytest.raises(NotFound):
        queries.provenance(section(setup), 9)


def test_compare_the_whole_standard_between_two_moments(setup):
    from deliberate.database import utcnow

    before = utcnow()
    adopt(setup, propose(setup, body=TEXT.replace("together", "jointly")))
    entries = queries.compare_standard(setup["standard"], before, None)
    by_key = {e["key"]: e for e in entries}
    assert by_key["member-ownership"]["status"] == "changed"
    assert "<del>together</del>" in by_key["member-ownership"]["inline_body"]
    assert by_key["data-rights"]["status"] == "unchanged"


def test_every_transition_is_recorded(setup):
    amendment = propose(setup)
    services.open_amendment(actor=setup["alice"], amendment=amendment)
    adopt(setup, amendment)
    actions = [t.action for t in db.session.scalars(select(Transition).where(Transition.amendment_id == amendment.id))]
    assert actions == ["propose", "open", "adopt"]
    assert db.session.scalar(select(AmendmentDraft.id).where(AmendmentDraft.amendment_id == amendment.id)) is not None
