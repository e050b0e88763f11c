"""Browser journeys: the app served for real (Socket.IO included), driven by headless Chromium.

Every test under tests/browser is marked ``browser`` (deselect with ``-m "not browser"``). The
forms are real, so CSRF protection is on. Chromium is the system one; Playwright's own browser
download is never used.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.live_server import serving, wait_until

HERE = Path(__file__).resolve().parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Waits (navigation, expect) fail after this long. A journey step takes well under a second, but a
# loaded machine (parallel workers on two cores) can stall a page load for several seconds.
TIMEOUT_MS = 15_000


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def app_config():
    # Real forms (CSRF on); no SERVER_NAME, since the server answers on 127.0.0.1:<port>.
    return {"WTF_CSRF_ENABLED": True, "SERVER_NAME": None}


@pytest.fixture
def live_server(app):
    """The base URL of the ``app`` fixture's app, served on a free port for this test."""
    with serving(app) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module (each test gets its own context)."""
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Chromium at {CHROMIUM} (`make chromium` installs it)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="browser tests need the playwright package")
    sync_api.expect.set_options(timeout=TIMEOUT_MS)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """Open a page in a fresh context (``base_url`` is the live server); closed after the test."""
    contexts = []

    def open_page(**context_options):
        context = browser.new_context(base_url=live_server, **context_options)
        contexts.append(context)
        context.set_default_timeout(TIMEOUT_MS)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def browser_page(new_page):
    """A page in a fresh browser context: nobody is signed in, relative URLs hit the live server."""
    return new_page()


@pytest.fixture
def wait_for_live_rooms(app):
    """Call with a page once it has loaded: returns when the server has put the page's socket in
    every room the page follows (``data-live-room``).

    live.js asks to join those rooms (or catches up on them, which joins them first) as soon as
    its socket connects. A change made before the page's socket is in its rooms reaches the page
    only through that catch-up; a journey that checks what arrives live lets each live page
    settle first, as a person reading it would. (A page left before the server handled its join
    is answered ``gone`` and logs nothing: tests/realtime/test_socket_gone.py.)
    """
    manager = app.wsgi_app.engineio_app.manager

    def in_room(sid: str, room: str) -> bool:
        try:
            return sid in set(manager.rooms.get("/", {}).get(room, ()))
        except RuntimeError:  # the room changed while being copied: poll again
            return False

    def wait(page) -> None:
        # An element may name several rooms, space-separated (live.js reads them so).
        rooms = [room for value in page.locator("[data-live-room]").evaluate_all("els => els.map(el => el.dataset.liveRoom)")
                 for room in value.split()]
        if not rooms:
            return
        sid = wait_until(lambda: page.evaluate("() => window.deliberateSocket && window.deliberateSocket.connected"
                                               " && window.deliberateSocket.id"),
                         message="the page's live connection")
        for room in rooms:
            wait_until(lambda room=room: in_room(sid, room), message=f"the page to follow {room}")

    return wait
