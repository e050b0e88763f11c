"""The text under vote is frozen: a direct edit of a section is refused while an amendment to it is
voted on; a change that another vote produced cancels the vote on the text it changed, with a
record entry, and the amendment goes back to discussion brought up to date."""
import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from deliberate.coediting import services as coediting
from deliberate.coediting.models import SharedDraft
from deliberate.database import utcnow
from deliberate.errors import DomainError
from deliberate.extensions import db
from deliberate.proposals import adoption, services
from deliberate.proposals.models import Amendment, Transition
from deliberate.realtime.events import Event
from deliberate.realtime.sync import ClientSession
from deliberate.standards import services as standards
from deliberate.standards.models import Revision, Section
from deliberate.versions import services as versions
from deliberate.versions.models import Version
from deliberate.versions.subjects import version_text
from deliberate.voting import closing, queries
from deliberate.voting import services as voting
from deliberate.voting.models import Vote

TEXT = "Members own the platform together.\n\nNew members may join at any time.\n\nEach member has one vote."


@pytest.fixture
def setup(steward, make_standard, make_delegate, make_coop):
    standard = make_standard(sections=[("Member ownership", TEXT)])
    standard.policy = {"steward_may_adopt": ["principle", "guidance", "editorial"]}
    db.session.commit()
    delegates = [make_delegate(coop=make_coop(name=f"Co-op {n}"), name=f"Delegate {n}") for n in range(3)]
    return {"standard": standards.get_standard(standard.slug), "delegates": delegates, "steward": steward}


def section(setup):
    db.session.expire_all()
    return standards.get_standard(setup["standard"].slug).sections[0]


def opened(setup, body, who=0):
    s = section(setup)
    amendment = services.propose_amendment(actor=setup["delegates"][who], standard=setup["standard"], kind="modify",
                                           section=s, summary="Change.", proposed_title=s.title, proposed_body=body)
    return services.open_amendment(actor=setup["delegates"][who], amendment=amendment)


def vote_on(setup, kind, ident, preset="simple-majority"):
    return voting.open_vote(actor=setup["steward"], subject_kind=kind, subject_id=ident, rule_preset=preset,
                            closes_at=utcnow() + timedelta(days=7))


def fresh(model, ident):
    db.session.expire_all()
    return db.session.get(model, ident)


def edit(setup, body, who=1):
    s = section(setup)
    return standards.revise_section(actor=setup["delegates"][who], section=s, title=s.title, body=body,
                                    message="Tidy up.", base_revision_id=s.head_revision_id)


def voted_text_is_intact(vote_id, amendment_id):
    vote, amendment = fresh(Vote, vote_id), fresh(Amendment, amendment_id)
    return vote.text_hash == hashlib.sha256(adoption.frozen_text(amendment).encode()).hexdigest()


# A direct edit is refused -----------------------------------------------------------------------

def test_editing_the_draft_of_a_section_under_vote_is_refused_naming_the_vote(setup):
    a7 = opened(setup, TEXT.replace("together", "jointly"))
    vote = vote_on(setup, "amendment", a7.id)
    head = section(setup).head_revision_id
    with pytest.raises(DomainError) as refused:
        edit(setup, TEXT.replace("at any time", "whenever they wish"))
    assert refused.value.status == 409 and refused.value.code == "conflict"
    assert f"vote {vote.id}" in refused.value.message and a7.reference in refused.value.message
    assert section(setup).head_revision_id == head
    assert fresh(Amendment, a7.id).state == "voting" and fresh(Vote, vote.id).state == "open"
    assert voted_text_is_intact(vote.id, a7.id)


def test_a_steward_cannot_edit_it_either(setup):
    a7 = opened(setup, TEXT.replace("together", "jointly"))
    vote_on(setup, "amendment", a7.id)
    s = section(setup)
    with pytest.raises(DomainError, match="co-ops are voting"):
        standards.revise_section(actor=setup["steward"], section=s, title="Ownership", body=s.body,
                                 message="Retitle.", base_revision_id=s.head_revision_id)


def test_a_vote_on_competing_amendments_freezes_their_section(setup):
    a = opened(setup, TEXT.replace("together", "jointly"))
    b = opened(setup, TEXT.replace("together", "as one"), who=1)
    group = services.group_competing(actor=setup["steward"], amendments=[a, b])
    vote = vote_on(setup, "group", group.id, preset="ranked")
    with pytest.raises(DomainError) as refused:
        edit(setup, TEXT.replace("at any time", "whenever they wish"), who=2)
    assert f"vote {vote.id}" in refused.value.message


def test_an_open_amendment_without_a_vote_does_not_freeze_the_section(setup):
    a7 = opened(setup, TEXT.replace("together", "jointly"))
    edit(setup, TEXT.replace("at any time", "whenever they wish"))
    amendment = fresh(Amendment, a7.id)
    assert amendment.state == "open" and amendment.head.reason == "rebased"


def test_the_draft_can_be_edited_again_once_the_vote_ends(setup):
    a7 = opened(setup, TEXT.replace("together", "jointly"))
    vote = vote_on(setup, "amendment", a7.id)
    for delegate in setup["delegates"]:
        voting.cast_ballot(actor=delegate, vote=vote, choice="against")
    closing.close_vote(actor=setup["steward"], vote=fresh(Vote, vote.id))
    assert fresh(Amendment, a7.id).state == "rejected"
    revision = edit(setup, TEXT.replace("at any time", "whenever they wish"))
    assert revision.number == 2


def test_co_editing_save_is_refused_and_the_live_text_is_kept(setup):
    a7 = opened(setup, TEXT.replace("together", "jointly"))
    vote = vote_on(setup, "amendment", a7.id)
    doc, editor = f"section:{section(setup).id}", setup["delegates"][1]
    _document, _draft, joined = coediting.join(actor=editor, doc_key=doc, client_id="tab-frozen-1")
    client = ClientSession.start(joined["text"])
    wanted = TEXT.replace("one vote", "one equal vote")
    _document, reply, _changed, _version = coediting.sync(actor=editor, doc_key=doc, client_id="tab-frozen-1",
                                                          message=client.make_message(wanted))
    assert client.receive(reply) == wanted
    with pytest.raises(DomainError) as refused:
        coediting.save(actor=editor, doc_key=doc, message="Equal votes.")
    assert f"vote {vote.id}" in refused.value.message
    db.session.expire_all()
    live = db.session.scalar(select(SharedDraft).where(SharedDraft.doc_key == doc))
    assert live.text == wanted and live.contributors  # nothing lost: it can be saved after the vote
    assert section(setup).head.number == 1


def test_an_amendment_under_vote_cannot_be_changed_by_its_author(setup):
    a7 = opened(setup, TEXT.replace("together", "jointly"))
    vote = vote_on(setup, "amendment", a7.id)
    amendment = fresh(Amendment, a7.id)
    with pytest.raises(DomainError) as refused:
        services.edit_amendment(actor=setup["delegates"][0], amendment=amendment,
                                expected_draft_id=amendment.head_draft_id, summary="Change.", rationale="",
                                proposed_title=amendment.head.proposed_title,
                                proposed_body=TEXT.replace("together", "jointly and fairly"))
    assert refused.value.status == 409 and f"vote {vote.id}" in refused.value.message
    with pytest.raises(DomainError) as refused:
        coediting.join(actor=setup["delegates"][0], doc_key=f"amendment:{a7.id}", client_id="tab-frozen-2")
    assert f"vote {vote.id}" in refused.value.message
    assert voted_text_is_intact(vote.id, a7.id)


def test_a_steward_cannot_adopt_another_change_directly_while_the_section_is_voted_on(setup):
    a7 = opened(setup, TEXT.replace("together", "jointly"))
    vote = vote_on(setup, "amendment", a7.id)
    other = opened(setup, TEXT.replace("one vote", "one equal vote"), who=1)
    with pytest.raises(DomainError) as refused:
        adoption.adopt_directly(actor=setup["steward"], amendment=fresh(Amendment, other.id))
    assert f"vote {vote.id}" in refused.value.message
    assert fresh(Amendment, other.id).state == "open" and voted_text_is_intact(vote.id, a7.id)


def test_a_version_under_vote_is_a_snapshot_so_the_draft_may_change(setup):
    version = versions.assemble_version(actor=setup["steward"], standard=setup["standard"], summary="First.")
    vote = versions.open_ratification_vote(actor=setup["steward"], version=version,
                                           closes_at=utcnow() + timedelta(days=7))
    edit(setup, TEXT.replace("at any time", "whenever they wish"))
    assert fresh(Vote, vote.id).state == "open"
    assert fresh(Vote, vote.id).text_hash == version.content_hash
    assert "at any time" in version_text(fresh(Version, version.id))


# A change produced by another vote cancels the vote on the old text --------------------------------

def adopt_by_vote(setup, amendment):
    vote = vote_on(setup, "amendment", amendment.id)
    for delegate in setup["delegates"]:
        voting.cast_ballot(actor=delegate, vote=vote, choice="for")
    closing.close_vote(actor=setup["steward"], vote=fresh(Vote, vote.id))
    return vote


def test_another_adopted_amendment_cancels_the_vote_and_reopens_the_amendment_brought_up_to_date(setup):
    a7 = opened(setup, TEXT.replace("together", "jointly"))
    a8 = opened(setup, TEXT.replace("one vote", "one equal vote"), who=1)
    vote7 = vote_on(setup, "amendment", a7.id)
    adopt_by_vote(setup, a8)
    assert fresh(Amendment, a8.id).state == "adopted"
    cancelled = fresh(Vote, vote7.id)
    assert cancelled.state == "cancelled"
    assert a8.reference in cancelled.cancel_reason and a7.reference in cancelled.cancel_reason
    amendment = fresh(Amendment, a7.id)
    assert amendment.state == "open"
    head = section(setup).head
    assert amendment.head.reason == "rebased" and amendment.head.base_revision_id == head.id
    assert amendment.head.proposed_body == TEXT.replace("together", "jointly").replace("one vote", "one equal vote")
    steps = [t.action for t in db.session.scalars(select(Transition).where(Transition.amendment_id == a7.id)
                                                  .order_by(Transition.id))]
    assert steps[-2:] == ["cancel_vote", "rebase"]
    kinds = {(e.kind, e.scope) for e in db.session.scalars(select(Event))}
    standard_room = f"standard:{setup['standard'].id}"
    assert ("vote_cancelled", standard_room) in kinds and ("vote_cancelled", f"vote:{vote7.id}") in kinds
    assert ("amendment_rebased", f"user:{setup['delegates'][0].id}") in kinds
    # It can go to a vote again, on the new text.
    again = vote_on(setup, "amendment", a7.id)
    assert voted_text_is_intact(again.id, a7.id)


def test_a_group_vote_is_cancelled_and_every_member_reopens(setup):
    a = opened(setup, TEXT.replace("together", "jointly"))
    b = opened(setup, TEXT.replace("together", "as one"), who=1)
    group = services.group_competing(actor=setup["steward"], amendments=[a, b])
    group_vote = vote_on(setup, "group", group.id, preset="ranked")
    other = opened(setup, TEXT.replace("one vote", "one equal vote"), who=2)
    with pytest.raises(DomainError):  # nobody adopts it directly while the group is voted on
        adoption.adopt_directly(actor=setup["steward"], amendment=fresh(Amendment, other.id))
    adopt_by_vote(setup, other)
    assert fresh(Vote, group_vote.id).state == "cancelled"
    assert {fresh(Amendment, a.id).state, fresh(Amendment, b.id).state} == {"open"}
    assert fresh(Amendment, a.id).head.base_revision_id == section(setup).head_revision_id


def test_a_voted_amendment_the_adopted_text_already_contains_is_superseded_and_its_vote_cancelled(setup):
    a7 = opened(setup, TEXT.replace("together", "jointly"))
    vote7 = vote_on(setup, "amendment", a7.id)
    same = opened(setup, TEXT.replace("together", "jointly"), who=1)
    adopt_by_vote(setup, same)
    assert fresh(Amendment, a7.id).state == "superseded"
    assert fresh(Vote, vote7.id).state == "cancelled"


def test_the_draft_edit_is_not_reported_as_an_adopted_change(setup):
    a7 = opened(setup, TEXT.replace("together", "jointly"))
    edit(setup, TEXT.replace("at any time", "whenever they wish"))
    amendment = fresh(Amendment, a7.id)
    assert db.session.get(Revision, amendment.head.base_revision_id).amendment_id is None


# Racing: an edit and a vote opening at the same moment ------------------------------------------

def test_an_edit_racing_a_vote_opening_never_leaves_a_vote_on_a_text_that_moved(app, setup):
    from deliberate.members.models import Person
    from tests.concurrency import run_together

    steward_id, editor_id = setup["steward"].id, setup["delegates"][1].id
    section_id = section(setup).id
    for round_ in range(6):
        a = opened(setup, section(setup).body.replace("together", f"together ({round_})"))

        def work(i, amendment_id=a.id, round_=round_):
            if i == 0:
                return voting.open_vote(actor=db.session.get(Person, steward_id), subject_kind="amendment",
                                        subject_id=amendment_id, rule_preset="simple-majority",
                                        closes_at=utcnow() + timedelta(days=7)).id
            s = db.session.get(Section, section_id)
            return standards.revise_section(actor=db.session.get(Person, editor_id), section=s, title=s.title,
                                            body=s.body.replace("one vote", f"one vote ({round_})"),
                                            message="Race.", base_revision_id=s.head_revision_id).id

        _results, errors = run_together(app, work, writers=2)
        assert all(isinstance(e, DomainError) for e in errors), errors
        amendment = fresh(Amendment, a.id)
        votes = list(db.session.scalars(select(Vote).where(Vote.subject_kind == "amendment",
                                                           Vote.subject_id == a.id)))
        for vote in votes:
            if vote.state == "open":
                assert amendment.state == "voting" and voted_text_is_intact(vote.id, a.id)
                assert amendment.head.base_revision_id == section(setup).head_revision_id
        if not any(v.state == "open" for v in votes):
            assert amendment.state == "open"
        if amendment.state == "voting":
            closing.cancel_vote(actor=setup["steward"], vote=next(v for v in votes if v.state == "open"),
                                reason="Next round.")


def test_followers_of_the_standard_are_told_the_vote_was_cancelled(setup, make_delegate):
    from deliberate.follows import queries as follows
    from deliberate.follows import services as following

    follower = make_delegate(name="Follower")
    following.follow_standard(actor=follower, standard=setup["standard"])
    a7 = opened(setup, TEXT.replace("together", "jointly"))
    vote7 = vote_on(setup, "amendment", a7.id)
    adopt_by_vote(setup, opened(setup, TEXT.replace("one vote", "one equal vote"), who=1))
    news = [(e.kind, e.payload.get("vote_id")) for e in follows.inbox(follower, utcnow()).events]
    assert ("vote_cancelled", vote7.id) in news


def test_a_vote_on_a_change_to_a_section_another_vote_removes_is_cancelled(setup):
    a7 = opened(setup, TEXT.replace("together", "jointly"))
    vote7 = vote_on(setup, "amendment", a7.id)
    removal = services.propose_amendment(actor=setup["delegates"][1], standard=setup["standard"], kind="delete",
                                         section=section(setup), summary="Not needed.")
    removal = services.open_amendment(actor=setup["delegates"][1], amendment=removal)
    adopt_by_vote(setup, removal)
    assert fresh(Amendment, a7.id).state == "superseded"
    cancelled = fresh(Vote, vote7.id)
    assert cancelled.state == "cancelled" and removal.reference in cancelled.cancel_reason


# The order of the sections is under vote too ----------------------------------------------------

def inserted(setup, title, position, who=0):
    amendment = services.propose_amendment(actor=setup["delegates"][who], standard=setup["standard"], kind="insert",
                                           summary="A new principle.", proposed_title=title,
                                           proposed_body=f"{title}: what co-ops do.", target_position=position)
    return services.open_amendment(actor=setup["delegates"][who], amendment=amendment)


def test_a_vote_on_inserting_a_section_freezes_the_order(setup):
    """An insert is voted on a place ("position 1"): adding a section or adopting another insert
    directly would shift what that place means, so both are refused while the vote is open."""
    a7 = inserted(setup, "Education", 1)
    vote = vote_on(setup, "amendment", a7.id)
    with pytest.raises(DomainError) as refused:
        standards.add_section(actor=setup["steward"], standard=setup["standard"], title="Preamble", body="Why.",
                              position=1)
    assert a7.reference in refused.value.message
    other = inserted(setup, "Solidarity", 1, who=1)
    with pytest.raises(DomainError):
        adoption.adopt_directly(actor=setup["steward"], amendment=fresh(Amendment, other.id))
    assert [s.title for s in standards.get_standard(setup["standard"].slug).sections] == ["Member ownership"]
    assert fresh(Vote, vote.id).state == "open" and voted_text_is_intact(vote.id, a7.id)


def test_another_vote_changing_the_order_cancels_a_vote_on_an_insert(setup):
    a7 = inserted(setup, "Education", 1)
    vote7 = vote_on(setup, "amendment", a7.id)
    a8 = inserted(setup, "Solidarity", 1, who=1)
    adopt_by_vote(setup, a8)
    cancelled = fresh(Vote, vote7.id)
    assert cancelled.state == "cancelled" and a8.reference in cancelled.cancel_reason
    assert fresh(Amendment, a7.id).state == "open"
    assert queries.published_record(cancelled)[-1]["type"] == "cancelled"
