"""Digests against the database: who gets one when, what is in it, nothing twice, one digest per
person even with two workers, and the mail itself."""
from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select

from deliberate.database import unit_of_work
from deliberate.extensions import db
from deliberate.follows import services as follows
from deliberate.mail import digest, digests, services
from deliberate.mail.models import MailSettings, OutboxMail
from deliberate.realtime.events import record_event
from deliberate.voting import closing
from deliberate.voting import services as voting

HOUR = 7  # MAIL_DIGEST_HOUR's default


def digest_mails(person_id=None) -> list[OutboxMail]:
    db.session.expire_all()
    query = select(OutboxMail).where(OutboxMail.kind == "digest").order_by(OutboxMail.id)
    if person_id is not None:
        query = query.where(OutboxMail.person_id == person_id)
    return list(db.session.scalars(query))


def first_due(person, choice="weekly"):
    return digest.due_at(person.created_at, choice, HOUR)


def open_vote(steward, network, closes_at, now):
    return voting.open_vote(actor=steward, subject_kind="admission", subject_id=network["applicant"].id,
                            closes_at=closes_at, now=now)


def ratify(standard, number="1.0"):
    """A version_ratified event, as versions.services records it."""
    with unit_of_work() as session:
        record_event(session, "version_ratified", f"standard:{standard.id}",
                     {"standard_id": standard.id, "number": number, "summary": "The first version."})


def test_a_weekly_digest_lists_what_needs_the_coops_vote_then_its_result_once(network, steward):
    delegate = network["delegate"]
    due = first_due(delegate)
    assert digests.queue_digests(due - timedelta(minutes=1)) == 0  # not due yet
    vote = open_vote(steward, network, closes_at=due + timedelta(days=17), now=due - timedelta(days=1))
    assert digests.queue_digests(due) == 1
    [mail] = digest_mails(delegate.id)
    assert mail.params == {"needs_vote": [vote.id], "closing_soon": [], "results": [], "versions": [], "period": "weekly"}
    assert digests.queue_digests(due + timedelta(hours=1)) == 0 and len(digest_mails()) == 1
    # The next week: nothing new (the vote closes after the next digest): no mail, the marks move on.
    week2 = due + timedelta(days=7)
    assert digests.queue_digests(week2) == 0
    # The week after: it closes within the week -> closing soon; then its result, once.
    week3 = week2 + timedelta(days=7)
    assert digests.queue_digests(week3) == 1
    assert digest_mails(delegate.id)[-1].params["closing_soon"] == [vote.id]
    closing.close_vote(actor=voting.SYSTEM, vote=vote, now=vote.closes_at)
    week4 = week3 + timedelta(days=7)
    assert digests.queue_digests(week4) == 1
    assert digest_mails(delegate.id)[-1].params["results"] == [vote.id]
    assert digests.queue_digests(week4 + timedelta(days=7)) == 0
    listed = [i for m in digest_mails(delegate.id) for part in ("needs_vote", "closing_soon", "results") for i in m.params[part]]
    assert listed == [vote.id, vote.id, vote.id]  # once in each part, never twice in one


def test_daily_weekly_and_off(network, steward, make_delegate):
    daily, weekly, off = network["delegate"], make_delegate(coop=network["member"]), make_delegate(coop=network["member"])
    services.save_settings(actor=daily, vote_opened=True, vote_closing=True, vote_closed=True, digest="daily")
    services.save_settings(actor=off, vote_opened=True, vote_closing=True, vote_closed=True, digest="off")
    start = max(p.created_at for p in (daily, weekly, off))
    open_vote(steward, network, closes_at=start + timedelta(days=30), now=start)
    for day in range(1, 9):
        digests.queue_digests(digest.due_at(start, "daily", HOUR) + timedelta(days=day - 1))
    assert len(digest_mails(daily.id)) == 1  # the vote once; the other days had nothing new
    assert len(digest_mails(weekly.id)) == 1
    assert digest_mails(off.id) == []
    settings = db.session.scalar(select(MailSettings).where(MailSettings.person_id == daily.id))
    assert settings.digest_at >= digest.due_at(start, "daily", HOUR) + timedelta(days=7)


def test_followers_get_new_versions_and_results_of_their_standards(network, steward, make_steward):
    reader = make_steward()  # follows the standard; acts for no co-op
    follows.follow_standard(actor=reader, standard=network["standard"])
    ratify(network["standard"], "1.0")
    due = first_due(reader)
    assert digests.queue_digests(due) >= 1
    [mail] = digest_mails(reader.id)
    assert len(mail.params["versions"]) == 1 and mail.params["needs_vote"] == []
    ratify(network["standard"], "1.1")
    digests.queue_digests(due + timedelta(days=7))
    assert len(digest_mails(reader.id)) == 2 and digest_mails(reader.id)[-1].params["versions"] != mail.params["versions"]


def test_two_workers_make_each_digest_once(app, network, steward, make_delegate):
    people = [network["delegate"]] + [make_delegate(coop=network["member"]) for _ in range(3)]
    start = max(p.created_at for p in people)
    open_vote(steward, network, closes_at=start + timedelta(days=30), now=start)
    due = digest.due_at(start, "weekly", HOUR)
    ids = sorted(p.id for p in people)
    db.session.remove()
    barrier, errors = threading.Barrier(3), []

    def work():
        try:
            with app.app_context():
                barrier.wait()
                digests.queue_digests(due)
                db.session.remove()
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert sorted(m.person_id for m in digest_mails()) == ids


def test_the_digest_mail_reads_well(network, steward, smtp, send):
    delegate = network["delegate"]
    due = first_due(delegate)
    vote = open_vote(steward, network, closes_at=due + timedelta(days=10), now=due - timedelta(days=1))
    digests.queue_digests(due)
    assert send(due).sent >= 1
    [message] = [m for m in smtp.inbox.to("delegate@example.org") if m["X-Deliberate-Mail"] == "digest"]
    assert message["Subject"] == "Your weekly summary from Deliberate"
    assert "/mail/unsubscribe/" in message["List-Unsubscribe"]
    text = message.get_body(("plain",)).get_content()
    assert "Your co-op has not voted yet" in text and vote.title in text and f"/votes/{vote.id}" in text
