"""/transparency: the public statement of what is stored, and the audit log of steward actions."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from deliberate.extensions import db
from deliberate.members import erasure
from deliberate.members import services as members
from deliberate.members.models import Delegation
from deliberate.transparency import audit
from deliberate.voting import closing
from deliberate.voting import services as voting
from tests.conftest import TEST_PASSWORD

T0 = datetime(2031, 3, 2, 9, 0, tzinfo=UTC)


def test_the_footer_links_to_it(client, network):
    assert "/transparency/" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("role, sees_log", [("observer", False), ("delegate", True), ("steward", True)])
def test_everyone_reads_the_statement_members_read_the_log(as_role, network, role, sees_log):
    members.change_coop_status(actor=network["steward"], coop=network["applicant"], status="member",
                               reason="Admitted at the spring assembly")
    page = as_role(role).get("/transparency/").get_data(as_text=True)
    assert "What we store" in page and "argon2id" in page and "14 days" in page
    assert ("Admitted at the spring assembly" in page) is sees_log
    assert ("please sign in as one to read it" in page) is not sees_log


def test_a_signed_in_person_without_a_coop_sees_no_log(app, network, make_delegate, login):
    loner = make_delegate(coop=network["member"], email="loner@example.org")
    db.session.execute(update(Delegation).where(Delegation.person_id == loner.id).values(ended_at=T0))
    db.session.commit()
    client = app.test_client()
    login(loner, test_client=client)
    assert "please sign in as one to read it" in client.get("/transparency/").get_data(as_text=True)


def test_the_log_lists_steward_actions_newest_first(as_role, network, make_delegate):
    steward = network["steward"]
    vote = voting.open_vote(actor=steward, subject_kind="admission", subject_id=network["applicant"].id,
                            rule_preset="simple-majority", closes_at=T0 + timedelta(days=7), now=T0)
    closing.cancel_vote(actor=steward, vote=vote, reason="Opened by mistake", now=T0 + timedelta(hours=1))
    person = make_delegate(coop=network["member"], name="Ada Erased", email="ada@example.org")
    erasure.erase_self(actor=person, password=TEST_PASSWORD, comments="anonymise")
    page = as_role("delegate").get("/transparency/").get_data(as_text=True)
    assert f"erased account #{person.id}" in page and "the person themselves" in page
    assert "Ada Erased" not in page and "ada@example.org" not in page
    assert f"vote {vote.id}" in page and "invited a delegate to Kazi Riders" in page
    assert "Opened by mistake" in page
    newest_first = [page.index(f"erased account #{person.id}"), page.index("Opened by mistake"),
                    page.index(f">vote {vote.id}</a>: ")]
    assert newest_first == sorted(newest_first)
    # A vote's events are recorded in two rooms; the log shows each action once.
    assert page.count(f">vote {vote.id}</a>: ") == 1 and page.count("Opened by mistake") == 1


def test_the_log_is_paginated(as_role, network):
    for _ in range(audit.PAGE_SIZE + 5):
        members.invite_delegate(actor=network["steward"], coop=network["member"])
    log = audit.audit_page(db.session, page=1)
    assert len(log.entries) == audit.PAGE_SIZE and log.pages == 2
    assert [e.id for e in log.entries] == sorted((e.id for e in log.entries), reverse=True)
    older = audit.audit_page(db.session, page=2)
    assert older.entries[0].id < log.entries[-1].id
    assert audit.audit_page(db.session, page=99).page == 2
    client = as_role("steward")
    first = client.get("/transparency/").get_data(as_text=True)
    assert "Page 1 of 2" in first and "page=2" in first
    second = client.get("/transparency/?page=2").get_data(as_text=True)
    assert "Page 2 of 2" in second and "page=1" in second
    assert client.get("/transparency/?page=nonsense").status_code == 200
