"""Journey: a delegate declares where their co-op stands on a ratified version, section by section,
through the real form; an observer then finds the declaration in the standard's public registry,
filters it, reads it and its badge; a delegate of another co-op questions it in public."""
from __future__ import annotations

import pytest

from tests.browser.support import blocking_violations, sign_in
from tests.conftest import TEST_PASSWORD
from tests.registry_support import world

pytestmark = pytest.mark.browser


def test_from_declaring_to_the_public_registry(new_page, network, make_coop, make_delegate):
    from playwright.sync_api import expect

    w = world(network, make_coop, make_delegate)
    slug = w["standard"].slug

    delegate = new_page(bypass_csp=True)  # for the axe-core scan
    sign_in(delegate, w["amara"].email, TEST_PASSWORD)
    delegate.goto(f"/standards/{slug}/registry")
    delegate.get_by_role("link", name="Declare where your co-op stands on version 1.0").click()
    expect(delegate.get_by_role("heading", level=1)).to_contain_text("Declare where Kazi Riders stands")
    delegate.get_by_label("adopts").check()
    for key in w["keys"]:
        delegate.locator(f"#status-{key}").select_option("met")
        delegate.locator(f"#justification-{key}").fill("Written into our bylaws.")
    # An evidence link that is not https is refused, and what was typed stays.
    delegate.locator(f"#evidence-{w['keys'][0]}").fill("http://intranet.example.org/bylaws")
    delegate.get_by_role("button", name="Publish the declaration").click()
    expect(delegate.get_by_role("alert")).to_contain_text("https://")
    expect(delegate.locator(f"#justification-{w['keys'][1]}")).to_have_value("Written into our bylaws.")
    delegate.locator(f"#evidence-{w['keys'][0]}").fill("https://kazi.example.org/bylaws")
    delegate.get_by_role("button", name="Publish the declaration").click()
    expect(delegate.get_by_role("heading", level=1)).to_contain_text("Kazi Riders adopts")
    expect(delegate.locator("#declaration-state")).to_have_text("in force")
    expect(delegate.locator("#declaration-signer")).to_contain_text(w["amara"].name)
    assert not blocking_violations(delegate, "declaration page")

    observer = new_page(bypass_csp=True)
    observer.goto(f"/standards/{slug}/registry")
    table = observer.locator("#registry-table")
    expect(table.get_by_role("link", name="Kazi Riders")).to_be_visible()
    expect(table.get_by_role("link", name="evidence").first).to_have_attribute("href", "https://kazi.example.org/bylaws")
    assert not blocking_violations(observer, "registry page")
    observer.locator("#filter-stance").select_option("aspires")
    observer.get_by_role("button", name="Show").click()
    expect(observer.locator("#registry-table")).to_contain_text("No declaration matches.")
    observer.goto(f"/coops/{w['kazi'].slug}/declarations")
    badge = observer.locator("#coop-declarations img")
    expect(badge).to_be_visible()
    assert observer.evaluate("(img) => img.naturalWidth > 0", badge.element_handle())

    asker = new_page()
    sign_in(asker, w["lucia"].email, TEST_PASSWORD)
    asker.goto(f"/coops/{w['kazi'].slug}/declarations")
    asker.get_by_role("link", name="adopts").click()
    asker.get_by_label("What seems untrue, and why").fill("Your bylaws page does not mention data rights.")
    asker.get_by_role("button", name="Ask in public").click()
    expect(asker.locator(".question")).to_contain_text("Your bylaws page does not mention data rights.")
    observer.goto(f"/standards/{slug}/registry")
    expect(observer.locator("#questions")).to_be_visible()
