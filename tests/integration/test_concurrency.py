"""Concurrent writers: SQLite in WAL with immediate write transactions, PostgreSQL with row locks."""

from sqlalchemy import func, select

from deliberate.errors import Conflict
from deliberate.extensions import db
from deliberate.members import services as members
from deliberate.members.models import Cooperative, Person
from deliberate.standards import services as standards
from deliberate.standards.models import Revision, Section
from tests.concurrency import WRITERS, run_together


def test_twenty_concurrent_writers_all_succeed(app, steward):
    steward_id = steward.id

    def work(i):
        actor = db.session.get(Person, steward_id)
        return members.register_coop(actor=actor, name=f"Concurrent Co-op {i}", country="KE", kind="platform").id

    results, errors = run_together(app, work)
    assert errors == []
    assert len(set(results)) == WRITERS
    assert db.session.scalar(select(func.count(Cooperative.id))) == WRITERS


def test_twenty_concurrent_revisions_of_different_sections_all_succeed(app, steward, make_standard, make_delegate):
    standard = make_standard(sections=[(f"Principle {i}", f"Text {i}") for i in range(WRITERS)])
    sections = [(s.id, s.head_revision_id) for s in standard.sections]
    delegate_id = make_delegate().id

    def work(i):
        actor = db.session.get(Person, delegate_id)
        section_id, base = sections[i]
        section = db.session.get(Section, section_id)
        return standards.revise_section(actor=actor, section=section, title=f"Principle {i}", body=f"Better text {i}",
                                        message="Improve", base_revision_id=base).id

    results, errors = run_together(app, work)
    assert errors == []
    assert db.session.scalar(select(func.count(Revision.id))) == 2 * WRITERS


def test_concurrent_saves_from_one_base_keep_exactly_one_and_refuse_the_rest_cleanly(app, make_standard, make_delegate):
    section = make_standard().sections[0]
    section_id, base = section.id, section.head_revision_id
    delegate_id = make_delegate().id

    def work(i):
        actor = db.session.get(Person, delegate_id)
        return standards.revise_section(actor=actor, section=db.session.get(Section, section_id), title="Member ownership",
                                        body=f"Version {i}", message=f"Writer {i}", base_revision_id=base).id

    results, errors = run_together(app, work)
    assert len([r for r in results if r]) == 1
    assert len(errors) == WRITERS - 1 and all(isinstance(e, Conflict) for e in errors), errors
    assert db.session.scalar(select(func.count(Revision.id)).where(Revision.section_id == section_id)) == 2
