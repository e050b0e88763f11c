"""Following standards and notifications, against the database: what counts, for whom, and when."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from deliberate.database import unit_of_work, utcnow
from deliberate.discussions import services as discussions
from deliberate.errors import PermissionDenied
from deliberate.extensions import db
from deliberate.follows import queries, services
from deliberate.follows.models import Follow, NotificationMarker
from deliberate.proposals import services as proposals
from deliberate.realtime.events import record_event
from deliberate.voting import closing as vote_closing
from deliberate.voting import services as voting


@pytest.fixture
def follower(make_delegate, make_coop):
    return make_delegate(coop=make_coop(name="Followers Co-op"), name="Fola")


def unread(person, now=None) -> int:
    db.session.expire_all()
    return queries.badge(person, now or utcnow()).unread


def kinds(person, now=None) -> list[str]:
    db.session.expire_all()
    return [e.kind for e in queries.inbox(person, now or utcnow()).events]


def propose(network, opened=True, who="delegate"):
    section = network["section"]
    amendment = proposals.propose_amendment(
        actor=network[who], standard=network["standard"], kind="modify", section=section, summary="Clearer.",
        proposed_title=section.title, proposed_body=f"Members own the platform ({utcnow().timestamp()}).")
    return proposals.open_amendment(actor=network[who], amendment=amendment) if opened else amendment


def ratify(standard, number="1.0"):
    with unit_of_work() as session:
        record_event(session, "version_ratified", f"standard:{standard.id}",
                     {"standard_id": standard.id, "version_id": 1, "number": number, "title": standard.title})


# Following ---------------------------------------------------------------------------------

def test_following_is_idempotent_and_can_be_undone(network, follower):
    standard = network["standard"]
    first = services.follow_standard(actor=follower, standard=standard)
    again = services.follow_standard(actor=follower, standard=standard)
    assert first.id == again.id
    assert db.session.scalar(select(func.count(Follow.id))) == 1
    assert queries.is_following(follower, standard.id)
    services.unfollow_standard(actor=follower, standard=standard)
    services.unfollow_standard(actor=follower, standard=standard)
    assert not queries.is_following(follower, standard.id)


def test_following_records_events_in_the_persons_own_room_only(network, follower):
    from deliberate.realtime.events import Event

    services.follow_standard(actor=follower, standard=network["standard"])
    services.follow_standard(actor=follower, standard=network["standard"])
    services.unfollow_standard(actor=follower, standard=network["standard"])
    rows = db.session.execute(select(Event.kind, Event.scope).where(Event.kind.like("standard_%follow%"))
                              .order_by(Event.id)).all()
    assert rows == [("standard_followed", f"user:{follower.id}"), ("standard_unfollowed", f"user:{follower.id}")]


def test_observers_cannot_follow(network):
    with pytest.raises(PermissionDenied):
        services.follow_standard(actor=None, standard=network["standard"])
    with pytest.raises(PermissionDenied):
        services.mark_seen(actor=None, up_to_event_id=1)


def test_any_signed_in_person_may_follow(network):
    for role in ("steward", "delegate", "suspended_delegate"):
        services.follow_standard(actor=network[role], standard=network["standard"])
    assert db.session.scalar(select(func.count(Follow.id))) == 3


# What counts -------------------------------------------------------------------------------

def test_what_happened_before_following_is_not_news(network, follower):
    propose(network)
    ratify(network["standard"])
    services.follow_standard(actor=follower, standard=network["standard"])
    assert unread(follower) == 0 and kinds(follower) == []


def test_new_amendments_votes_results_and_versions_are_news(network, follower, steward):
    standard = network["standard"]
    services.follow_standard(actor=follower, standard=standard)
    amendment = propose(network)
    vote = voting.open_vote(actor=steward, subject_kind="amendment", subject_id=amendment.id,
                            closes_at=utcnow() + timedelta(days=7))
    vote_closing.close_vote(actor=steward, vote=vote)
    ratify(standard, "1.1")
    assert kinds(follower) == ["version_ratified", "vote_closed", "vote_opened", "amendment_opened"]
    assert unread(follower) == 4


def test_chatter_private_drafts_and_ones_own_actions_are_not_news(network, follower):
    standard = network["standard"]
    services.follow_standard(actor=follower, standard=standard)
    services.follow_standard(actor=network["delegate"], standard=standard)
    draft = propose(network, opened=False)  # a private draft: nothing in the standard's room
    discussions.post_comment(actor=network["delegate"], subject_kind="standard", subject_id=standard.id,
                             body="Just chatting.")
    assert unread(follower) == 0
    proposals.open_amendment(actor=network["delegate"], amendment=draft)
    assert unread(follower) == 1
    assert unread(network["delegate"]) == 0  # they opened it themselves


def test_unfollowing_stops_the_news(network, follower):
    services.follow_standard(actor=follower, standard=network["standard"])
    propose(network)
    assert unread(follower) == 1
    services.unfollow_standard(actor=follower, standard=network["standard"])
    assert unread(follower) == 0 and kinds(follower) == []


def test_only_followed_standards_count(network, follower, make_standard, steward):
    other = make_standard(title="Model Bylaws")
    services.follow_standard(actor=follower, standard=other)
    propose(network)
    ratify(network["standard"])
    assert unread(follower) == 0
    ratify(other)
    assert unread(follower) == 1


def test_things_addressed_to_the_person_count_without_following(network, follower):
    amendment = propose(network, opened=False)
    proposals.add_coauthor(actor=network["delegate"], amendment=amendment, email=follower.email)
    assert kinds(follower) == ["coauthor_added"]
    assert kinds(network["suspended_delegate"]) == []  # never someone else's room


# Seen and unseen ---------------------------------------------------------------------------

def test_looking_marks_everything_seen_and_the_marker_never_moves_back(network, follower):
    services.follow_standard(actor=follower, standard=network["standard"])
    propose(network)
    box = queries.inbox(follower, utcnow())
    assert box.unread == 1 and box.is_new(box.events[0])
    services.mark_seen(actor=follower, up_to_event_id=box.latest_event_id)
    assert unread(follower) == 0
    services.mark_seen(actor=follower, up_to_event_id=0)
    assert unread(follower) == 0
    propose(network)
    box = queries.inbox(follower, utcnow())
    assert box.unread == 1 and [box.is_new(e) for e in box.events] == [True, False]
    assert db.session.scalar(select(func.count(NotificationMarker.id))) == 1


def test_a_vote_closing_within_a_day_becomes_news_on_its_last_day(network, follower, steward):
    services.follow_standard(actor=follower, standard=network["standard"])
    now = utcnow()
    amendment = propose(network)
    vote = voting.open_vote(actor=steward, subject_kind="amendment", subject_id=amendment.id,
                            closes_at=now + timedelta(days=3), now=now)
    services.mark_seen(actor=follower, up_to_event_id=queries.inbox(follower, now).latest_event_id, now=now)
    assert unread(follower, now) == 0
    badge = queries.badge(follower, now)
    assert badge.next_due_at == vote.closes_at - timedelta(days=1)
    last_day = now + timedelta(days=2, hours=1)
    assert unread(follower, last_day) == 1
    box = queries.inbox(follower, last_day)
    assert [c.vote.id for c in box.closing] == [vote.id] and box.closing[0].is_new
    services.mark_seen(actor=follower, up_to_event_id=box.latest_event_id, now=last_day)
    assert unread(follower, last_day + timedelta(hours=1)) == 0
    assert queries.inbox(follower, last_day + timedelta(hours=1)).closing[0].is_new is False
    assert unread(follower, now + timedelta(days=3, hours=1)) == 0  # closed by then: no longer listed


def test_a_personal_reminder_replaces_the_closing_soon_notice(network, steward):
    delegate = network["delegate"]
    services.follow_standard(actor=delegate, standard=network["standard"])
    now = utcnow()
    amendment = propose(network, who="steward")
    vote = voting.open_vote(actor=steward, subject_kind="amendment", subject_id=amendment.id,
                            closes_at=now + timedelta(days=3), now=now)
    last_day = now + timedelta(days=2, hours=1)
    assert vote_closing.send_reminders(last_day) >= 1
    box = queries.inbox(delegate, last_day)
    assert "vote_reminder" in [e.kind for e in box.events]
    assert box.closing == []
    assert queries.badge(delegate, last_day).unread == box.unread
    assert vote.id in {e.payload["vote_id"] for e in box.events if e.kind == "vote_reminder"}


def test_the_badge_lists_the_rooms_to_join(network, follower, make_standard):
    other = make_standard(title="Model Bylaws")
    services.follow_standard(actor=follower, standard=network["standard"])
    services.follow_standard(actor=follower, standard=other)
    assert set(queries.badge(follower, utcnow()).rooms) == {f"standard:{network['standard'].id}",
                                                            f"standard:{other.id}"}


def test_notices_say_what_happened_and_link_to_it(app, network, follower, steward):
    from deliberate.follows.presenting import notices

    standard = network["standard"]
    services.follow_standard(actor=follower, standard=standard)
    amendment = propose(network)
    ratify(standard, "2.0")
    with app.test_request_context():
        items = notices(queries.inbox(follower, utcnow()))
    assert [n.kind for n in items] == ["version_ratified", "amendment_opened"]
    assert items[0].text == "New version ratified: Platform Co-op Principles 2.0"
    assert items[0].url == f"/standards/{standard.slug}/v/2.0"
    assert items[1].text.startswith(f"New amendment open for discussion: A{amendment.id}")
    assert items[1].url == f"/standards/{standard.slug}/amendments/{amendment.id}"
    assert all(n.is_new and n.standard_title == standard.title for n in items)


def test_an_amendment_brought_up_to_date_tells_its_authors(app, network, follower):
    """A rebase (after another change to the section) can cancel a vote on the amendment: its
    authors are told even if they do not follow the standard."""
    from deliberate.follows.presenting import notices

    amendment = propose(network)
    with unit_of_work() as session:
        record_event(session, "amendment_rebased", f"user:{follower.id}",
                     {"amendment_id": amendment.id, "standard_id": network["standard"].id})
    assert kinds(follower) == ["amendment_rebased"]
    with app.test_request_context():
        (notice,) = notices(queries.inbox(follower, utcnow()))
    assert notice.text.startswith(f"Your amendment A{amendment.id}") and "brought up to date" in notice.text
