"""One rule decides who sees a co-op, and the directory page, the co-op page and the API agree:
members, suspended co-ops and those that left are public; an applicant is seen by stewards and by
its own delegates."""
from __future__ import annotations

import pytest


@pytest.fixture
def applicant(make_coop, make_delegate):
    coop = make_coop(status="applicant", name="Newcomers Cooperative")
    return coop, make_delegate(coop=coop)


def _listed(client, coop, token=None) -> tuple[bool, bool]:
    page = coop.name in client.get("/coops/").get_data(as_text=True)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    slugs, url = [], "/api/v1/coops?limit=2"
    while url:
        body = client.get(url, headers=headers).get_json()
        slugs += [c["slug"] for c in body["items"]]
        url = body["next"]
    return page, coop.slug in slugs


def test_observers_do_not_see_an_applicant(client, applicant):
    coop, _delegate = applicant
    assert _listed(client, coop) == (False, False)
    assert client.get(f"/coops/{coop.slug}").status_code == 404
    assert client.get(f"/api/v1/coops/{coop.slug}").status_code == 404


def test_its_own_delegate_sees_it_everywhere(client, login, make_token, applicant):
    coop, delegate = applicant
    token = make_token(delegate)
    login(delegate)
    assert _listed(client, coop, token) == (True, True)
    assert client.get(f"/coops/{coop.slug}").status_code == 200
    assert client.get(f"/api/v1/coops/{coop.slug}", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_another_coops_delegate_does_not(client, login, make_token, network, applicant):
    coop, _delegate = applicant
    token = make_token(network["delegate"])
    login(network["delegate"])
    assert _listed(client, coop, token) == (False, False)


def test_stewards_see_it(client, login, make_token, steward, applicant):
    coop, _delegate = applicant
    token = make_token(steward)
    login(steward)
    assert _listed(client, coop, token) == (True, True)


def test_the_api_pages_in_sql_without_skipping_or_repeating(client, make_coop):
    made = {make_coop(name=f"Paging Co-op {n}").slug for n in range(5)}
    seen, url = [], "/api/v1/coops?limit=2"
    while url:
        body = client.get(url).get_json()
        assert len(body["items"]) <= 2
        seen += [c["slug"] for c in body["items"]]
        url = body["next"]
    assert made <= set(seen) and len(seen) == len(set(seen))
