"""The registry's services on the database (SQLite and PostgreSQL): declaring, re-affirming,
questions, escalation, the record they write, who may, and erasure."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from deliberate.database import utcnow
from deliberate.errors import Conflict, InvalidInput, PermissionDenied
from deliberate.extensions import db
from deliberate.members import erasure
from deliberate.realtime.events import Event
from deliberate.registry import chain, queries, services
from deliberate.registry.models import Declaration, DeclarationQuestion, RegistryEntry
from tests.registry_support import full_claims, ratify, revise, world


@pytest.fixture
def w(network, make_coop, make_delegate):
    return world(network, make_coop, make_delegate)


def test_a_delegate_declares_for_their_coop_and_the_record_verifies(w):
    d = services.declare(actor=w["amara"], coop=w["kazi"], version=w["version"], stance="adopts",
                         claims=full_claims(w["keys"]), note="We follow it.")
    found = db.session.get(Declaration, d.id)
    assert [c.status for c in found.claims] == ["met", "met"]
    entries = services.entries(db.session)
    assert [e["kind"] for e in entries] == ["declaration"] and chain.verify(entries) == []
    payload = entries[0]["payload"]
    assert payload["coop"] == w["kazi"].slug and payload["delegate"].startswith("d-")
    assert w["amara"].name not in chain.dumps(entries)  # the record holds a pseudonym, never a name
    assert found.entry_hash == entries[0]["hash"]
    event = db.session.scalar(select(Event).where(Event.kind == "declaration_made"))
    assert event.scope == f"standard:{w['standard'].id}" and event.payload["declaration_id"] == d.id


@pytest.mark.parametrize("who, coop, error", [
    ("lucia", "kazi", PermissionDenied),      # a delegate of another co-op
    ("steward", "kazi", PermissionDenied),    # stewards do not declare for co-ops
])
def test_only_the_coops_delegates_declare(w, who, coop, error):
    with pytest.raises(error):
        services.declare(actor=w[who], coop=w[coop], version=w["version"], stance="adopts",
                         claims=full_claims(w["keys"]))
    assert db.session.scalar(select(Declaration)) is None


def test_a_suspended_coop_cannot_declare(network, w):
    with pytest.raises(PermissionDenied):
        services.declare(actor=network["suspended_delegate"], coop=network["suspended"], version=w["version"],
                         stance="adopts", claims=full_claims(w["keys"]))


@pytest.mark.parametrize("claims, field", [
    ({}, "sections"),  # every section is needed when adopting
    ({"member-ownership": {"status": "met", "justification": "", "evidence_url": ""}}, "sections"),
    ("bad-evidence", "evidence_url"),
])
def test_incomplete_or_unsafe_declarations_are_refused(w, claims, field):
    if claims == "bad-evidence":
        claims = full_claims(w["keys"], evidence="http://169.254.169.254/latest/meta-data")
    with pytest.raises(InvalidInput) as refused:
        services.declare(actor=w["amara"], coop=w["kazi"], version=w["version"], stance="adopts", claims=claims)
    assert any(field in name for name in refused.value.field_errors), refused.value.field_errors
    assert services.entries(db.session) == []


def test_declaring_a_candidate_version_is_refused(w, network):
    from deliberate.standards import services as standards
    from deliberate.versions import services as versions

    revise(w["steward"], w["standard"].slug, 0, "Members own the platform, together.")
    candidate = versions.assemble_version(actor=w["steward"], standard=standards.get_standard(w["standard"].slug),
                                          summary="Next.")
    with pytest.raises(Conflict):
        services.declare(actor=w["amara"], coop=w["kazi"], version=candidate, stance="adopts",
                         claims=full_claims(w["keys"]))


def test_reaffirming_asks_only_for_what_changed_and_carries_the_rest(w):
    first = services.declare(actor=w["amara"], coop=w["kazi"], version=w["version"], stance="adopts",
                             claims=full_claims(w["keys"]))
    revise(w["steward"], w["standard"].slug, 1, "Members own their data and decide who may use it.")
    second = ratify(w["steward"], w["standard"].slug, w["voters"], "Data rights, stronger.")
    previous, changes = services.reaffirmation(db.session, w["kazi"], second)
    assert previous.id == first.id and [c["key"] for c in changes] == [w["keys"][1]]
    with pytest.raises(InvalidInput):  # the changed section must be answered
        services.reaffirm(actor=w["amara"], coop=w["kazi"], version=second, claims={})
    again = services.reaffirm(actor=w["amara"], coop=w["kazi"], version=second, claims={
        w["keys"][1]: {"status": "partly", "justification": "Consent is asked, not yet recorded.",
                       "evidence_url": ""}})
    found = db.session.get(Declaration, again.id)
    assert found.reaffirms_id == first.id and found.stance == "adopts"
    assert [(c.key, c.status, c.carried) for c in found.claims] == [
        (w["keys"][0], "met", True), (w["keys"][1], "partly", False)]
    views = {v.id: v.state for v in queries.coop_declarations(w["kazi"], utcnow())}
    assert views == {first.id: "superseded", again.id: "current"}
    assert chain.verify(services.entries(db.session)) == []
    with pytest.raises(Conflict):  # nothing older left to re-affirm on this version
        services.reaffirmation(db.session, w["kazi"], second)


def test_a_declaration_lapses_after_the_policys_period(w):
    old = utcnow() - timedelta(days=19 * 31)
    d = services.declare(actor=w["amara"], coop=w["kazi"], version=w["version"], stance="adopts",
                         claims=full_claims(w["keys"]), now=old)
    (view,) = queries.coop_declarations(w["kazi"], utcnow())
    assert view.id == d.id and view.state == "lapsed"


def test_questions_answers_and_escalation_stay_on_the_record(w):
    d = services.declare(actor=w["amara"], coop=w["kazi"], version=w["version"], stance="adopts",
                         claims=full_claims(w["keys"]))
    with pytest.raises(PermissionDenied):  # a co-op does not question itself
        services.ask_question(actor=w["amara"], coop=w["kazi"], declaration=d, reasons="Really?")
    q = services.ask_question(actor=w["lucia"], coop=w["dades"], declaration=d, reasons="Your data policy says otherwise.",
                              section_key=w["keys"][1])
    with pytest.raises(PermissionDenied):  # only the declaring co-op answers
        services.answer_question(actor=w["jonas"], question=q, answer="Not ours to say.")
    services.answer_question(actor=w["amara"], question=q, answer="We changed it in May: see the minutes.")
    with pytest.raises(Conflict):
        services.answer_question(actor=w["amara"], question=q, answer="Twice.")
    with pytest.raises(PermissionDenied):  # only the asking co-op escalates
        services.escalate_question(actor=w["amara"], question=q)
    services.escalate_question(actor=w["lucia"], question=q)
    with pytest.raises(Conflict):
        services.escalate_question(actor=w["lucia"], question=q)
    found = db.session.get(DeclarationQuestion, q.id)
    assert found.state == "escalated" and found.answer.startswith("We changed")
    entries = services.entries(db.session)
    assert [e["kind"] for e in entries] == ["declaration", "question", "answer", "escalation"]
    assert chain.verify(entries) == []
    event = db.session.scalar(select(Event).where(Event.kind == "declaration_question_escalated"))
    assert event.payload["question_id"] == q.id and event.payload["declaring_coop"] == w["kazi"].slug


def test_the_record_is_append_only_in_the_database(w):
    services.declare(actor=w["amara"], coop=w["kazi"], version=w["version"], stance="aspires",
                     claims=full_claims(w["keys"], status="not_met", evidence=""))
    with pytest.raises(Exception):  # noqa: B017 - SQLite and PostgreSQL raise different classes
        db.session.execute(text("UPDATE registry_entries SET at = '2020-01-01T00:00:00Z'"))
        db.session.commit()
    db.session.rollback()
    with pytest.raises(Exception):  # noqa: B017
        db.session.execute(text("DELETE FROM registry_entries"))
        db.session.commit()
    db.session.rollback()
    assert len(list(db.session.scalars(select(RegistryEntry)))) == 1


def test_erasing_the_signer_keeps_the_declaration_under_the_coop(w, app):
    d = services.declare(actor=w["amara"], coop=w["kazi"], version=w["version"], stance="adopts",
                         claims=full_claims(w["keys"]))
    before = chain.dumps(services.entries(db.session))
    erasure.erase_person(actor=w["steward"], person_id=w["amara"].id, reason="request")
    db.session.expire_all()
    found = db.session.get(Declaration, d.id)
    assert found.declared_by_id is None and found.coop_id == w["kazi"].id
    with app.test_request_context():
        from deliberate.members.presenting import person_label

        assert person_label(found.declared_by, found.coop) == f"a former delegate of {w['kazi'].name}"
    assert chain.dumps(services.entries(db.session)) == before  # the record is untouched


def test_sections_become_standard_with_evidence_from_two_coops(w):
    keys = w["keys"]
    services.declare(actor=w["amara"], coop=w["kazi"], version=w["version"], stance="adopts",
                     claims=full_claims(keys))
    services.declare(actor=w["lucia"], coop=w["dades"], version=w["version"], stance="adopts", claims={
        keys[0]: {"status": "met", "justification": "Yes.", "evidence_url": "https://dades.example.org/bylaws"},
        keys[1]: {"status": "met", "justification": "Yes, but no link.", "evidence_url": ""}})
    rows = {r.section["key"]: r for r in queries.implementation_report(w["version"], utcnow())}
    assert rows[keys[0]].track.maturity == "standard" and len(rows[keys[0]].met) == 2
    assert rows[keys[1]].track.maturity == "specification"
    later = utcnow() + timedelta(days=400)
    rows = {r.section["key"]: r for r in queries.implementation_report(w["version"], later)}
    assert rows[keys[1]].track.maturity == "at_risk"


def test_declarations_made_at_the_same_moment_keep_the_record_whole(w, app):
    """Three co-ops declare at once, several times each: the record's seq stays contiguous and every
    link holds (one writer at a time appends: the events' advisory lock on PostgreSQL, SQLite's lock)."""
    from deliberate.members.models import Cooperative, Person
    from deliberate.versions.models import Version
    from tests.concurrency import run_together

    actors = [(w["amara"].id, w["kazi"].id), (w["lucia"].id, w["dades"].id), (w["jonas"].id, w["fair"].id)]
    version_id, keys = w["version"].id, w["keys"]

    def work(i):
        person_id, coop_id = actors[i % 3]
        return services.declare(actor=db.session.get(Person, person_id), coop=db.session.get(Cooperative, coop_id),
                                version=db.session.get(Version, version_id), stance="adopts",
                                claims=full_claims(keys)).id

    results, errors = run_together(app, work, writers=9)
    assert not errors, errors
    entries = services.entries(db.session)
    assert len(entries) == 9 and [e["seq"] for e in entries] == list(range(9)) and chain.verify(entries) == []
    assert sorted(e["ref"] for e in entries) == sorted(results)


def test_escalating_files_a_formal_objection_in_the_same_transaction(w):
    from deliberate.appeals import queries as appeal_queries
    from deliberate.appeals import services as appeals
    from deliberate.appeals.models import FormalObjection
    from deliberate.registry.objections import DECLARATION_QUESTIONS

    d = services.declare(actor=w["amara"], coop=w["kazi"], version=w["version"], stance="adopts",
                         claims=full_claims(w["keys"]))
    q = services.ask_question(actor=w["lucia"], coop=w["dades"], declaration=d, reasons="Your bylaws say otherwise.")
    decision = DECLARATION_QUESTIONS.decision(db.session, q.id)
    # Unanswered: decided when asked; the parties are the declaring and the asking co-op; the
    # window is the version terms' objection_days of the standard's policy (30 by default).
    assert decision.outcome == "unanswered" and decision.decided_at == q.asked_at
    assert decision.parties == {w["kazi"].id, w["dades"].id} and decision.objection_days == 30
    assert decision.standard_id == w["standard"].id
    services.answer_question(actor=w["amara"], question=q, answer="They changed in May.")
    found = db.session.get(DeclarationQuestion, q.id)
    decision = DECLARATION_QUESTIONS.decision(db.session, q.id)
    assert decision.outcome == "answered" and decision.decided_at == found.answered_at

    services.escalate_question(actor=w["lucia"], question=q, proposed_change="Mark the data section not met.")
    found = db.session.get(DeclarationQuestion, q.id)
    objection = db.session.get(FormalObjection, found.objection_id)
    assert found.state == "escalated" and objection.subject == f"declaration_question:{q.id}"
    assert objection.coop_id == w["dades"].id and objection.filed_by_id == w["lucia"].id
    assert objection.proposed_change == "Mark the data section not met."
    assert "Your bylaws say otherwise." in objection.rationale and "They changed in May." in objection.rationale
    assert objection.window_ends_at == found.answered_at + timedelta(days=30)
    assert [o.id for o in appeal_queries.objections_on("declaration_question", q.id)] == [objection.id]
    assert [e["kind"] for e in appeals.entries(db.session, objection.id)] == ["filed"]
    # The council is never drawn from the parties: both co-ops, whoever filed.
    assert {w["kazi"].id, w["dades"].id} <= appeals.parties(db.session, objection, decision)


def test_an_escalation_past_the_window_files_nothing_and_marks_nothing(w):
    from deliberate.appeals.models import FormalObjection

    long_ago = utcnow() - timedelta(days=40)
    d = services.declare(actor=w["amara"], coop=w["kazi"], version=w["version"], stance="adopts",
                         claims=full_claims(w["keys"]), now=long_ago)
    q = services.ask_question(actor=w["lucia"], coop=w["dades"], declaration=d, reasons="Really?", now=long_ago)
    with pytest.raises(Conflict):
        services.escalate_question(actor=w["lucia"], question=q)
    found = db.session.get(DeclarationQuestion, q.id)
    assert found.state == "open" and found.objection_id is None
    assert db.session.scalar(select(FormalObjection.id)) is None
    assert [e["kind"] for e in services.entries(db.session)] == ["declaration", "question"]
    # Only the asking co-op's delegates escalate its question (and a refusal writes nothing).
    q2 = services.ask_question(actor=w["jonas"], coop=w["fair"], declaration=d, reasons="Also?")
    with pytest.raises(PermissionDenied):
        services.escalate_question(actor=w["lucia"], question=q2)
    assert db.session.get(DeclarationQuestion, q2.id).objection_id is None
