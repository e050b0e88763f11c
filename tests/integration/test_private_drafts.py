"""A draft amendment is private to its authors (and the stewards) until they open it, whatever
happens to it meanwhile: when its base moves under it (conflicted), when it is withdrawn, when a
rival is adopted (superseded). Privacy used to follow the state alone, so such drafts became
public: readable by anyone, listed, searchable, and announced in the standard's public room."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from deliberate.database import unit_of_work
from deliberate.errors import Conflict
from deliberate.extensions import db
from deliberate.proposals import adoption, queries, services
from deliberate.proposals.models import Amendment
from deliberate.proposals.permissions import can_read
from deliberate.realtime.events import Event
from deliberate.standards import services as standards

TEXT = "Members own the platform together.\n\nNew members may join at any time."


@pytest.fixture
def setup(steward, make_standard, make_delegate, make_coop):
    standard = make_standard(sections=[("Member ownership", TEXT), ("Data rights", "Members own their data.")])
    alice = make_delegate(coop=make_coop(name="Kazi Riders"), name="Alice")
    bob = make_delegate(coop=make_coop(name="Dades Comunes"), name="Bob")
    return {"standard": standards.get_standard(standard.slug), "alice": alice, "bob": bob, "steward": steward}


def _section(setup):
    return standards.get_standard(setup["standard"].slug).sections[0]


def _propose(setup, who: str, body: str) -> Amendment:
    section = _section(setup)
    return services.propose_amendment(actor=setup[who], standard=setup["standard"], kind="modify", section=section,
                                      summary="Clearer wording.", proposed_title=section.title, proposed_body=body)


def _adopt(setup, amendment: Amendment) -> None:
    services.open_amendment(actor=setup["alice"], amendment=amendment)
    with unit_of_work() as session:
        adoption.apply_amendment(session, session.get(Amendment, amendment.id), setup["steward"])


def _fresh(amendment: Amendment) -> Amendment:
    db.session.expire_all()
    return db.session.get(Amendment, amendment.id)


def _public_events_about(setup, amendment: Amendment) -> list[str]:
    events = db.session.scalars(select(Event).where(Event.scope == f"standard:{setup['standard'].id}"))
    return [e.kind for e in events if e.payload.get("amendment_id") == amendment.id
            or amendment.id in (e.payload.get("amendment_ids") or [])]


def _assert_private(setup, amendment: Amendment) -> None:
    amendment = _fresh(amendment)
    assert amendment.is_private
    assert can_read(setup["bob"], amendment) and can_read(setup["steward"], amendment)
    assert not can_read(None, amendment) and not can_read(setup["alice"], amendment)
    assert amendment.id not in [a.id for a in queries.list_amendments(setup["standard"], None)]
    assert amendment.id not in [a.id for a in queries.list_amendments(setup["standard"], setup["alice"])]
    assert amendment.id in [a.id for a in queries.list_amendments(setup["standard"], setup["bob"])]
    assert _public_events_about(setup, amendment) == []


def test_a_draft_whose_base_moved_stays_private_when_conflicted(setup):
    draft = _propose(setup, "bob", TEXT.replace("together", "collectively"))
    _adopt(setup, _propose(setup, "alice", TEXT.replace("together", "jointly")))
    assert _fresh(draft).state == "conflicted" and _fresh(draft).state_before_conflict == "draft"
    _assert_private(setup, draft)
    # Resolving it returns it to a private draft; opening it makes it public.
    services.resolve_conflict(actor=setup["bob"], amendment=_fresh(draft), proposed_title="Member ownership",
                              proposed_body=TEXT.replace("together", "jointly and collectively"), note="Both")
    assert _fresh(draft).state == "draft"
    _assert_private(setup, draft)
    services.open_amendment(actor=setup["bob"], amendment=_fresh(draft))
    assert not _fresh(draft).is_private and can_read(None, _fresh(draft))
    assert "amendment_opened" in _public_events_about(setup, draft)


def test_a_withdrawn_draft_stays_private(setup):
    draft = _propose(setup, "bob", TEXT.replace("together", "collectively"))
    services.withdraw_amendment(actor=setup["bob"], amendment=draft, note="Changed our mind")
    assert _fresh(draft).state == "withdrawn"
    _assert_private(setup, draft)


def test_an_opened_amendment_that_became_conflicted_stays_public(setup):
    opened = services.open_amendment(actor=setup["bob"], amendment=_propose(setup, "bob", TEXT.replace("together", "as one")))
    _adopt(setup, _propose(setup, "alice", TEXT.replace("together", "jointly")))
    opened = _fresh(opened)
    assert opened.state == "conflicted" and not opened.is_private and can_read(None, opened)


def test_a_private_conflicted_draft_cannot_be_grouped_to_compete(setup):
    draft = _propose(setup, "bob", TEXT.replace("together", "collectively"))
    _adopt(setup, _propose(setup, "alice", TEXT.replace("together", "jointly")))
    other = services.open_amendment(actor=setup["alice"], amendment=_propose(
        setup, "alice", standards.get_standard(setup["standard"].slug).sections[0].body + "\n\nAnd more."))
    with pytest.raises(Conflict):
        services.group_competing(actor=setup["steward"], amendments=[_fresh(draft), _fresh(other)])
    assert _fresh(draft).group_id is None


def test_the_pages_and_the_api_answer_404_for_a_private_conflicted_draft(setup, app, login):
    draft = _propose(setup, "bob", TEXT.replace("together", "collectively"))
    _adopt(setup, _propose(setup, "alice", TEXT.replace("together", "jointly")))
    slug = setup["standard"].slug
    observer = app.test_client()
    assert observer.get(f"/standards/{slug}/amendments/{draft.id}").status_code == 404
    assert observer.get(f"/api/v1/standards/{slug}/amendments/{draft.id}").status_code == 404
    assert f"/amendments/{draft.id}\"" not in observer.get(f"/standards/{slug}/amendments").get_data(as_text=True)
    author = login(setup["bob"], test_client=app.test_client())
    assert author.get(f"/standards/{slug}/amendments/{draft.id}").status_code == 200
