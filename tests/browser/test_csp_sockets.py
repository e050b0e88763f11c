"""The Content-Security-Policy's ``connect-src 'self'`` in a real Chromium: the page's own live
connection (a WebSocket to its own host and port) works, and a script cannot open a WebSocket or a
fetch to any other host, which ``connect-src 'self' ws: wss:`` allowed."""
from __future__ import annotations

from urllib.parse import urlsplit

OPEN_SOCKET = """async (url) => {
    const violations = [];
    document.addEventListener("securitypolicyviolation", (e) => violations.push(e.violatedDirective));
    let outcome;
    try {
        outcome = await new Promise((resolve) => {
            const ws = new WebSocket(url);
            ws.onopen = () => { ws.close(); resolve("open"); };
            ws.onerror = () => resolve("error");
            setTimeout(() => resolve("timeout"), 5000);
        });
    } catch (error) {
        outcome = "blocked: " + error.name;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));  // the violation event is queued
    return {outcome, violations};
}"""


def test_the_live_connection_works_and_other_hosts_are_refused(app, network, browser_page, live_server,
                                                              wait_for_live_rooms):
    page = browser_page
    response = page.goto(f"/standards/{network['standard'].slug}")
    csp = response.headers["content-security-policy"]
    assert "connect-src 'self';" in csp and "ws:" not in csp
    wait_for_live_rooms(page)
    transport = page.evaluate("() => window.deliberateSocket.io.engine.transport.name")
    assert transport == "websocket"

    port = urlsplit(live_server).port
    own = page.evaluate(OPEN_SOCKET, f"ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket")
    assert own == {"outcome": "open", "violations": []}, own

    # Another origin: the same server under another name, and another port.
    for url in (f"ws://localhost:{port}/socket.io/?EIO=4&transport=websocket",
                f"ws://127.0.0.1:{port + 1 if port < 65535 else port - 1}/socket.io/",
                "wss://example.org/socket"):
        other = page.evaluate(OPEN_SOCKET, url)
        assert other["outcome"] != "open" and "connect-src" in other["violations"], (url, other)

    fetched = page.evaluate("""async (url) => {
        try { await fetch(url); return "fetched"; } catch (error) { return "blocked"; }
    }""", f"http://localhost:{port}/healthz")
    assert fetched == "blocked"
