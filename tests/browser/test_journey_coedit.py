"""Journey: two delegates in two browsers edit one section at once; both edits survive and are saved."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

TEXT = "Members own the platform.\n\nEach member holds one share."


def sign_in(page, email):
    from tests.conftest import TEST_PASSWORD

    page.goto("/signin")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_two_delegates_edit_one_section_at_once(new_page, wait_for_live_rooms, make_coop, make_delegate,
                                                make_standard):
    from playwright.sync_api import expect

    from deliberate.extensions import db
    from deliberate.standards.models import Revision, Section

    alice = make_delegate(coop=make_coop(name="Kazi Riders"), email="alice@kazi.example", name="Alice")
    bob = make_delegate(coop=make_coop(name="Dades Comunes"), email="bob@dades.example", name="Bob")
    standard = make_standard(title="Platform Co-op Principles", sections=[("Member ownership", TEXT)])
    section = standard.sections[0]
    pages = []
    for person in (alice, bob):
        page = new_page()
        sign_in(page, person.email)
        page.goto(f"/standards/{standard.slug}/s/{section.key}")
        wait_for_live_rooms(page)
        page.get_by_role("link", name="Edit together, live").click()
        expect(page.locator("#coedit-text")).to_be_enabled()
        pages.append(page)
    first, second = pages

    # Both type at the same time, in different places.
    first.locator("#coedit-text").press("Control+Home")
    first.locator("#coedit-text").press("End")  # end of the first line
    second.locator("#coedit-text").press("Control+End")
    first.locator("#coedit-text").type(" Together.")
    second.locator("#coedit-text").type(" Equal for all.")

    expected = "Members own the platform. Together.\n\nEach member holds one share. Equal for all."
    expect(first.locator("#coedit-text")).to_have_value(expected, timeout=8000)
    expect(second.locator("#coedit-text")).to_have_value(expected, timeout=8000)

    second.get_by_label("What did you change, and why?").fill("Written together")
    second.get_by_role("button", name="Save as a revision").click()
    expect(second.locator("#coedit-saved")).to_have_text("Saved as revision 2.")
    db.session.rollback()  # end this thread's read snapshot: the server saved in another thread
    revision = db.session.get(Revision, db.session.get(Section, section.id).head_revision_id)
    assert revision.body == expected and revision.author_id == bob.id
    assert [c.person_id for c in revision.credits] == [alice.id]
    second.screenshot(path="docs/screenshots/coedit.png", full_page=True)


def test_a_comment_posted_in_one_browser_appears_in_the_other(new_page, wait_for_live_rooms, make_coop, make_delegate,
                                                              make_standard):
    from playwright.sync_api import expect

    alice = make_delegate(coop=make_coop(name="Kazi Riders"), email="alice@kazi.example", name="Alice")
    bob = make_delegate(coop=make_coop(name="Dades Comunes"), email="bob@dades.example", name="Bob")
    standard = make_standard(title="Platform Co-op Principles", sections=[("Member ownership", TEXT)])
    section = standard.sections[0]
    pages = []
    for person in (alice, bob):
        page = new_page()
        sign_in(page, person.email)
        page.goto(f"/standards/{standard.slug}/s/{section.key}")
        wait_for_live_rooms(page)
        pages.append(page)
    first, second = pages
    second.evaluate("() => { window.stillTheSamePage = true; }")
    first.locator("#comment-body").fill("Should *equal* mean one share per member?")
    first.get_by_role("button", name="Post comment").first.click()
    expect(second.get_by_text("Should equal mean one share per member?")).to_be_visible(timeout=8000)
    expect(second.locator("em", has_text="equal")).to_be_visible()
    assert second.evaluate("() => window.stillTheSamePage === true")  # no reload: it arrived live
