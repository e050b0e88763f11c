"""Opening a vote starts by choosing what it decides from lists of what is waiting for a vote; a
competing amendment leads to its group's ranked vote, from its page, the list and the refusal."""
from __future__ import annotations

import re

import pytest

from deliberate.extensions import db


@pytest.fixture
def demo(seeded_demo):
    return seeded_demo


def _sign_in_steward(client):
    from deliberate.seed import DEMO_PASSWORD

    client.post("/signin", data={"email": "steward@example.org", "password": DEMO_PASSWORD})
    return client


def _in_ten_days() -> str:
    from datetime import timedelta

    from deliberate.database import utcnow

    return (utcnow() + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")


def _options(page: str) -> dict[str, str]:
    return dict(re.findall(r'<option value="([a-z_]+:\d+)">([^<]*)</option>', page))


def test_the_vote_form_lists_what_is_waiting_and_nothing_else(demo, client):
    from deliberate.members.models import Cooperative
    from deliberate.proposals.models import Amendment, CompetingGroup
    from deliberate.voting.models import Vote

    page = _sign_in_steward(client).get("/votes/new").get_data(as_text=True)
    assert "kind:id" not in page and "admission:4" not in page
    options = _options(page)
    assert options, "the steward is offered nothing to vote on"
    open_on = {(v.subject_kind, v.subject_id) for v in db.session.scalars(db.select(Vote).where(Vote.state == "open"))}
    for value in options:
        kind, ident = value.split(":")
        assert (kind, int(ident)) not in open_on, f"{value} already has an open vote"
    from deliberate.proposals.votes import AMENDMENT

    for amendment in db.session.scalars(db.select(Amendment)):
        listed = f"amendment:{amendment.id}" in options
        if amendment.state != "open" or amendment.group_id is not None or ("amendment", amendment.id) in open_on:
            assert not listed, amendment.title
        else:
            try:
                AMENDMENT.check_can_open(amendment)
            except Exception:  # noqa: BLE001 - e.g. not up to date with its section
                assert not listed, amendment.title
            else:
                assert listed, amendment.title
    for coop in db.session.scalars(db.select(Cooperative)):
        assert (f"admission:{coop.id}" in options) == (coop.status in ("applicant",) and ("admission", coop.id) not in open_on)
    groups = list(db.session.scalars(db.select(CompetingGroup)))
    for group in groups:
        live = [a for a in group.amendments if a.state == "open"]
        assert (f"group:{group.id}" in options) == (len(live) >= 2 and ("group", group.id) not in open_on)
    # Choosing one leads to the rule form for it, with its text shown.
    value = next(iter(options))
    chosen = client.get(f"/votes/new?subject={value}").get_data(as_text=True)
    assert re.search(rf'<input id="subject"[^>]*type="hidden" value="{value}"', chosen) and "Open the vote" in chosen


def _open_competing_pair(steward_email="steward@example.org"):
    """Two open amendments to one section, grouped (the demo's own group was decided already)."""
    from deliberate.members.models import Person
    from deliberate.proposals import services as proposals
    from deliberate.standards import services as standards

    def person(email):
        return db.session.scalar(db.select(Person).where(Person.email == email))

    standard = standards.get_standard("platform-co-op-principles")
    section = next(s for s in standard.sections if s.title == "Data rights")
    made = []
    for email, words in (("jonas@example.org", "First wording."), ("amara@example.org", "Second wording.")):
        actor = person(email)
        amendment = proposals.propose_amendment(actor=actor, standard=standard, kind="modify", section=section,
                                                summary=words, rationale="", proposed_title=section.title,
                                                proposed_body=section.body + "\n\n" + words, name=words,
                                                coop=actor.acting_coops[0])
        made.append(proposals.open_amendment(actor=actor, amendment=amendment))
    group = proposals.group_competing(actor=person(steward_email), amendments=made, title="Which wording")
    return group, made[0]


def test_a_competing_amendment_leads_to_its_groups_ranked_vote(demo, client):
    group, member = _open_competing_pair()
    _sign_in_steward(client)
    slug = member.standard.slug
    page = client.get(f"/standards/{slug}/amendments/{member.id}").get_data(as_text=True)
    assert f"/votes/new?subject=amendment:{member.id}" not in page
    assert f"/votes/new?subject=group:{group.id}" in page and f'id="group-{group.id}"' in page
    listing = client.get(f"/standards/{slug}/amendments").get_data(as_text=True)
    assert listing.count(f'id="group-{group.id}"') == 1 and f'href="#group-{group.id}"' in listing
    assert f"group:{group.id}" in _options(client.get("/votes/new").get_data(as_text=True))
    # The form refuses a grouped amendment at once, and says what to do instead.
    refused = client.get(f"/votes/new?subject=amendment:{member.id}").get_data(as_text=True)
    assert "competes with other amendments" in refused and f"/votes/new?subject=group:{group.id}" in refused
    posted = client.post("/votes/new", data={"subject": f"amendment:{member.id}", "rule_preset": "simple-majority",
                                             "closes_at": _in_ten_days()})
    assert posted.status_code == 409 and f"/votes/new?subject=group:{group.id}" in posted.get_data(as_text=True)
    # Once the group's vote is open, its page and its amendments link to it.
    opened = client.post("/votes/new", data={"subject": f"group:{group.id}", "rule_preset": "ranked",
                                             "closes_at": _in_ten_days()})
    assert opened.status_code == 302
    vote_url = opened.headers["Location"]
    assert vote_url in client.get(f"/standards/{slug}/amendments/{member.id}").get_data(as_text=True)
    assert f"group:{group.id}" not in _options(client.get("/votes/new").get_data(as_text=True))


def test_the_api_gives_the_next_step_of_a_refusal(demo, app):
    from deliberate.errors import Conflict, NextStep, _render

    with app.test_request_context("/api/v1/votes"):
        response, status = _render(409, "conflict", "No.", None, NextStep("Do this", "votes.new", {"subject": "group:3"}))
    assert status == 409 and response.get_json()["next_step"] == {"label": "Do this", "url": "/votes/new?subject=group:3"}
    assert Conflict("x").next_step is None
