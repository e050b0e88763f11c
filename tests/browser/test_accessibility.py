"""Accessibility: every main page of the demo network, as an observer, a delegate and a steward,
passes an axe-core scan (no serious or critical violation, WCAG 2.1 AA rules), at a desktop and a
phone width; on the phone no page scrolls sideways. Forms in error show a linked error summary."""
from __future__ import annotations

import re

import pytest

from tests.browser.support import AXE, DESKTOP, PHONE, ROOT, blocking_violations, demo_pages, horizontal_overflow, screenshot, settle, sign_in

pytestmark = pytest.mark.browser

# Lucía (Dades Comunes) has a private draft amendment of her own, so her edit page is scanned too.
PEOPLE = {"delegate": "lucia@example.org", "steward": "steward@example.org"}
# Pages (label: screenshot name) kept as pictures in docs/screenshots/, for the README.
PICTURES = {
    "observer": {"home": "home", "how it works": "how-it-works", "standards": "standards",
                 "amendment diff": "amendment-diff", "vote closed": "vote-closed", "votes": "votes",
                 "search": "search", "version diff": "version-diff", "co-ops": "coops"},
    "delegate": {"vote open": "vote-open-delegate", "discussion": "discussion", "notifications": "notifications",
                 "propose amendment": "amendment-propose"},
    "steward": {"new vote": "vote-new-steward", "assemble version": "version-assemble-steward"},
}
# Pages that only other changes add; scanned when they exist (label: path; a 404 means "not yet").
OPTIONAL = {
    "everyone": {"transparency": "/transparency"},
    # The API's documentation is one long page (every operation and schema: 9 s of the scans at two
    # widths) that differs by role in one sentence only (a link to make a token): scanned once.
    "observer": {"API docs": "/api/docs", "API (v1) docs": "/api/v1/docs"},
    "signed_in": {"tokens": "/account/tokens", "webhooks": "/account/webhooks", "my data": "/account/data"},
    "steward": {"audit": "/audit", "webhooks (stewards)": "/webhooks"},
}


def _optional_pages(role: str) -> dict[str, str]:
    pages = dict(OPTIONAL["everyone"])
    if role == "observer":
        pages.update(OPTIONAL["observer"])
    else:
        pages.update(OPTIONAL["signed_in"])
    if role == "steward":
        pages.update(OPTIONAL["steward"])
    return pages


@pytest.fixture
def demo(seeded_demo):
    return demo_pages()


@pytest.mark.parametrize("role", ["observer", "delegate", "steward"])
def test_main_pages_pass_axe_on_desktop_and_phone(role, demo, new_page, wait_for_live_rooms):
    if not AXE.exists():
        pytest.skip(f"{AXE.relative_to(ROOT)} is missing: run `make vendor`")
    from deliberate.seed import DEMO_PASSWORD

    # The pages' CSP (script-src 'self') would refuse the injected axe script.
    page = new_page(bypass_csp=True, viewport=DESKTOP)
    if role != "observer":
        sign_in(page, PEOPLE[role], DEMO_PASSWORD)
    problems: list[str] = []
    scanned = 0
    pages = demo.for_role(role)
    for label, path in {**pages, **_optional_pages(role)}.items():
        response = page.goto(path)
        assert response is not None
        if label in _optional_pages(role):
            if response.status in (404, 405):
                continue
        elif response.status != (404 if label == "not found" else 200):
            problems.append(f"{role} · {label} ({path}) answered {response.status}")
            continue
        wait_for_live_rooms(page)
        scanned += 1
        for width_name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(viewport)
            settle(page)
            where = f"{role} · {label} ({path}) · {width_name}"
            problems += blocking_violations(page, where)
            if width_name == "phone":
                overflow = horizontal_overflow(page)
                if overflow:
                    problems.append(f"{where}: the page scrolls sideways: {overflow}")
            if PICTURES.get(role, {}).get(label) and width_name == "desktop":
                screenshot(page, PICTURES[role][label])
        page.set_viewport_size(DESKTOP)
        if role == "observer" and label == "standard":
            page.set_viewport_size(PHONE)
            settle(page)
            screenshot(page, "standard-phone", full_page=False)
            page.set_viewport_size(DESKTOP)
    assert scanned >= len(pages)
    assert not problems, "accessibility problems:\n" + "\n".join(problems)


@pytest.mark.parametrize("path, button, first_field", [
    ("/signin", "Sign in", "Email"),
    ("/forgot", None, "Email"),
])
def test_a_form_in_error_shows_a_linked_summary_and_marks_its_fields(path, button, first_field, new_page):
    """Sending a form empty: an error summary at the top, focused, whose links lead to the fields,
    each field marked invalid and described by its message; and the page still passes axe."""
    from playwright.sync_api import expect

    page = new_page(bypass_csp=True)
    page.goto(path)
    form = page.locator("main form").last
    if button:
        form.get_by_role("button", name=button).click()
    else:
        form.locator("button[type=submit], input[type=submit]").last.click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("heading")).to_be_visible()
    links = summary.get_by_role("link")
    expect(links.first).to_be_visible()
    target = links.first.get_attribute("href")
    assert target and target.startswith("#")
    field = page.locator(target)
    expect(field).to_have_attribute("aria-invalid", "true")
    described = field.get_attribute("aria-describedby") or ""
    assert any(page.locator(f"[id='{ref}']").count() for ref in described.split()), described
    links.first.click()
    expect(field).to_be_focused()
    if AXE.exists():
        assert not blocking_violations(page, f"{path} in error")


def test_diffs_and_vote_states_read_without_colour(demo, new_page):
    """With colour gone (forced grayscale and no CSS colours), insertions and deletions still say
    what they are in words, and every state badge is a word, not a colour."""
    from playwright.sync_api import expect

    page = new_page()
    page.goto(demo.everyone["amendment diff"])
    body = page.locator(".diff-body")
    for tag, word in (("ins", "added"), ("del", "removed")):
        for element in body.locator(tag).all():
            label = element.evaluate("el => getComputedStyle(el, '::before').content")
            assert word in label.lower() or "+" in label or "−" in label, label
            # Screen readers hear the word too, not just the symbol.
            assert word in (element.evaluate("el => el.textContent + ' ' + (el.getAttribute('aria-label') || '')"
                                             " + ' ' + getComputedStyle(el, '::before').content").lower())
    legend = page.locator(".diff-legend").first
    expect(legend).to_contain_text(re.compile("added", re.I))
    expect(legend).to_contain_text(re.compile("removed", re.I))
    page.goto("/votes/")
    for badge in page.locator(".badge").all():
        assert badge.inner_text().strip(), "a badge with no words"


def test_a_standard_prints_as_a_clean_document(new_page, make_standard):
    """Printed, a standard has no navigation, forms or buttons; serif text; numbered sections; the
    address after each link; and no section split across pages."""
    from playwright.sync_api import expect

    standard = make_standard(title="Member Data Rights", sections=[
        ("Scope", "This policy follows the [ICA principles](https://ica.coop/en/cooperatives/cooperative-identity)."),
        ("Access", "Members can download their data at any time.")])
    page = new_page()
    page.goto(f"/standards/{standard.slug}?draft=1")
    page.emulate_media(media="print")
    for hidden in ("nav[aria-label='Main']", ".site-footer", "main form", "main button", ".toc", ".discussion"):
        for element in page.locator(hidden).all():
            expect(element).to_be_hidden()
    assert "serif" in page.evaluate("getComputedStyle(document.body).fontFamily").lower()
    assert "sans-serif" not in page.evaluate("getComputedStyle(document.body).fontFamily").lower()
    expect(page.locator(".section h2").first).to_contain_text("1.")
    link = page.locator(".prose a[href^='https://ica.coop']")
    assert "https://ica.coop/en/cooperatives/cooperative-identity" in link.evaluate(
        "a => getComputedStyle(a, '::after').content")
    assert page.locator(".section").first.evaluate("s => getComputedStyle(s).breakInside") == "avoid"
    page.emulate_media(media="screen")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()


def test_the_first_visit_guide_can_be_hidden_and_shown_again(new_page, make_standard):
    """The home page explains the five steps on a first visit; "Got it" hides it for good in this
    browser; "Show the introduction again" brings it back. It is all in the page without JS."""
    from playwright.sync_api import expect

    make_standard(title="Member Data Rights")
    page = new_page()
    page.goto("/")
    guide = page.locator("#guide")
    expect(guide).to_be_visible()
    expect(guide.locator(".guide-steps > li")).to_have_text([
        re.compile("^Draft"), re.compile("^Amend"), re.compile("^Discuss"), re.compile("^Vote"), re.compile("^Ratify")])
    expect(guide.get_by_role("link", name="Read more about how it works")).to_have_attribute("href", "/how-it-works")
    page.get_by_role("button", name="Got it, hide this").click()
    expect(guide).to_be_hidden()
    reopen = page.get_by_role("button", name="Show the introduction again")
    expect(reopen).to_be_focused()
    page.goto("/how-it-works")
    page.goto("/")
    expect(guide).to_be_hidden()
    reopen.click()
    expect(guide).to_be_visible()
    expect(guide.get_by_role("heading")).to_be_focused()
    page.reload()
    expect(guide).to_be_visible()

    # Without JavaScript the explanation simply stays, with nothing that cannot work.
    bare = new_page(java_script_enabled=False)
    bare.goto("/")
    expect(bare.locator("#guide")).to_be_visible()
    expect(bare.get_by_role("button", name="Got it, hide this")).to_be_hidden()
