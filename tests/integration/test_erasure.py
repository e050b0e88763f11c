"""Right to be forgotten (Invariant 9): erasing a person removes their personal data everywhere,
keeps what they wrote as "a former delegate of X", and never touches a vote's record."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from deliberate.discussions import presence
from deliberate.discussions import services as discussions
from deliberate.discussions.models import Comment, CommentEdit
from deliberate.errors import Conflict, Gone, InvalidInput, PermissionDenied
from deliberate.extensions import db
from deliberate.follows.models import Follow
from deliberate.members import erasure
from deliberate.members import services as members
from deliberate.members.models import Delegation, Invitation, Person
from deliberate.members.presenting import person_label
from deliberate.proposals.models import Amendment
from deliberate.realtime.events import Event
from deliberate.search.models import SearchDocument
from deliberate.standards.models import Revision
from deliberate.voting import ledger, queries
from deliberate.voting.models import Ballot, Vote
from tests.conftest import TEST_PASSWORD
from tests.integration.personal_data import EMAIL, NAME


def _everything_stored() -> str:
    """Every row of every table, as text: what a database dump would show."""
    rows = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)):
            rows.append(json.dumps([str(value) for value in row], ensure_ascii=False))
    return "\n".join(rows)


def test_the_fixture_really_stores_the_name_and_email(world):
    dump = _everything_stored()
    assert NAME in dump and EMAIL in dump


@pytest.mark.parametrize("comments", ["anonymise", "remove"])
def test_self_erasure_leaves_no_personal_data_anywhere(world, comments):
    z = world["z"]
    erasure.erase_self(actor=z, password=TEST_PASSWORD, comments=comments)
    db.session.expire_all()

    dump = _everything_stored()
    assert NAME not in dump and EMAIL not in dump and "Zephyrine" not in dump
    person = db.session.get(Person, z.id)
    assert person.erased_at is not None and person.is_erased
    assert (person.name, person.email, person.password_hash, person.last_sign_in_at) == ("", None, None, None)
    assert members.load_person(f"{z.id}:{z.session_version}") is None
    assert members.authenticate(email=EMAIL, password=TEST_PASSWORD) is None
    # Nothing points at the tombstone any more: its delegations, follows and notices are gone.
    assert not db.session.scalars(select(Delegation).where(Delegation.person_id == z.id)).all()
    assert not db.session.scalars(select(Follow).where(Follow.person_id == z.id)).all()
    assert not db.session.scalars(select(Event).where(Event.scope == f"user:{z.id}")).all()
    assert not db.session.scalars(select(Event).where(Event.actor_id == z.id)).all()
    assert presence.snapshot("standard:%d" % world["standard"].id)["people"] == []


@pytest.mark.parametrize("comments", ["anonymise", "remove"])
def test_the_vote_record_is_untouched_and_still_verifies(world, comments):
    vote = world["vote"]
    before = queries.export_ledger(vote)
    erasure.erase_self(actor=world["z"], password=TEST_PASSWORD, comments=comments)
    db.session.expire_all()
    vote = db.session.get(Vote, vote.id)
    after = queries.export_ledger(vote)
    assert after == before  # byte for byte: the record never held the person
    report = ledger.verify(ledger.loads_jsonl(after))
    assert report.ok and report.recomputed.to_dict() == vote.result
    ballot = db.session.scalar(select(Ballot).where(Ballot.vote_id == vote.id, Ballot.coop_id == world["kazi"].id))
    assert ballot.choice == "for" and ballot.cast_by_id is None and ballot.cast_by is None
    assert person_label(ballot.cast_by, ballot.coop) == "a former delegate of Kazi Riders"


def test_writings_stay_credited_to_a_former_delegate_of_the_coop(world):
    erasure.erase_self(actor=world["z"], password=TEST_PASSWORD, comments="anonymise")
    db.session.expire_all()
    revision = db.session.get(Revision, world["revision"].id)
    assert revision.body == "Members own the platform, together." and revision.author is None
    assert person_label(revision.author, revision.coop) == "a former delegate of Kazi Riders"
    amendment = db.session.get(Amendment, world["amendment"].id)
    assert amendment.author_id is None and amendment.coop.name == "Kazi Riders"
    assert [c.person.name for c in amendment.coauthors if c.person] == ["Otto Other"]
    comment = db.session.get(Comment, world["comment"].id)
    assert comment.author_id is None and comment.removed_at is None
    assert comment.body == "I think *together* matters a lot."
    # Its history is its own text, not personal data: kept when the words are kept.
    assert db.session.scalars(select(CommentEdit).where(CommentEdit.comment_id == comment.id)).all()


def test_removed_comments_keep_their_place_and_their_replies(world):
    erasure.erase_self(actor=world["z"], password=TEST_PASSWORD, comments="remove")
    db.session.expire_all()
    comment = db.session.get(Comment, world["comment"].id)
    assert comment.removed_at is not None and comment.body == "" and comment.quote is None
    assert not db.session.scalars(select(CommentEdit).where(CommentEdit.comment_id == comment.id)).all()
    reply = db.session.get(Comment, world["reply"].id)
    assert reply.parent_id == comment.id and reply.body == "Agreed."
    # The stored live events were redrawn: catching up never brings the words or the name back.
    for event in db.session.scalars(select(Event).where(Event.kind.in_(("comment_posted", "comment_edited")))):
        if event.payload["comment_id"] == comment.id:
            assert "together" not in event.payload["html"] and "removed at the author" in event.payload["html"].lower()
            assert event.payload["author_id"] is None
            assert event.payload["author_name"] == "a former delegate of Kazi Riders"
    # A reply can still be posted under it.
    discussions.post_comment(actor=world["other"], subject_kind="section", subject_id=world["standard"].sections[0].id,
                             body="Still replying.", parent_id=comment.id)


def test_the_erasure_is_logged_without_personal_data(world):
    z_id = world["z"].id
    erasure.erase_self(actor=world["z"], password=TEST_PASSWORD, comments="anonymise")
    event = db.session.scalar(select(Event).where(Event.kind == "person_erased"))
    assert event.payload == {"person_id": z_id, "by": "self"} and event.actor_id is None


def test_a_wrong_password_erases_nothing(world):
    with pytest.raises(InvalidInput) as refused:
        erasure.erase_self(actor=world["z"], password="not my password", comments="remove")
    assert "password" in refused.value.field_errors
    db.session.expire_all()
    assert NAME in _everything_stored()
    assert db.session.get(Person, world["z"].id).erased_at is None


def test_a_bad_comment_choice_is_refused(world):
    with pytest.raises(InvalidInput):
        erasure.erase_self(actor=world["z"], password=TEST_PASSWORD, comments="shred")


def test_a_steward_erases_on_request_with_a_reason_category(world, steward):
    z_id = world["z"].id
    with pytest.raises(PermissionDenied):
        erasure.erase_person(actor=world["other"], person_id=z_id, reason="request")
    with pytest.raises(InvalidInput):
        erasure.erase_person(actor=steward, person_id=z_id, reason="because I said so")
    with pytest.raises(Conflict):
        erasure.erase_person(actor=steward, person_id=steward.id, reason="request")
    erasure.erase_person(actor=steward, person_id=z_id, reason="request", comments="remove")
    event = db.session.scalar(select(Event).where(Event.kind == "person_erased"))
    assert event.payload == {"person_id": z_id, "by": "steward", "reason": "request"}
    assert event.actor_id == steward.id
    assert NAME not in _everything_stored()
    with pytest.raises(Gone):
        erasure.erase_person(actor=steward, person_id=z_id, reason="request")


def test_the_erased_id_is_never_given_to_a_new_account(world, make_delegate):
    """A new account must not inherit an old session cookie ("id:version") or a vote pseudonym."""
    z_id = world["z"].id
    erasure.erase_self(actor=world["z"], password=TEST_PASSWORD, comments="anonymise")
    newcomer = make_delegate(coop=world["kazi"], name="New Person", email=EMAIL)
    assert newcomer.id != z_id
    assert db.session.scalar(select(Person.id).where(Person.id > z_id).order_by(Person.id.desc())) == newcomer.id


def test_an_invitation_sent_to_the_erased_address_forgets_it(world, steward):
    invitation, _token = members.invite_delegate(actor=steward, coop=world["kazi"], email=EMAIL)
    erasure.erase_self(actor=world["z"], password=TEST_PASSWORD, comments="anonymise")
    db.session.expire_all()
    assert db.session.get(Invitation, invitation.id).email is None


def test_an_erased_person_cannot_ask_for_a_password_reset(world):
    erasure.erase_self(actor=world["z"], password=TEST_PASSWORD, comments="anonymise")
    assert members.request_password_reset(email=EMAIL) is None


def test_the_search_index_forgets_removed_words(world):
    erasure.erase_self(actor=world["z"], password=TEST_PASSWORD, comments="remove")
    db.session.expire_all()
    bodies = db.session.scalars(select(SearchDocument.body).where(SearchDocument.kind == "comment",
                                                                  SearchDocument.ref_id == world["comment"].id)).all()
    assert bodies and all("matters" not in body for body in bodies)
