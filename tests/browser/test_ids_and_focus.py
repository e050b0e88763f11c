"""In the browser, after every script has run: no page of the demo network carries an id twice, and
a label moves focus to its own field (the vote page's "Your concern" used to focus the objection)."""
from __future__ import annotations

import pytest

from tests.browser.support import demo_pages, sign_in

PEOPLE = {"delegate": "lucia@example.org", "steward": "steward@example.org"}

pytestmark = pytest.mark.browser

DUPLICATE_IDS = """() => {
    const seen = {}, twice = [];
    for (const el of document.querySelectorAll("[id]")) {
        if (seen[el.id]) twice.push(el.id); else seen[el.id] = true;
    }
    return twice;
}"""


@pytest.fixture
def demo(seeded_demo):
    return demo_pages()


@pytest.mark.parametrize("role", ["observer", "delegate"])
def test_live_pages_never_carry_an_id_twice(role, demo, new_page, wait_for_live_rooms):
    from deliberate.seed import DEMO_PASSWORD

    page = new_page()
    if role != "observer":
        sign_in(page, PEOPLE[role], DEMO_PASSWORD)
    pages = demo.for_role(role)
    problems = {}
    for label in ("standard", "section", "amendment diff", "vote open", "vote closed", "vote ranked closed", "changelog",
                  "discussion", "search no results"):
        if label not in pages:
            continue
        page.goto(pages[label])
        if page.locator("[data-live-room]").count():
            wait_for_live_rooms(page)
        twice = page.evaluate(DUPLICATE_IDS)
        if twice:
            problems[label] = twice
    assert not problems


def test_the_concern_label_focuses_the_concern_field(demo, new_page):
    from playwright.sync_api import expect

    from deliberate.seed import DEMO_PASSWORD

    page = new_page()
    sign_in(page, PEOPLE["delegate"], DEMO_PASSWORD)
    page.goto(demo.for_role("delegate")["vote open"])
    page.get_by_text("Record a concern that does not block").click()  # the form folds away
    page.locator("label", has_text="Your concern").first.click()
    focused = page.evaluate("() => [document.activeElement.tagName, document.activeElement.closest('form').action]")
    assert focused[0] == "TEXTAREA" and focused[1].endswith("/concerns")
    label_for = page.locator("label", has_text="Your concern").first.get_attribute("for")
    expect(page.locator(f"form[action$='/concerns'] #{label_for}")).to_be_focused()
