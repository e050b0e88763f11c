"""Journey: a delegate proposes an amendment, reads its diff inline and side by side, opens it;
then changes are adopted underneath it, and it shows as rebased, then as conflicted."""
from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

TEXT = ("Members own the platform together.\n\n"
        "Each member holds one equal share, which cannot be sold to outside investors.\n\n"
        "New members may join at any time.")


def adopt(amendment_id, steward):
    from deliberate.database import unit_of_work
    from deliberate.proposals.adoption import apply_amendment
    from deliberate.proposals.models import Amendment
    from deliberate.proposals.services import transition

    with unit_of_work() as session:
        amendment = session.get(Amendment, amendment_id)
        if amendment.state == "draft":
            transition(session, amendment, "open", steward)
        apply_amendment(session, amendment, steward)


def test_propose_compare_and_see_it_rebased_then_conflicted(browser_page, wait_for_live_rooms, steward, make_coop,
                                                           make_delegate, make_standard):
    from playwright.sync_api import expect

    from deliberate.proposals import services
    from deliberate.standards import services as standards
    from tests.conftest import TEST_PASSWORD

    coop = make_coop(name="Kazi Riders")
    delegate = make_delegate(coop=coop, email="amara@kazi.example", name="Amara Okafor")
    other = make_delegate(coop=make_coop(name="Dades Comunes"), name="Lucía Ferrer")
    standard = make_standard(title="Platform Co-op Principles", sections=[("Member ownership", TEXT)])
    section = standard.sections[0]
    page = browser_page

    page.goto("/signin")
    page.get_by_label("Email").fill(delegate.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"/standards/{standard.slug}/s/{section.key}")
    wait_for_live_rooms(page)

    # Propose: say what changes for co-ops, then change the words.
    page.get_by_role("link", name="Propose a change").click()
    page.get_by_label("What changes for co-ops, in plain words").fill("Joining stays free for everyone.")
    page.get_by_label("Proposed text").fill(TEXT.replace("at any time.", "at any time, without a fee."))
    page.get_by_label("Why? (rationale)").fill("Fees keep poorer workers out.")
    page.get_by_role("button", name="Save as draft").click()

    expect(page).to_have_url(re.compile(rf"/standards/{standard.slug}/amendments/\d+$"))
    amendment_id = int(page.url.rsplit("/", 1)[1])
    wait_for_live_rooms(page)
    expect(page.get_by_role("heading", name="What changes for co-ops")).to_be_visible()
    expect(page.locator(".diff-inline ins")).to_have_text(", without a fee")
    page.screenshot(path="docs/screenshots/amendment-inline.png", full_page=True)

    page.get_by_role("link", name="Side by side").click()
    wait_for_live_rooms(page)
    expect(page.get_by_role("columnheader", name="Before")).to_be_visible()
    expect(page.locator(".diff-side td ins")).to_have_text(", without a fee")

    page.get_by_role("button", name="Open for discussion").click()
    wait_for_live_rooms(page)
    expect(page.locator("h1 .badge")).to_contain_text("open")

    # Another co-op's change to a different sentence is adopted underneath: rebased, both kept.
    s = standards.get_standard(standard.slug).sections[0]
    first = services.propose_amendment(actor=other, standard=standard, kind="modify", section=s, summary="Together.",
                                       proposed_title=s.title, proposed_body=s.body.replace("together", "jointly"))
    adopt(first.id, steward)
    page.reload()
    wait_for_live_rooms(page)
    expect(page.get_by_text("brought up to date automatically")).to_be_visible()
    expect(page.locator("h1 .badge")).to_contain_text("open")
    expect(page.locator(".diff-body")).to_contain_text("jointly")

    # Then a change to the very words it changes is adopted: it is conflicted, never blended.
    s = standards.get_standard(standard.slug).sections[0]
    second = services.propose_amendment(actor=other, standard=standard, kind="modify", section=s, summary="Fee.",
                                        proposed_title=s.title,
                                        proposed_body=s.body.replace("at any time.", "at any time, for a small fee."))
    adopt(second.id, steward)
    page.reload()
    wait_for_live_rooms(page)
    expect(page.locator("h1 .badge")).to_contain_text("conflicted")
    expect(page.get_by_text("This amendment needs a person's attention.")).to_be_visible()
    page.get_by_role("link", name="Resolve the conflict").click()
    expect(page.get_by_role("heading", name=re.compile("Theirs"))).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Yours"))).to_be_visible()
    page.screenshot(path="docs/screenshots/amendment-conflict.png", full_page=True)
    assert amendment_id
