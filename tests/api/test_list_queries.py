"""API lists page in SQL: reading one page of votes or threads makes as many queries whether the
network holds a few or many of them (the list used to load every vote and count each electorate)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event

from deliberate.database import utcnow
from deliberate.extensions import db
from deliberate.voting import services


def _count(client, path: str) -> int:
    client.get(path)
    db.session.remove()
    statements: list[str] = []

    def count(_conn, _cursor, statement, _params, _context, _many):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def _open_votes(steward_id, coop_ids):
    from deliberate.members.models import Person

    steward = db.session.get(Person, steward_id)
    for coop_id in coop_ids:
        services.open_vote(actor=steward, subject_kind="admission", subject_id=coop_id,
                           closes_at=utcnow() + timedelta(days=7))


def test_a_page_of_votes_costs_the_same_however_many_votes_exist(client, steward, make_coop):
    make_coop(name="A Member Co-op")  # a vote needs an electorate
    steward_id = steward.id
    applicants = [make_coop(status="applicant", name=f"Applicant {n}").id for n in range(12)]
    _open_votes(steward_id, applicants[:3])
    few = _count(client, "/api/v1/votes?limit=2")
    _open_votes(steward_id, applicants[3:])
    assert _count(client, "/api/v1/votes?limit=2") == few
    walked, url = [], "/api/v1/votes?limit=5"
    while url:
        body = client.get(url).get_json()
        walked += [v["id"] for v in body["items"]]
        url = body["next"]
    assert walked == sorted(walked, reverse=True) and len(walked) == len(set(walked)) == 12
