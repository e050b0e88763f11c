"""Keyboard only: the skip link, the main navigation, signing in, posting a comment, casting a
ballot and opening a diff, with Tab, Enter and Space; focus is always visible and never trapped."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

pytestmark = pytest.mark.browser

TEXT = "Members own their data.\n\nThey can download it at any time."
# Enough presses to walk through any page of the demo and out of it.
MAX_TABS = 250

FOCUSED = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    return {
        tag: el.tagName.toLowerCase(), id: el.id,
        name: (el.getAttribute("aria-label") || el.textContent || el.value || "").trim().slice(0, 60),
        href: el.getAttribute("href"), type: el.getAttribute("type"),
        outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
        shadow: style.boxShadow !== "none",
        visible: !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length),
    };
}"""


def focused(page) -> dict | None:
    return page.evaluate(FOCUSED)


def assert_focus_visible(page) -> dict:
    now = focused(page)
    assert now is not None, "focus fell back to the page body"
    assert now["visible"], f"the focused element is invisible: {now}"
    assert now["outline"] or now["shadow"], f"no visible focus indicator on {now}"
    return now


def tab_to(page, matches, *, backwards: bool = False) -> dict:
    """Press Tab until ``matches(focused element)``; every stop on the way shows its focus."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(MAX_TABS):
        page.keyboard.press(key)
        now = focused(page)
        if now is None:
            continue
        assert now["outline"] or now["shadow"], f"no visible focus indicator on {now}"
        if matches(now):
            return now
    raise AssertionError("never reached the element by keyboard")


def named(text: str):
    return lambda el: el["name"] == text


@pytest.fixture
def scene(steward, make_coop, make_delegate, make_standard):
    """A standard, an open amendment with its diff, and an open vote on it."""
    from deliberate.database import utcnow
    from deliberate.proposals import services as proposals
    from deliberate.voting import services as voting

    amara = make_delegate(coop=make_coop(name="Kazi Riders"), name="Amara Okafor", email="amara@kazi.example")
    make_delegate(coop=make_coop(name="Dades Comunes"), name="Lucía Ferrer")
    standard = make_standard(title="Member Data Rights", sections=[("Access", TEXT)])
    section = standard.sections[0]
    amendment = proposals.propose_amendment(
        actor=amara, standard=standard, kind="modify", section=section, summary="Downloads are free.",
        rationale="Fees keep members from their data.", proposed_title=section.title,
        proposed_body=TEXT.replace("at any time.", "at any time, free of charge."))
    amendment = proposals.open_amendment(actor=amara, amendment=amendment)
    vote = voting.open_vote(actor=steward, subject_kind="amendment", subject_id=amendment.id,
                            rule_preset="simple-majority", closes_at=utcnow() + timedelta(days=7))
    return {"amara": amara, "standard": standard, "section": section, "amendment": amendment, "vote": vote}


def test_skip_link_and_main_navigation(browser_page, scene):
    from playwright.sync_api import expect

    page = browser_page
    page.goto("/")
    page.keyboard.press("Tab")
    first = assert_focus_visible(page)
    assert first["href"] == "#main" and first["name"] == "Skip to content"
    expect(page.locator(".skip-link")).to_be_in_viewport()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # From the content, Shift+Tab walks back up to the navigation; Enter follows a link.
    tab_to(page, named("Votes"), backwards=True)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/votes/$"))
    expect(page.get_by_role("heading", level=1, name="Votes")).to_be_visible()


def test_every_page_stop_is_visible_and_tab_leaves_the_page(browser_page, scene):
    """No keyboard trap: Tab visits every control of the amendment page (comment box included)
    and then leaves the page; each stop shows a focus indicator; a :focus-visible rule exists."""
    page = browser_page
    page.goto(f"/standards/{scene['standard'].slug}/amendments/{scene['amendment'].id}")
    assert page.evaluate("""() => Array.from(document.styleSheets).some(sheet => {
        try { return Array.from(sheet.cssRules).some(r => (r.selectorText || "").includes(":focus-visible")
                                                         && /outline/.test(r.cssText)); }
        catch (e) { return false; }
    })"""), "no :focus-visible style"
    expected = page.evaluate("""() => Array.from(document.querySelectorAll(
        'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex="0"]'))
        .filter(el => !el.disabled && !el.closest('[hidden], details:not([open]) > :not(summary)')
                      && el.getClientRects().length).length""")
    seen = []
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        now = focused(page)
        if now is None:
            break  # focus left the document: Tab is not trapped anywhere
        assert now["outline"] or now["shadow"], f"no visible focus indicator on {now}"
        if seen and now == seen[0] and len(seen) > 3:
            break  # wrapped around to the start
        seen.append(now)
    else:
        raise AssertionError(f"Tab never left the page after {MAX_TABS} presses: trapped at {seen[-1]}")
    assert len(seen) >= expected - 1, f"only {len(seen)} of {expected} controls reached by Tab"
    assert any(el["id"] == "comment-body" for el in seen) or not page.locator("#comment-body").count()


def test_sign_in_comment_ballot_and_diff_by_keyboard(browser_page, wait_for_live_rooms, scene):
    from playwright.sync_api import expect

    from tests.conftest import TEST_PASSWORD

    page = browser_page
    slug = scene["standard"].slug

    # Sign in: the navigation's link, then the form, typed and sent with Enter.
    page.goto("/")
    tab_to(page, named("Sign in"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/signin"))
    tab_to(page, lambda el: el["id"] == "email")
    page.keyboard.type(scene["amara"].email)
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "password"
    page.keyboard.type(TEST_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    # Open the diff side by side, by keyboard.
    page.goto(f"/standards/{slug}/amendments/{scene['amendment'].id}")
    wait_for_live_rooms(page)
    tab_to(page, named("Side by side"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"view=side"))
    expect(page.get_by_role("columnheader", name="Before")).to_be_visible()
    wait_for_live_rooms(page)

    # Post a comment: Tab into the box, type, Tab to the button, Enter.
    tab_to(page, lambda el: el["id"] == "comment-body")
    page.keyboard.type("Typed without a mouse.")
    tab_to(page, named("Post comment"))
    page.keyboard.press("Enter")
    expect(page.locator(".comment", has_text="Typed without a mouse.")).to_be_visible()

    # Cast the co-op's ballot: Space picks the choice, Enter sends it.
    page.goto(f"/votes/{scene['vote'].id}")
    wait_for_live_rooms(page)
    tab_to(page, lambda el: el["tag"] == "input" and el["type"] == "radio")
    # Arrow keys move within the radio group; Space selects the focused option.
    for _ in range(3):
        if page.evaluate("document.activeElement.value") == "for":
            break
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    expect(page.get_by_role("radio", name="For", exact=True)).to_be_checked()
    tab_to(page, named("Record my co-op's ballot"))
    page.keyboard.press("Enter")
    expect(page.locator("#your-ballot")).to_contain_text("For")
