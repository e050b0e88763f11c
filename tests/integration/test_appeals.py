"""Formal objections against the database: the filing window, mediation and withdrawal, the
council drawn without the parties, dismissal and replacement, the short circuit, the council's
decision and minority opinions, blocking a ratification, and the reverting amendment."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from deliberate.appeals import draw, record, services
from deliberate.appeals.models import FormalObjection, ObjectionRecordEntry
from deliberate.database import utcnow
from deliberate.errors import Conflict, InvalidInput, PermissionDenied
from deliberate.extensions import db
from deliberate.proposals import adoption
from deliberate.proposals import services as proposals
from deliberate.proposals.models import Amendment
from deliberate.realtime.events import Event
from deliberate.standards import services as standards
from deliberate.versions import services as versions
from deliberate.versions.models import Version
from deliberate.voting import closing
from deliberate.voting import services as voting


@pytest.fixture
def world(steward, make_delegate, make_standard):
    """Eight member co-ops with a delegate each; an amendment by the first adopted by a steward."""
    delegates = [make_delegate() for _ in range(8)]
    standard = make_standard(title="Platform Co-op Principles")
    standard.policy = {"steward_may_adopt": ["principle", "guidance", "editorial"]}
    db.session.commit()
    standard = standards.get_standard(standard.slug)
    section = standard.sections[0]
    amendment = proposals.propose_amendment(actor=delegates[0], standard=standard, kind="modify", section=section,
                                            summary="Plainer words.", proposed_title=section.title,
                                            proposed_body="The members own the platform together.")
    amendment = proposals.open_amendment(actor=delegates[0], amendment=amendment)
    amendment = adoption.adopt_directly(actor=steward, amendment=amendment)
    return {"delegates": delegates, "standard": standard, "amendment": amendment, "steward": steward,
            "section": section}


def file(world, who=1, **kw):
    values = dict(subject_kind="amendment", subject_id=world["amendment"].id, issue="It changes the meaning.",
                  rationale="Ownership is not only together.", proposed_change="Keep the old words.")
    values.update(kw)
    return services.file_objection(actor=world["delegates"][who], **values)


def log(objection):
    db.session.expire_all()
    return services.entries(db.session, objection.id)


def by_slug(world, slug):
    return next(d for d in world["delegates"] if d.coops[0].slug == slug)


def test_filing_records_the_objection_and_its_first_entry(world):
    objection = file(world)
    assert objection.state == "filed" and objection.subject == f"amendment:{world['amendment'].id}"
    entries = log(objection)
    assert [e["kind"] for e in entries] == ["filed"] and record.verify(entries) == []
    assert entries[0]["payload"]["coop"] == world["delegates"][1].coops[0].slug
    assert objection.window_ends_at == world["amendment"].decided_at + timedelta(days=30)
    event = db.session.scalar(select(Event).where(Event.kind == "objection_filed"))
    assert event.scope == f"standard:{world['standard'].id}" and event.payload["objection_id"] == objection.id


def test_the_filing_window_comes_from_the_decisions_terms(world):
    decided = world["amendment"].decided_at
    days = world["amendment"].terms["objection_days"]
    file(world, now=decided + timedelta(days=days))  # the last moment is still inside
    with pytest.raises(Conflict, match="period for formal objections"):
        file(world, who=2, now=decided + timedelta(days=days, seconds=1))


def test_only_a_decision_can_be_objected_to_and_only_by_a_member_co_op(world):
    standard = standards.get_standard(world["standard"].slug)
    open_one = proposals.propose_amendment(actor=world["delegates"][2], standard=standard, kind="modify",
                                           section=standard.sections[1], summary="More.",
                                           proposed_title=standard.sections[1].title, proposed_body="Other words.")
    open_one = proposals.open_amendment(actor=world["delegates"][2], amendment=open_one)
    with pytest.raises(Conflict, match="has not been decided"):
        file(world, subject_id=open_one.id)
    with pytest.raises(PermissionDenied):
        services.file_objection(actor=world["steward"], subject_kind="amendment", subject_id=world["amendment"].id,
                                issue="x", rationale="y", proposed_change="z")
    with pytest.raises(InvalidInput):
        file(world, issue="   ")


def test_mediation_then_the_filing_co_op_withdraws(world):
    objection = file(world)
    with pytest.raises(PermissionDenied):
        services.add_mediation_note(actor=world["delegates"][2], objection=objection, note="We met.")
    services.add_mediation_note(actor=world["steward"], objection=objection, note="We met on Tuesday.")
    services.put_proposal(actor=world["steward"], objection=objection, text="Say both: own and run together.")
    with pytest.raises(PermissionDenied):
        services.withdraw_objection(actor=world["delegates"][2], objection=objection)
    objection = services.withdraw_objection(actor=world["delegates"][1], objection=objection, note="Settled.")
    assert objection.state == "withdrawn"
    with pytest.raises(Conflict):
        services.convene_council(actor=world["steward"], objection=objection)
    kinds = [e["kind"] for e in log(objection)]
    assert kinds == ["filed", "mediation_note", "proposal", "withdrawn"]
    assert record.verify(log(objection)) == []


def test_the_council_is_drawn_without_the_parties_and_reproducibly(world):
    objection = file(world)
    services.convene_council(actor=world["steward"], objection=objection)
    entries = log(objection)
    drawn = entries[-1]["payload"]
    filer, author = world["delegates"][1].coops[0].slug, world["delegates"][0].coops[0].slug
    assert {filer, author} <= set(drawn["parties"])
    assert filer not in drawn["eligible"] and author not in drawn["eligible"]
    assert len(drawn["eligible"]) == 6 and drawn["size"] == 5 and drawn["council"] == drawn["order"][:5]
    assert drawn["record_head"] == entries[-2]["hash"]
    assert drawn["seed"] == draw.derive_seed(drawn["witness_head"], drawn["record_head"])
    assert draw.draw_order(drawn["seed"], reversed(drawn["eligible"])) == drawn["order"]
    assert record.verify(entries) == []
    assert db.session.get(FormalObjection, objection.id).state == "council"


def test_a_council_dismisses_a_member_and_the_next_in_order_replaces_it(world):
    objection = file(world)
    services.convene_council(actor=world["steward"], objection=objection)
    order = log(objection)[-1]["payload"]["order"]
    council, target = order[:5], order[0]
    voters = [by_slug(world, slug) for slug in council[1:]]
    with pytest.raises(PermissionDenied):  # the filer does not sit on the council
        services.move_dismissal(actor=world["delegates"][1], objection=objection, member=target, reason="Absent.")
    with pytest.raises(Conflict, match="own dismissal"):
        services.cast_council_ballot(actor=by_slug(world, target), objection=objection,
                                     question=f"dismiss:{target}", choice="no")
    services.move_dismissal(actor=voters[0], objection=objection, member=target, reason="Never attends.")
    services.cast_council_ballot(actor=voters[1], objection=objection, question=f"dismiss:{target}", choice="yes")
    assert services.current_council(db.session, objection) == council  # 2 of 4: not yet a majority
    services.cast_council_ballot(actor=voters[2], objection=objection, question=f"dismiss:{target}", choice="yes")
    assert services.current_council(db.session, objection) == order[1:6]
    entries = log(objection)
    assert entries[-1]["kind"] == "member_dismissed" and entries[-1]["payload"]["coop"] == target
    assert record.verify(entries) == []
    with pytest.raises(PermissionDenied):  # the dismissed member no longer votes
        services.cast_council_ballot(actor=by_slug(world, target), objection=objection,
                                     question=f"dismiss:{order[1]}", choice="yes")


def test_short_circuit_adopts_the_mediators_proposal_with_80_percent_and_no_nay(world):
    objection = file(world)
    services.put_proposal(actor=world["steward"], objection=objection, text="Own and run it together.")
    services.convene_council(actor=world["steward"], objection=objection)
    entries = log(objection)
    council = entries[-1]["payload"]["council"]
    question = f"proposal:{entries[1]['seq']}"
    members = [by_slug(world, slug) for slug in council]
    services.cast_council_ballot(actor=members[0], objection=objection, question=question, choice="no")
    for member in members[1:5]:
        services.cast_council_ballot(actor=member, objection=objection, question=question, choice="yes")
    assert db.session.get(FormalObjection, objection.id).state == "council"  # one nay blocks
    services.cast_council_ballot(actor=members[0], objection=objection, question=question, choice="abstain")
    # 4 of 5 yes (80%) and no nay: adopted
    objection = db.session.get(FormalObjection, objection.id)
    assert objection.state == "settled" and objection.outcome == "settled"
    assert objection.reason == "Own and run it together."
    assert log(objection)[-1]["kind"] == "short_circuit" and record.verify(log(objection)) == []


def test_the_short_circuit_lapses_after_two_weeks(world):
    objection = file(world)
    services.put_proposal(actor=world["steward"], objection=objection, text="Own and run it together.")
    services.convene_council(actor=world["steward"], objection=objection)
    entries = log(objection)
    member = by_slug(world, entries[-1]["payload"]["council"][0])
    with pytest.raises(Conflict, match="two weeks"):
        services.cast_council_ballot(actor=member, objection=objection, question="proposal:1", choice="yes",
                                     now=utcnow() + timedelta(days=14, seconds=1))


def test_the_council_decides_with_a_reason_and_a_minority_opinion(world):
    objection = file(world)
    services.add_mediation_note(actor=world["steward"], objection=objection, note="No agreement.")
    services.convene_council(actor=world["steward"], objection=objection)
    council = log(objection)[-1]["payload"]["council"]
    members = [by_slug(world, slug) for slug in council]
    draft = services.draft_decision(actor=members[0], objection=objection, outcome="affirm", finding="overruled",
                                    reason="The new words keep the meaning.")
    question = f"decision:{draft['seq']}"
    services.cast_council_ballot(actor=members[1], objection=objection, question=question, choice="yes")
    services.cast_council_ballot(actor=members[2], objection=objection, question=question, choice="no")
    assert db.session.get(FormalObjection, objection.id).state == "council"
    services.cast_council_ballot(actor=members[3], objection=objection, question=question, choice="yes")
    objection = db.session.get(FormalObjection, objection.id)
    assert (objection.state, objection.outcome, objection.finding) == ("decided", "affirm", "overruled")
    with pytest.raises(PermissionDenied):
        services.write_minority_opinion(actor=world["delegates"][1], objection=objection, text="We disagree.")
    services.write_minority_opinion(actor=members[2], objection=objection, text="Together is not the point.")
    entries = log(objection)
    assert [e["kind"] for e in entries][-2:] == ["decided", "minority_opinion"]
    assert record.verify(entries) == []
    with pytest.raises(Conflict):
        services.withdraw_objection(actor=world["delegates"][1], objection=objection)


def test_record_rows_are_append_only(world):
    objection = file(world)
    with pytest.raises(Exception, match="append-only"):
        db.session.execute(text("UPDATE objection_records SET kind = 'withdrawn'"))
        db.session.flush()
    db.session.rollback()
    with pytest.raises(Exception, match="append-only"):
        db.session.execute(text("DELETE FROM objection_records"))
        db.session.flush()
    db.session.rollback()
    assert db.session.scalar(select(ObjectionRecordEntry.kind).where(ObjectionRecordEntry.objection_id == objection.id)) == "filed"


def test_a_pending_objection_blocks_ratifying_a_version_that_includes_the_amendment(world):
    steward, delegates = world["steward"], world["delegates"]
    objection = file(world)
    version = versions.assemble_version(actor=steward, standard=world["standard"], summary="Plainer words.")
    assert world["amendment"].id in version.amendment_ids
    with pytest.raises(Conflict, match=f"formal objection {objection.id}"):
        versions.open_ratification_vote(actor=steward, version=version, closes_at=utcnow() + timedelta(days=7))
    services.withdraw_objection(actor=delegates[1], objection=objection)
    vote = versions.open_ratification_vote(actor=steward, version=version, closes_at=utcnow() + timedelta(days=7))
    # Filed while the vote is open (another decision's objection cannot block it; this one can).
    second = file(world, who=2)
    for delegate in delegates[:5]:
        voting.cast_ballot(actor=delegate, vote=vote, choice="for")
    vote = closing.close_vote(actor=steward, vote=vote)
    db.session.expire_all()
    assert db.session.get(Version, version.id).state == "candidate"
    assert f"formal objection {second.id}" in vote.effect_note


def test_an_overturned_amendment_gets_a_reverting_amendment_not_a_rewrite(world):
    objection = file(world)
    services.convene_council(actor=world["steward"], objection=objection)
    members = [by_slug(world, slug) for slug in log(objection)[-1]["payload"]["council"]]
    draft = services.draft_decision(actor=members[0], objection=objection, outcome="overturn", finding="upheld",
                                    reason="It changes who owns what.")
    for member in members[1:3]:
        services.cast_council_ballot(actor=member, objection=objection, question=f"decision:{draft['seq']}",
                                     choice="yes")
    objection = db.session.get(FormalObjection, objection.id)
    assert objection.outcome == "overturn"
    with pytest.raises(PermissionDenied):
        services.propose_reverting_amendment(actor=members[0], objection=objection)
    reverting = services.propose_reverting_amendment(actor=world["steward"], objection=objection)
    assert reverting.state == "draft" and reverting.head.proposed_body == "Members own the platform."
    db.session.expire_all()
    assert db.session.get(Amendment, world["amendment"].id).state == "adopted"  # history stays
    assert db.session.get(FormalObjection, objection.id).reverting_amendment_id == reverting.id
    with pytest.raises(Conflict):
        services.propose_reverting_amendment(actor=world["steward"], objection=objection)


def test_an_admission_decision_can_be_objected_to(world, make_coop):
    applicant = make_coop("applicant", name="Newcomers")
    vote = voting.open_vote(actor=world["steward"], subject_kind="admission", subject_id=applicant.id,
                            closes_at=utcnow() + timedelta(days=7))
    for delegate in world["delegates"][:6]:
        voting.cast_ballot(actor=delegate, vote=vote, choice="for")
    closing.close_vote(actor=world["steward"], vote=vote)
    objection = file(world, subject_kind="admission", subject_id=applicant.id)
    services.convene_council(actor=world["steward"], objection=objection)
    drawn = log(objection)[-1]["payload"]
    assert applicant.slug in drawn["parties"] and applicant.slug not in drawn["eligible"]


def _told_of_a_seat(person, objection_id):
    from deliberate.follows import presenting
    from deliberate.follows import queries as follows

    db.session.expire_all()
    box = follows.inbox(person, utcnow())
    seats = [e for e in box.events if e.kind == "council_seat" and e.payload["objection_id"] == objection_id]
    return seats, [n for n in presenting.notices(box) if f"/objections/{objection_id}" in n.url]


def test_the_delegates_of_each_seated_co_op_are_told_and_a_replacement_too(app, world):
    objection = file(world)
    services.convene_council(actor=world["steward"], objection=objection)
    order = log(objection)[-1]["payload"]["order"]
    with app.test_request_context():
        for slug in order[:5]:
            seats, notices = _told_of_a_seat(by_slug(world, slug), objection.id)
            assert len(seats) == 1 and len(notices) == 1
            assert "sits on the council of formal objection" in notices[0].text
        assert _told_of_a_seat(by_slug(world, order[5]), objection.id) == ([], [])  # not seated
        assert _told_of_a_seat(world["delegates"][1], objection.id) == ([], [])  # a party
    target, voters = order[0], [by_slug(world, slug) for slug in order[1:4]]
    services.move_dismissal(actor=voters[0], objection=objection, member=target, reason="Never attends.")
    for voter in voters[1:]:
        services.cast_council_ballot(actor=voter, objection=objection, question=f"dismiss:{target}", choice="yes")
    with app.test_request_context():
        seats, notices = _told_of_a_seat(by_slug(world, order[5]), objection.id)  # seated in its place
        assert len(seats) == 1 and len(notices) == 1
        assert len(_told_of_a_seat(by_slug(world, order[1]), objection.id)[0]) == 1  # not told twice


def test_a_seated_co_ops_delegates_find_the_council_in_their_digest_while_it_sits(app, world):
    """The digest names the councils the reader's co-op sits on (mail is how a delegate who rarely
    signs in learns of it); once the objection ends, the part is dropped from a digest not yet sent."""
    from deliberate.mail import compose, digest, digests
    from deliberate.mail.compose import Skip
    from deliberate.mail.models import OutboxMail

    objection = file(world)
    services.convene_council(actor=world["steward"], objection=objection)
    order = log(objection)[-1]["payload"]["order"]
    seated, not_seated = by_slug(world, order[0]), by_slug(world, order[5])
    due = max(digest.due_at(p.created_at, "weekly", 7) for p in (seated, not_seated))
    assert due > utcnow()
    digests.queue_digests(due)
    mails = {m.person_id: m for m in db.session.scalars(select(OutboxMail).where(OutboxMail.kind == "digest"))}
    assert "council_seats" not in (mails[not_seated.id].params if not_seated.id in mails else {})
    mail = mails[seated.id]
    [seat] = mail.params["council_seats"]
    assert db.session.get(Event, seat).scope == f"user:{seated.id}"
    with app.app_context():
        letter = compose.compose(mail, due)
        assert not isinstance(letter, Skip), letter
        assert "Your co-op sits on a council" in letter.text and f"/objections/{objection.id}" in letter.text
        assert objection.title in letter.html and seated.coops[0].name in letter.text
    services.withdraw_objection(actor=world["delegates"][1], objection=objection)
    db.session.expire_all()
    mail = db.session.get(OutboxMail, mail.id)
    with app.app_context():
        assert isinstance(compose.compose(mail, due), Skip)  # nothing else was in it


def test_the_co_ops_party_to_the_decision_are_told_an_objection_was_filed(app, world):
    """The amendment's author co-op learns of the objection to its adopted change at once (it will be
    heard in mediation); the filing co-op and the others are not told this way."""
    from deliberate.follows import presenting
    from deliberate.follows import queries as follows

    objection = file(world)
    db.session.expire_all()
    with app.test_request_context():
        def told(person):
            box = follows.inbox(person, utcnow())
            return [n.text for n in presenting.notices(box) if n.kind == "objection_filed_against"]

        author = told(world["delegates"][0])
        assert len(author) == 1, author
        filer = world["delegates"][1].coops[0].name
        assert filer in author[0] and world["delegates"][0].coops[0].name in author[0]
        assert told(world["delegates"][1]) == [] and told(world["delegates"][2]) == []
    assert objection.id
