"""A delegate whose co-op is not in a vote's electorate sees why instead of a missing ballot form."""
from __future__ import annotations

from datetime import timedelta

import pytest

from deliberate.database import utcnow
from deliberate.extensions import db


@pytest.fixture
def vote(network):
    from deliberate.voting import services

    return services.open_vote(actor=network["steward"], subject_kind="admission", subject_id=network["applicant"].id,
                              rule_preset="simple-majority", closes_at=utcnow() + timedelta(days=7))


def _page(client, vote) -> str:
    return client.get(f"/votes/{vote.id}").get_data(as_text=True)


def test_a_suspended_co_op_is_told_why_it_cannot_vote(vote, as_role):
    page = _page(as_role("suspended_delegate"), vote)
    assert "Quiet Co-op is suspended" in page and 'id="ballot"' not in page


def test_an_applicants_delegate_and_a_co_op_admitted_after_opening_are_told_why(vote, network, make_delegate, make_coop, login, app):
    from deliberate.members.services import change_coop_status

    applicant_delegate = make_delegate(coop=network["applicant"], email="applicant-delegate@example.org")
    page = _page(login(applicant_delegate, test_client=app.test_client()), vote)
    assert "New Co-op has applied to join the network" in page and 'id="ballot"' not in page

    late = make_coop("applicant", name="Late Co-op")
    change_coop_status(actor=network["steward"], coop=late, status="member")
    db.session.refresh(late)
    assert late.member_since > vote.opens_at
    late_delegate = make_delegate(coop=late, email="late@example.org")
    page = _page(login(late_delegate, test_client=app.test_client()), vote)
    assert "Late Co-op became a member after this vote opened" in page and 'id="ballot"' not in page


def test_a_delegate_in_the_electorate_sees_the_ballot_and_no_excuse(vote, as_role):
    page = _page(as_role("delegate"), vote)
    assert 'id="ballot"' in page and "Why you see no ballot" not in page
    assert "Why you see no ballot" not in _page(as_role("observer"), vote)


def test_an_applicant_becomes_public_when_its_admission_is_put_to_a_vote(network, as_role, app):
    from deliberate.voting import services

    observer = as_role("observer")
    applicant = network["applicant"]
    path = f"/coops/{applicant.slug}"
    assert observer.get(path).status_code == 404
    assert applicant.name not in observer.get("/coops/").get_data(as_text=True)
    assert applicant.slug not in observer.get("/api/v1/coops").get_data(as_text=True)
    vote = services.open_vote(actor=network["steward"], subject_kind="admission", subject_id=applicant.id,
                              rule_preset="simple-majority", closes_at=utcnow() + timedelta(days=7))
    vote_page = observer.get(f"/votes/{vote.id}").get_data(as_text=True)
    assert f'href="{path}"' in vote_page
    assert observer.get(path).status_code == 200
    assert applicant.name in observer.get("/coops/").get_data(as_text=True)
    assert applicant.slug in observer.get("/api/v1/coops").get_data(as_text=True)


def test_a_ballot_sent_back_with_errors_keeps_the_votes_address(vote, as_role):
    delegate = as_role("delegate")
    refused = delegate.post(f"/votes/{vote.id}/ballot", data={"choice": "object"})  # an objection needs its reason
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert f'<meta name="page-address" content="/votes/{vote.id}#ballot">' in page
    reload = delegate.get(f"/votes/{vote.id}/ballot")
    assert reload.status_code == 302 and reload.headers["Location"].endswith(f"/votes/{vote.id}#ballot")
    assert 'name="page-address"' not in delegate.get(f"/votes/{vote.id}").get_data(as_text=True)
