"""Quoting a paragraph: a delegate selects words in the second paragraph of a section, presses
"Quote in a comment" and posts; the comment records that paragraph, its "¶2" link leads to it
(the section's own anchor, "data-rights-p2"), and every reader sees a marker beside it, live."""
from __future__ import annotations

import pytest

from tests.browser.support import sign_in

pytestmark = pytest.mark.browser


def test_a_quote_is_anchored_to_its_paragraph_and_marked_beside_it(new_page, wait_for_live_rooms, make_coop,
                                                                   make_delegate, make_standard):
    from playwright.sync_api import expect

    from tests.conftest import TEST_PASSWORD

    make_delegate(coop=make_coop(name="Kazi Riders"), name="Amara Okafor", email="amara@kazi.example")
    standard = make_standard(title="Member Data Rights", sections=[
        ("Member ownership", "Members own the platform.\n\nThey decide together."),
        ("Data rights", "Members own their data.\n\nThey can download it at any time.")])
    url = f"/standards/{standard.slug}/s/data-rights"

    reader = new_page()
    reader.goto(url)
    wait_for_live_rooms(reader)
    writer = new_page()
    sign_in(writer, "amara@kazi.example", TEST_PASSWORD)
    writer.goto(url)
    wait_for_live_rooms(writer)

    writer.evaluate("""() => {
        const text = document.querySelector("#data-rights-p2 .para-text p").firstChild;
        const range = document.createRange();
        range.setStart(text, 0);
        range.setEnd(text, "They can download it".length);
        const selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
    }""")
    quote = writer.locator("#data-rights-p2 .quote-button")
    expect(quote).to_be_visible()
    quote.click()
    writer.locator("#comment-body").fill("At any time, even during a dispute?")
    writer.get_by_role("button", name="Post comment").first.click()

    for page in (writer, reader):
        link = page.locator(".comment-quote a", has_text="¶2")
        expect(link).to_have_attribute("href", "#data-rights-p2")
        expect(page.locator("#data-rights-p2 .quote-marker")).to_contain_text("Amara Okafor")
        expect(page.locator("#data-rights-p1 .quote-marker")).to_have_count(0)
    writer.reload()
    expect(writer.locator(".comment-quote a", has_text="¶2")).to_have_attribute("href", "#data-rights-p2")
    expect(writer.locator("#data-rights-p2 .quote-marker")).to_contain_text("Amara Okafor")
