"""The accessibility scan of the demo's main pages for one role (observer, delegate, steward): an
axe-core scan of each page at a desktop and a phone width, no sideways scrolling on the phone.

One test file per role (test_accessibility.py, test_accessibility_delegate.py,
test_accessibility_steward.py): each scan takes half a minute, and the suite's workers take whole
files (``--dist loadfile``), so three files can be spread over both workers where one could not.
"""
from __future__ import annotations

import pytest

from tests.browser.support import AXE, DESKTOP, PHONE, ROOT, blocking_violations, horizontal_overflow, screenshot, settle, sign_in

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
    "observer": {"transparency": "/transparency", "API docs": "/api/docs", "API (v1) docs": "/api/v1/docs"},
    "signed_in": {"tokens": "/account/tokens", "webhooks": "/account/webhooks", "my data": "/account/data"},
    "steward": {"audit": "/audit", "webhooks (stewards)": "/webhooks"},
}


def _optional_pages(role: str) -> dict[str, str]:
    pages = dict(OPTIONAL["observer"])
    if role != "observer":
        pages.update(OPTIONAL["signed_in"])
    if role == "steward":
        pages.update(OPTIONAL["steward"])
    return pages


def scan_main_pages(role: str, demo, new_page, wait_for_live_rooms) -> None:
    """Scan every main page ``role`` sees, at both widths; fail with every problem found."""
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
