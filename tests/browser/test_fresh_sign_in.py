"""A sensitive action started with a stale sign-in finishes by itself once the password is
confirmed: the form is neither lost nor to be filled in again (issue 16)."""
from __future__ import annotations

import pytest

from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser


def test_making_a_token_after_confirming_the_password_needs_no_second_try(new_page, network):
    from playwright.sync_api import expect

    page = new_page()
    page.goto("/signin")
    page.get_by_label("Email").fill(network["delegate"].email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_label("Keep me signed in on this device").check()
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_attached()
    # Back later through the "keep me signed in" cookie alone: signed in, but not freshly.
    cookies = [c for c in page.context.cookies() if "remember" in c["name"]]
    page.context.clear_cookies()
    page.context.add_cookies(cookies)

    page.goto("/account/tokens/")
    page.get_by_label("Name", exact=True).fill("Our website")
    page.get_by_role("button", name="Make the token").click()
    expect(page.get_by_role("heading", name="Confirm your password")).to_be_visible()
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Continue").click()
    # The token is made without pressing anything more, and shown once.
    expect(page.get_by_role("heading", name="Your new token “Our website”")).to_be_visible()
    assert page.get_by_label("Token", exact=True).input_value().startswith("dlb_")
