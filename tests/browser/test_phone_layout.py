"""On a phone the page comes first: the header folds its menu behind one button, the live-updates
label never covers the text, the search box is labelled, and a ranked vote's chart keeps its labels."""
from __future__ import annotations

import pytest

from tests.browser.support import PHONE, demo_pages, sign_in

pytestmark = pytest.mark.browser

SMALL_PHONE = {"width": 320, "height": 568}


@pytest.fixture
def demo(seeded_demo):
    return demo_pages()


def _box(page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


@pytest.mark.parametrize("viewport", [SMALL_PHONE, PHONE], ids=["320", "375"])
def test_the_header_takes_a_small_part_of_the_first_screen_and_its_menu_unfolds(viewport, demo, new_page):
    from playwright.sync_api import expect

    from deliberate.seed import DEMO_PASSWORD

    page = new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, "steward@example.org", DEMO_PASSWORD)  # its check looks for the "Sign out" button, folded on a phone
    page.set_viewport_size(viewport)
    page.goto(demo.everyone["standard"])
    header = _box(page, ".site-header")
    assert header["height"] <= viewport["height"] * 0.15, f"the header takes {header['height']} px of {viewport['height']}"
    toggle = page.get_by_role("button", name="Menu")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_role("link", name="Votes", exact=True)).to_be_hidden()
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("link", name="Votes", exact=True)).to_be_visible()
    search = page.get_by_role("searchbox", name="Search")
    expect(search).to_be_visible()
    assert page.locator(".nav-search button").evaluate("b => getComputedStyle(b).borderStyle") == "solid"  # styled
    search.focus()
    page.keyboard.press("Escape")
    expect(toggle).to_be_focused()
    expect(page.get_by_role("link", name="Votes", exact=True)).to_be_hidden()


def test_on_a_wide_screen_the_menu_is_never_folded(demo, new_page):
    from playwright.sync_api import expect

    page = new_page(viewport={"width": 1280, "height": 900})
    page.goto(demo.everyone["standard"])
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(page.get_by_role("link", name="Votes", exact=True)).to_be_visible()


def test_the_live_updates_label_never_covers_the_page_on_a_phone(demo, new_page, wait_for_live_rooms):
    from playwright.sync_api import expect

    page = new_page(viewport=PHONE)
    page.goto(demo.everyone["standard"])
    wait_for_live_rooms(page)
    status = page.locator("#live-status")
    expect(status).not_to_be_empty()
    assert status.evaluate("el => getComputedStyle(el).position") != "fixed"
    label, main = _box(page, "#live-status"), _box(page, "main")
    assert label["y"] >= main["y"] + main["height"], "the label overlaps the main text"
