"""Accessibility: the demo's main pages as a delegate pass an axe-core scan at a desktop and a phone
width (tests/browser/a11y_scan.py; the observer's scan and the other checks are in
test_accessibility.py)."""
from __future__ import annotations

import pytest

from tests.browser.a11y_scan import scan_main_pages

pytestmark = pytest.mark.browser


def test_main_pages_pass_axe_on_desktop_and_phone_as_a_delegate(demo, new_page, wait_for_live_rooms):
    scan_main_pages("delegate", demo, new_page, wait_for_live_rooms)
