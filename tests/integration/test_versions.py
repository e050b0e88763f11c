"""Versions against the database: assembling candidates, ratifying or failing them by vote, the
changelog chain, immutability, and the standard's maturity moving only by vote."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from deliberate.database import utcnow
from deliberate.errors import Conflict, InvalidInput, PermissionDenied
from deliberate.extensions import db
from deliberate.proposals import adoption
from deliberate.proposals import services as proposals
from deliberate.realtime.events import Event
from deliberate.standards import services as standards
from deliberate.standards.models import Standard
from deliberate.versions import chain, document, services
from deliberate.versions.models import ChangelogEntry, Version, VersionSection
from deliberate.voting import closing, ledger
from deliberate.voting import queries as vote_queries
from deliberate.voting import services as voting
from deliberate.voting.models import Vote

SECTIONS = [("Member ownership", "Members own the platform together.\n\nEach member holds one equal share."),
            ("Data rights", "Members own their data.\n\nThey can download it at any time.")]


@pytest.fixture
def voters(make_delegate):
    """Three member co-ops, a delegate each."""
    return [make_delegate() for _ in range(3)]


@pytest.fixture
def std(make_standard):
    standard = make_standard(title="Platform Co-op Principles", sections=SECTIONS)
    standard.policy = {"steward_may_adopt": ["principle", "guidance", "editorial"]}
    db.session.commit()
    return standard


def reload(standard: Standard) -> Standard:
    db.session.expire_all()
    return standards.get_standard(standard.slug)


def adopt(delegate, steward, standard, kind="modify", section=None, title=None, body=None, summary="A change.",
          rationale="Because.", position=None):
    """Propose, open and adopt an amendment through the services (the policy lets stewards adopt)."""
    standard = reload(standard)
    values = {"kind": kind, "summary": summary, "rationale": rationale}
    if section is not None:
        s = next(x for x in standard.sections if x.key == section)
        values.update(section=s, proposed_title=title if title is not None else s.title,
                      proposed_body=body if body is not None else s.body)
    else:
        values.update(proposed_title=title, proposed_body=body, target_position=position)
    amendment = proposals.propose_amendment(actor=delegate, standard=standard, **values)
    amendment = proposals.open_amendment(actor=delegate, amendment=amendment)
    return adoption.adopt_directly(actor=steward, amendment=amendment)


def decide(steward, voters, version, choices=("for", "for", "for")) -> Vote:
    """Open the ratification vote, have the co-ops vote, and close it early (as a steward)."""
    vote = services.open_ratification_vote(actor=steward, version=version, closes_at=utcnow() + timedelta(days=7))
    for delegate, choice in zip(voters, choices):
        voting.cast_ballot(actor=delegate, vote=vote, choice=choice)
    return closing.close_vote(actor=steward, vote=vote)


def ratify(steward, voters, standard, summary="A new version.", **kw) -> Version:
    version = services.assemble_version(actor=steward, standard=standard, summary=summary, **kw)
    decide(steward, voters, version)
    db.session.expire_all()
    return db.session.get(Version, version.id)


def test_the_first_candidate_is_1_0_and_snapshots_the_working_draft(std, steward):
    version = services.assemble_version(actor=steward, standard=std, summary="The founding text.")
    assert (version.number, version.level, version.state, version.attempt) == ("1.0", "initial", "candidate", 1)
    rows = db.session.scalars(select(VersionSection).where(VersionSection.version_id == version.id)
                              .order_by(VersionSection.position)).all()
    working = reload(std).sections
    assert [(r.key, r.title, r.body, r.revision_id) for r in rows] == \
        [(s.key, s.title, s.body, s.head_revision_id) for s in working]
    text = document.render(std.title, "1.0", rows)
    assert version.content_hash == document.content_hash(text)
    assert document.parse(text).sections == tuple({"key": r.key, "kind": r.kind, "title": r.title, "body": r.body}
                                                   for r in rows)
    event = db.session.scalar(select(Event).where(Event.kind == "version_assembled"))
    assert event.scope == f"standard:{std.id}" and event.payload["number"] == "1.0"


def test_a_passing_vote_ratifies_and_appends_the_changelog(std, steward, voters):
    version = services.assemble_version(actor=steward, standard=std, summary="The founding text.")
    vote = decide(steward, voters, version)
    db.session.expire_all()
    version = db.session.get(Version, version.id)
    assert vote.passed and version.state == "ratified" and version.ratified_at == vote.closed_at
    assert version.vote_id == vote.id and vote.text_hash == version.content_hash
    assert "ratified" in vote.effect_note
    entry = db.session.scalar(select(ChangelogEntry).where(ChangelogEntry.version_id == version.id))
    record = ledger.loads_jsonl(vote_queries.export_ledger(vote))
    assert entry.seq == 0 and entry.entry["prev"] == "0" * 64 and entry.hash == entry.entry["hash"]
    assert entry.entry["vote"] == {"id": vote.id, "record_head": record[-1]["hash"], "passed": True,
                                   "explanation": vote.explanation}
    assert entry.entry["content_hash"] == version.content_hash and entry.entry["version"] == "1.0"
    event = db.session.scalar(select(Event).where(Event.kind == "version_ratified"))
    assert event.scope == f"standard:{std.id}"
    assert {k: event.payload[k] for k in ("version_id", "number", "vote_id", "changelog_hash", "content_hash")} == \
        {"version_id": version.id, "number": "1.0", "vote_id": vote.id, "changelog_hash": entry.hash,
         "content_hash": version.content_hash}
    assert chain.verify_changelog([entry.entry]).ok
    assert chain.check_records([entry.entry], {vote.id: record}) == []


def test_a_failing_vote_keeps_the_candidate_and_a_new_attempt_may_follow(std, steward, voters):
    version = services.assemble_version(actor=steward, standard=std, summary="The founding text.")
    vote = decide(steward, voters, version, ("against", "against", "for"))
    db.session.expire_all()
    version = db.session.get(Version, version.id)
    assert not vote.passed and version.state == "failed" and version.failed_at is not None
    assert version.decision_note.startswith(f"Not ratified by vote {vote.id}")
    assert db.session.scalar(select(ChangelogEntry)) is None
    assert db.session.scalar(select(Event).where(Event.kind == "version_failed")).payload["number"] == "1.0"
    again = services.assemble_version(actor=steward, standard=std, summary="The founding text, again.")
    assert (again.number, again.attempt) == ("1.0", 2)


def test_numbers_follow_what_the_amendments_changed(std, steward, voters):
    delegate = voters[0]
    first = ratify(steward, voters, std, "The founding text.")
    assert first.number == "1.0"
    reworded = adopt(delegate, steward, std, section="data-rights",
                     body="Members own their data.\n\nThey can download it at any time, free of charge.")
    minor = ratify(steward, voters, std, "Free downloads.")
    assert (minor.number, minor.level, minor.amendment_ids) == ("1.1", "minor", [reworded.id])
    assert minor.previous_id == first.id
    typo = adopt(delegate, steward, std, section="member-ownership",
                 body="Members own the platform togehter.\n\nEach member holds one equal share.")
    fixed = adopt(delegate, steward, std, section="member-ownership",
                  body="Members own the platform together.\n\nEach member holds one equal share!")
    patch = ratify(steward, voters, std, "Punctuation.")
    assert (patch.number, patch.level) == ("1.1.1", "patch")
    assert patch.amendment_ids == [typo.id, fixed.id]
    inserted = adopt(delegate, steward, std, kind="insert", title="Transparency",
                     body="The co-op publishes its accounts.", position=3)
    major = ratify(steward, voters, std, "A new principle.")
    assert (major.number, major.level) == ("2.0", "major")
    assert major.amendment_ids == [inserted.id]
    assert any("Transparency" in reason for reason in major.level_reasons)
    # A steward may override the level; the reasons say so.
    adopt(delegate, steward, std, section="data-rights", body="Members own their data.\n\nThey download it.")
    overridden = services.assemble_version(actor=steward, standard=std, summary="Big.", level="major")
    assert (overridden.number, overridden.level, overridden.level_overridden) == ("3.0", "major", True)
    assert overridden.level_reasons[0].startswith("A steward chose a major version")
    entries = db.session.scalars(select(ChangelogEntry.entry).order_by(ChangelogEntry.seq)).all()
    report = chain.verify_changelog(entries)
    assert report.ok and report.versions == ("1.0", "1.1", "1.1.1", "2.0")


def test_a_candidate_needs_a_steward_a_summary_a_change_and_no_other_candidate(std, steward, voters, make_delegate):
    with pytest.raises(PermissionDenied):
        services.assemble_version(actor=voters[0], standard=std, summary="Mine.")
    with pytest.raises(InvalidInput):
        services.assemble_version(actor=steward, standard=std, summary="  ")
    with pytest.raises(InvalidInput):
        services.assemble_version(actor=steward, standard=std, summary="x", level="huge")
    services.assemble_version(actor=steward, standard=std, summary="The founding text.")
    with pytest.raises(Conflict, match="already a candidate"):
        services.assemble_version(actor=steward, standard=std, summary="Another.")
    version = db.session.scalar(select(Version))
    decide(steward, voters, version)
    with pytest.raises(Conflict, match="Nothing changed since version 1.0"):
        services.assemble_version(actor=steward, standard=std, summary="Again.")


def test_ratified_versions_snapshots_and_the_changelog_never_change(std, steward, voters):
    version = ratify(steward, voters, std, "The founding text.")
    version.summary = "Rewritten history."
    with pytest.raises(ValueError, match="ratified"):
        db.session.flush()
    db.session.rollback()
    section = db.session.scalar(select(VersionSection))
    section.body = "Something else."
    with pytest.raises(ValueError, match="immutable"):
        db.session.flush()
    db.session.rollback()
    entry = db.session.scalar(select(ChangelogEntry))
    entry.hash = "0" * 64
    with pytest.raises(ValueError, match="immutable"):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(Version, version.id))
    with pytest.raises(ValueError, match="never deleted"):
        db.session.flush()
    db.session.rollback()
    # The working draft moves on; the version's text does not.
    s = reload(std).sections[0]
    standards.revise_section(actor=steward, section=s, title=s.title, body="Changed later.", message="Later",
                             base_revision_id=s.head_revision_id)
    db.session.expire_all()
    kept = db.session.get(Version, version.id)
    assert kept.sections[0].body == SECTIONS[0][1]
    assert document.content_hash(document.render(kept.title, kept.number, kept.sections)) == kept.content_hash


def test_withdrawing_and_cancelling(std, steward, voters):
    version = services.assemble_version(actor=steward, standard=std, summary="The founding text.")
    vote = services.open_ratification_vote(actor=steward, version=version, closes_at=utcnow() + timedelta(days=7))
    with pytest.raises(Conflict, match="cancel the vote first"):
        services.withdraw_candidate(actor=steward, version=version, reason="More to come.")
    with pytest.raises(Conflict, match="already open"):
        services.open_ratification_vote(actor=steward, version=version, closes_at=utcnow() + timedelta(days=7))
    closing.cancel_vote(actor=steward, vote=vote, reason="Wrong date.")
    db.session.expire_all()
    assert db.session.get(Version, version.id).vote_id is None
    with pytest.raises(PermissionDenied):
        services.withdraw_candidate(actor=voters[0], version=version, reason="No.")
    withdrawn = services.withdraw_candidate(actor=steward, version=version, reason="More amendments are coming.")
    assert withdrawn.state == "failed" and "More amendments" in withdrawn.decision_note
    with pytest.raises(Conflict, match="only a candidate"):
        services.open_ratification_vote(actor=steward, version=withdrawn, closes_at=utcnow() + timedelta(days=7))


def test_the_ratification_rule_comes_from_the_standards_policy(std, steward, voters):
    std = reload(std)
    std.policy = {**std.policy, "versions": "simple-majority"}
    db.session.commit()
    version = services.assemble_version(actor=steward, standard=std, summary="The founding text.")
    vote = services.open_ratification_vote(actor=steward, version=version, closes_at=utcnow() + timedelta(days=7))
    assert vote.rule_preset == "simple-majority" and vote.subject_kind == "version"
    assert vote.title == "Ratify version 1.0 of Platform Co-op Principles"


def _maturity_vote(steward, voters, standard, choices=("for", "for", "for")) -> Vote:
    vote = voting.open_vote(actor=steward, subject_kind="maturity", subject_id=standard.id,
                            closes_at=utcnow() + timedelta(days=7))
    for delegate, choice in zip(voters, choices):
        voting.cast_ballot(actor=delegate, vote=vote, choice=choice)
    return closing.close_vote(actor=steward, vote=vote)


def test_maturity_moves_only_by_vote_one_step_at_a_time(std, steward, voters):
    assert std.maturity == "draft"
    failed = _maturity_vote(steward, voters, std, ("against", "against", "against"))
    assert not failed.passed and reload(std).maturity == "draft"
    vote = _maturity_vote(steward, voters, std)
    assert vote.text.startswith(f"Maturity of {std.slug}: draft -> candidate\n")
    assert reload(std).maturity == "candidate"
    event = db.session.scalar(select(Event).where(Event.kind == "maturity_changed"))
    assert event.payload == {"standard_id": std.id, "from": "draft", "to": "candidate", "vote_id": vote.id}
    # Ratifying a version does not move the maturity; becoming "ratified" needs a ratified text.
    with pytest.raises(Conflict, match="ratify a version first"):
        voting.open_vote(actor=steward, subject_kind="maturity", subject_id=std.id,
                         closes_at=utcnow() + timedelta(days=7))
    version = ratify(steward, voters, std, "The founding text.")
    assert reload(std).maturity == "candidate"
    vote = _maturity_vote(steward, voters, std)
    assert "version 1.0" in vote.text and version.content_hash in vote.text
    assert reload(std).maturity == "ratified"
    with pytest.raises(Conflict, match="no further step"):
        voting.open_vote(actor=steward, subject_kind="maturity", subject_id=std.id,
                         closes_at=utcnow() + timedelta(days=7))


def test_the_exported_changelog_and_records_verify_and_tampering_is_caught(std, steward, voters):
    from deliberate.versions import queries

    ratify(steward, voters, std, "The founding text.")
    adopt(voters[0], steward, std, section="data-rights", body="Members own their data.")
    ratify(steward, voters, std, "Shorter.")
    exported = queries.export_changelog(reload(std))
    entries = chain.loads_jsonl(exported)
    assert [e["version"] for e in entries] == ["1.0", "1.1"] and entries[1]["prev"] == entries[0]["hash"]
    records = {v.id: ledger.loads_jsonl(vote_queries.export_ledger(v)) for v in db.session.scalars(select(Vote))}
    assert chain.verify_changelog(entries).ok and chain.check_records(entries, records) == []
    tampered = [dict(e) for e in entries]
    tampered[0] = {**tampered[0], "summary": "Something we never agreed."}
    report = chain.verify_changelog(tampered)
    assert not report.ok and "hash mismatch" in report.problems[0]
    swapped = {entries[0]["vote"]["id"]: records[entries[1]["vote"]["id"]],
               entries[1]["vote"]["id"]: records[entries[1]["vote"]["id"]]}
    problems = chain.check_records(entries, swapped)
    assert problems and "different text" in " ".join(problems)


def test_a_secret_ratification_cites_the_head_of_the_sealed_record_it_publishes(std, steward, voters):
    version = services.assemble_version(actor=steward, standard=std, summary="The founding text.")
    vote = services.open_ratification_vote(actor=steward, version=version, closes_at=utcnow() + timedelta(days=7),
                                           secret=True)
    for delegate, choice in zip(voters, ("for", "against", "for"), strict=True):
        voting.cast_ballot(actor=delegate, vote=vote, choice=choice)
    vote = closing.close_vote(actor=steward, vote=vote)
    published = ledger.loads_jsonl(vote_queries.export_ledger(vote))
    assert ledger.verify(published).ok and published[-1]["hash"] == vote.record_head
    entry = db.session.scalar(select(ChangelogEntry).where(ChangelogEntry.version_id == version.id))
    assert entry.entry["vote"]["record_head"] == vote.record_head
    assert chain.check_records([entry.entry], {vote.id: published}) == []
