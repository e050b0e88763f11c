"""Journeys in a real browser: a newcomer joins through an invitation and revises a section;
an observer reads a standard; the main pages pass an axe-core accessibility scan."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.browser.support import AXE, axe_violations, describe_violation

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
BLOCKING_IMPACTS = {"serious", "critical"}


def test_invited_delegate_joins_and_revises_a_section(browser_page, wait_for_live_rooms, steward, make_coop,
                                                     make_standard):
    from playwright.sync_api import expect

    from deliberate.members.services import invite_delegate

    coop = make_coop(name="Fair Fields Cooperative")
    standard = make_standard(title="Member Data Rights")
    section = standard.sections[1]
    _invitation, token = invite_delegate(actor=steward, coop=coop)
    page = browser_page
    new_text = "Members own their data.\n\nThey can download it **at any time**, in an open format."
    why = "Say when and how members can download their data"

    # The newcomer opens the link from the invitation and creates their account.
    page.goto(f"/join/{token}")
    page.get_by_label("Your name").fill("Amara Okafor")
    page.get_by_label("Email", exact=True).fill("amara@fairfields.example")
    page.get_by_label("Choose a password").fill("three words together")
    page.get_by_role("button", name="Create my account").click()

    expect(page).to_have_url(re.compile(r"/account$"))
    expect(page.get_by_role("heading", name="Your account", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=coop.name)).to_be_visible()

    # They read the standard and follow the section's permalink.
    page.goto(f"/standards/{standard.slug}")
    wait_for_live_rooms(page)
    page.get_by_role("link", name=f"Link to “{section.title}”").click()
    expect(page).to_have_url(re.compile(rf"/standards/{standard.slug}/s/{section.key}$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(section.title)
    wait_for_live_rooms(page)

    # They edit the draft and say why.
    page.get_by_role("link", name="Edit the draft").click()
    page.get_by_label("Text", exact=True).fill(new_text)
    page.get_by_label("What did you change, and why?").fill(why)
    page.get_by_role("button", name="Save revision").click()

    expect(page).to_have_url(re.compile(rf"/standards/{standard.slug}/s/{section.key}$"))
    expect(page.get_by_role("status").filter(has_text="Saved as revision 2")).to_be_visible()
    expect(page.locator(".prose strong")).to_have_text("at any time")
    expect(page.get_by_text("in an open format")).to_be_visible()
    history = page.locator("#history + ol > li")
    expect(history).to_have_count(2)
    expect(history.first).to_contain_text("Revision 2")
    expect(history.first).to_contain_text(why)
    expect(history.first).to_contain_text(f"Amara Okafor ({coop.name})")
    wait_for_live_rooms(page)

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "section-history.png"), full_page=True)


def test_observer_reads_a_standard_through_its_contents_and_permalinks(browser_page, wait_for_live_rooms,
                                                                       make_standard):
    from playwright.sync_api import expect

    standard = make_standard(title="Member Data Rights")
    page = browser_page

    page.goto(f"/standards/{standard.slug}")

    contents = page.get_by_role("navigation", name="Contents")
    expect(contents.get_by_role("link")).to_have_text([s.title for s in standard.sections])
    for section in standard.sections:
        expect(contents.get_by_role("link", name=section.title)).to_have_attribute("href", f"#{section.key}")
        expect(page.locator(f"[id='{section.key}']")).to_be_visible()
    hrefs = page.locator("a.permalink").evaluate_all("links => links.map(a => a.href)")
    assert [urlsplit(href).path for href in hrefs] == [
        f"/standards/{standard.slug}/s/{section.key}" for section in standard.sections]
    for href in hrefs:
        response = page.request.get(href)
        assert response.status == 200, f"{href} answered {response.status}"
        assert "Edit the draft" not in response.text()  # observers read; only delegates edit
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign in")).to_be_visible()
    # The page follows the standard live (Socket.IO over the same server, under the page's CSP).
    wait_for_live_rooms(page)
    expect(page.locator("#live-status")).to_have_text("Live updates on")


def test_main_pages_have_no_serious_accessibility_violations(new_page, wait_for_live_rooms, steward, make_coop,
                                                             make_standard):
    if not AXE.exists():
        pytest.skip(f"{AXE.relative_to(ROOT)} is missing: run `make vendor`")
    from deliberate.members.services import invite_delegate

    standard = make_standard(title="Member Data Rights")
    section = standard.sections[0]
    _invitation, token = invite_delegate(actor=steward, coop=make_coop())
    # The page's CSP (script-src 'self') would refuse the injected axe script.
    page = new_page(bypass_csp=True)
    pages = ["/", f"/standards/{standard.slug}", f"/standards/{standard.slug}/s/{section.key}", "/signin",
             f"/join/{token}"]

    problems = []
    for url in pages:
        response = page.goto(url)
        assert response is not None and response.status == 200, f"{url} answered {response and response.status}"
        wait_for_live_rooms(page)
        problems += [describe_violation(url, v) for v in axe_violations(page) if v["impact"] in BLOCKING_IMPACTS]

    assert not problems, "axe-core found serious or critical violations:\n" + "\n".join(problems)

