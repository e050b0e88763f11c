"""The governance journey of issue 17, in real browsers: an author starts the last call on an
amendment whose discussion has run its minimum; once the last call is over a steward opens the
vote; a co-op gives its vote to another, which accepts and votes for it; the represented co-op
sees that its ballot was cast by proxy; after the decision a third co-op files a formal objection;
a steward mediates and convenes the council, whose members decide it; the amendment's page shows
the council's decision.

The world around the journey (co-ops, delegates, the standard, the passing of time) is built
through the services; every step the journey is about is taken through the pages. The phases are
the policy's real ones (a principle: 14 days of discussion, 7 of last call), not the tests' zero
days: the clock is moved back with the helper the demo network uses.
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.browser.support import blocking_violations, sign_in
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser

TEXT = "Members own their data.\n\nThey can download it at any time."
NEW_TEXT = "Members own their data.\n\nThey can download it at any time, free of charge."


@pytest.fixture
def amendment_phases():
    return None  # the policy's built-in phases: a real discussion minimum and last call


def test_last_call_proxy_vote_objection_and_council(new_page, wait_for_live_rooms, steward, make_coop, make_delegate,
                                                   make_standard):
    from playwright.sync_api import expect

    from deliberate.database import utcnow
    from deliberate.extensions import db
    from deliberate.proposals import phases_demo
    from deliberate.proposals import services as proposals
    from deliberate.proposals.models import Amendment
    from deliberate.standards import services as standards
    from deliberate.voting import closing
    from deliberate.voting.models import Vote

    kazi, dades, fairbnb, sol, care = (make_coop(name=name) for name in (
        "Kazi Riders", "Dades Comunes", "Fairbnb Kollektiv", "Sol Cooperativa", "Equal Care"))
    amara = make_delegate(coop=kazi, name="Amara Okafor", email="amara@kazi.example")
    lucia = make_delegate(coop=dades, name="Lucía Ferrer", email="lucia@dades.example")
    jonas = make_delegate(coop=fairbnb, name="Jonas Weber", email="jonas@fairbnb.example")
    noor = make_delegate(coop=sol, name="Noor Haddad", email="noor@sol.example")
    ana = make_delegate(coop=care, name="Ana Lima", email="ana@care.example")
    standard = make_standard(title="Member Data Rights", sections=[("Access", TEXT)])
    section = standards.get_standard(standard.slug).sections[0]
    draft = proposals.propose_amendment(actor=amara, standard=standard, kind="modify", section=section,
                                        summary="Downloads are free.", proposed_title=section.title,
                                        proposed_body=NEW_TEXT)
    amendment = proposals.open_amendment(actor=amara, amendment=draft)
    assert amendment.terms["discussion_days"] == 14 and amendment.terms["last_call_days"] == 7
    phases_demo.backdate(amendment.id, 15)  # opened 15 days ago: the discussion minimum has passed
    amendment_url = f"/standards/{standard.slug}/amendments/{amendment.id}"

    def signed_in(person):
        page = new_page(bypass_csp=True)  # for the axe-core scan
        sign_in(page, person.email, TEST_PASSWORD)
        return page

    # 1. The author starts the last call from the amendment's Process box, while a delegate of
    #    another co-op reads the amendment: her page follows, without a reload.
    giver = signed_in(lucia)
    giver.goto(amendment_url)
    wait_for_live_rooms(giver)
    expect(giver.locator("#process .badge")).to_have_text("Discussion")
    author = signed_in(amara)
    author.goto(amendment_url)
    process = author.locator("#process")
    expect(process.locator(".badge")).to_have_text("Discussion")
    process.get_by_role("button", name="Start the last call").click()
    expect(giver.get_by_role("status").filter(has_text="The last call on this amendment has started")).to_be_visible()
    expect(giver.locator("#process .badge")).to_have_text("Last call")
    expect(author.get_by_text("The last call has started")).to_be_visible()
    expect(process.locator(".badge")).to_have_text("Last call")
    expect(process).to_contain_text("ends on")
    expect(process.get_by_role("button", name="Start the last call")).to_have_count(0)
    assert not blocking_violations(author, "amendment page in last call")

    # 2. A week later the last call is over (its clock moved back eight days), and a steward opens
    # the vote from the amendment's page.
    phases_demo.backdate(amendment.id, 8)
    stewarding = signed_in(steward)
    stewarding.goto(amendment_url)
    expect(stewarding.locator("#process")).to_contain_text("A steward can put it to a vote now.")
    stewarding.get_by_role("link", name="Open a vote on this amendment").click()
    stewarding.get_by_role("button", name="Open the vote").click()
    expect(stewarding).to_have_url(re.compile(r"/votes/\d+$"))
    vote_url = stewarding.url
    vote_id = int(vote_url.rsplit("/", 1)[1])

    # 3. Dades Comunes gives its vote on this one vote to Fairbnb Kollektiv, which accepts it.
    giver.goto(f"/coops/{dades.slug}/proxies")
    giver.get_by_label("The co-op that will vote for yours").select_option(label="Fairbnb Kollektiv")
    giver.get_by_role("radio", name="One vote only").check()
    giver.get_by_label("The vote (if for one vote)").select_option(str(vote_id))
    giver.get_by_label(re.compile("^Until")).fill((utcnow() + timedelta(days=30)).date().isoformat())
    giver.get_by_role("button", name="Offer our vote").click()
    expect(giver.get_by_text("Your co-op's vote is offered to Fairbnb Kollektiv")).to_be_visible()
    assert not blocking_violations(giver, "proxies page")
    holder = signed_in(jonas)
    holder.goto(f"/coops/{fairbnb.slug}/proxies")
    holder.get_by_role("button", name="Accept (Dades Comunes)").click()
    expect(holder.get_by_text("Accepted: your co-op now holds the vote of Dades Comunes.")).to_be_visible()

    # 4. The holder votes for Dades Comunes on the vote's proxy page, then for its own co-op.
    holder.goto(vote_url)
    holder.get_by_role("link", name="Vote for them").click()
    expect(holder).to_have_url(re.compile(rf"/votes/{vote_id}/proxies$"))
    holder.get_by_role("radio", name="Consent").check()
    holder.get_by_label("Mandate (optional)").fill("Our assembly of 3 December agreed.")
    holder.get_by_role("button", name="Vote for Dades Comunes").click()
    expect(holder.get_by_text("The ballot of Dades Comunes is recorded.")).to_be_visible()
    expect(holder.get_by_text("You voted for it: Consent.")).to_be_visible()
    for page in (holder, author, signed_in(ana)):
        page.goto(vote_url)
        page.get_by_role("radio", name="Consent", exact=True).check()
        page.get_by_role("button", name="Record my co-op's ballot").click()
        expect(page.locator("#your-ballot")).to_contain_text("Consent")

    # 5. Dades Comunes' delegate sees how its vote was cast.
    giver.goto(vote_url)
    expect(giver.locator(".proxy-note")).to_contain_text("cast by Fairbnb Kollektiv by proxy: Consent")

    # 6. The vote closes: adopted. (The test's session ends its read transaction first, to see
    # what the server wrote since.)
    db.session.rollback()
    closing.close_vote(actor=steward, vote=db.session.get(Vote, vote_id))
    assert db.session.get(Amendment, amendment.id).state == "adopted"
    giver.goto(vote_url)
    expect(giver.get_by_role("heading", name=re.compile("^Result: adopted"))).to_be_visible()
    expect(giver.get_by_text("(cast by proxy of Fairbnb Kollektiv for Dades Comunes)")).to_be_visible()

    # 7. Sol Cooperativa, which did not vote, files a formal objection from the amendment's page.
    objector = signed_in(noor)
    objector.goto(amendment_url)
    objector.get_by_role("link", name="Object formally to this decision").click()
    objector.get_by_label("The issue").fill("Free downloads were decided without the small co-ops.")
    objector.get_by_label("Why").fill("Serving large downloads costs a small co-op more than it can pay.")
    objector.get_by_label("What you propose instead").fill("Free of charge once a year, at cost otherwise.")
    objector.get_by_role("button", name="File the formal objection").click()
    expect(objector.get_by_text("Your formal objection is filed.")).to_be_visible()
    expect(objector).to_have_url(re.compile(r"/objections/\d+$"))
    objection_url = objector.url
    wait_for_live_rooms(objector)  # the objector keeps the objection's page open: it follows each step

    # 8. A steward records a mediation note, then convenes the council: the co-ops not party to it
    # (neither the author's nor the objector's) all sit, the council being smaller than five.
    stewarding.goto(objection_url)
    stewarding.get_by_label("A mediation note").fill("Met both co-ops on 5 December: no agreement.")
    stewarding.get_by_role("button", name="Record the note").click()
    expect(stewarding.get_by_text("The mediation note is recorded.")).to_be_visible()
    stewarding.get_by_role("button", name="Convene the council").click()
    expect(stewarding.get_by_text("The council is drawn.")).to_be_visible()
    steps = objector.locator("#live-notice")
    expect(steps).to_contain_text("A steward recorded a mediation note.")
    expect(steps).to_contain_text("A council was drawn for this objection.")
    council = stewarding.locator("section", has=stewarding.locator("#council"))
    for name in ("Dades Comunes", "Fairbnb Kollektiv", "Equal Care"):
        expect(council.get_by_role("listitem").filter(has_text=name)).to_have_count(1)
    expect(council).not_to_contain_text("Kazi Riders")
    expect(council).not_to_contain_text("Sol Cooperativa")

    # 9. Council members' delegates decide: one drafts the decision (with its yes), another votes yes.
    giver.goto(objection_url)
    giver.get_by_role("radio", name="Overturn it").check()
    giver.get_by_role("radio", name="Upheld").check()
    giver.get_by_label("The council’s reason").fill("The cost falls on the smallest co-ops; decide it again with them.")
    giver.get_by_role("button", name="Put this decision to the council").click()
    expect(giver.get_by_text("The draft decision is recorded")).to_be_visible()
    assert not blocking_violations(giver, "objection page with the council")
    holder.goto(objection_url)
    holder.get_by_role("radio", name="yes", exact=True).check()
    holder.get_by_role("button", name="Vote", exact=True).click()
    expect(holder.get_by_role("heading", name="The council overturned the decision")).to_be_visible()
    expect(steps).to_contain_text("The council decided.")
    expect(holder.get_by_text("The objection is upheld.")).to_be_visible()
    expect(holder.get_by_text("Every step is in a hash-chained record. It verifies.")).to_be_visible()

    # 10. The amendment's page shows the council's decision.
    objector.goto(amendment_url)
    expect(objector.locator(".formal-objections")).to_contain_text("Overturned by a council")
    objector.locator(".formal-objections").get_by_role("link", name="Read the council’s reason").click()
    expect(objector).to_have_url(objection_url)
