"""n1phases0001 down and up again with amendments, drafts, transitions, groups and votes in the
database: nothing lost, every foreign key intact, the CHECK back in force."""
from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError

from deliberate.database import unit_of_work, utcnow
from deliberate.extensions import db
from deliberate.proposals import services
from deliberate.proposals.models import Amendment
from deliberate.standards import services as standards
from deliberate.voting import services as voting

TEXT = "Members own the platform together.\n\nNew members may join at any time."
TABLES = ("amendments", "amendment_drafts", "amendment_transitions", "amendment_coauthors", "competing_groups",
          "votes")


def _counts() -> dict[str, int]:
    return {t: db.session.scalar(text(f"SELECT COUNT(*) FROM {t}")) for t in TABLES}


def test_the_migration_keeps_every_row_and_the_check(app, steward, make_standard, make_delegate, make_coop):
    from flask_migrate import downgrade, upgrade

    standard = make_standard(sections=[("Member ownership", TEXT)])
    delegates = [make_delegate(coop=make_coop(name=f"Co-op {n}")) for n in range(3)]
    section = standards.get_standard(standard.slug).sections[0]
    made = []
    for n, delegate in enumerate(delegates):
        amendment = services.propose_amendment(actor=delegate, standard=standard, kind="modify", section=section,
                                               summary="Change.", proposed_title=section.title,
                                               proposed_body=TEXT.replace("together", f"jointly {n}"))
        made.append(services.open_amendment(actor=delegate, amendment=amendment))
    services.add_coauthor(actor=delegates[0], amendment=made[0], email=delegates[1].email)
    services.group_competing(actor=steward, amendments=made[1:])
    voting.open_vote(actor=steward, subject_kind="amendment", subject_id=made[0].id,
                     closes_at=utcnow() + timedelta(days=7))
    voted = db.session.get(Amendment, made[0].id)
    assert voted.state == "voting" and voted.vote_opened_at is not None
    counts = _counts()
    ids = [a.id for a in made]
    db.session.remove()
    try:
        downgrade(revision="m1terms00001")
        columns = {c["name"] for c in inspect(db.engine).get_columns("amendments")}
        assert "last_call_at" not in columns and "vote_opened_at" not in columns
        assert _counts() == counts
        db.session.remove()
        upgrade()
    finally:
        for logger in logging.root.manager.loggerDict.values():  # Alembic's fileConfig disables them
            if isinstance(logger, logging.Logger):
                logger.disabled = False
    assert _counts() == counts
    # Filled again from its "start_vote" step.
    assert db.session.get(Amendment, ids[0]).vote_opened_at is not None
    if db.engine.dialect.name == "sqlite":
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert db.session.execute(text("PRAGMA foreign_key_check")).fetchall() == []
    db.session.rollback()
    with pytest.raises(IntegrityError):
        with unit_of_work() as session:
            session.execute(text("UPDATE amendments SET last_call_at = opened_at WHERE id = :id"), {"id": ids[1]})
    names = {c["name"] for c in inspect(db.engine).get_check_constraints("amendments")}
    assert "ck_amendments_phase_order" in names
    assert db.session.scalars(select(Amendment.id).order_by(Amendment.id)).all() == ids
