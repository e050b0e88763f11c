"""The real server in a subprocess (``python -m deliberate.serve``, as ``make run`` starts it), on a
database the test prepared, and a signed-in HTTP client that uses the real forms (CSRF included).

The crash test kills this process with SIGKILL and starts it again on the same database.
"""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "cooperate-together"  # deliberate.seed.DEMO_PASSWORD
# The sign-in form's hidden field, or the page's <meta name="csrf-token"> (the same session token).
CSRF = re.compile(r'name="csrf[-_]token"[^>]*?(?:value|content)="([^"]+)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """One ``deliberate.serve`` process on ``database_url`` with its own instance folder and port."""

    def __init__(self, database_url: str, instance: Path, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.env = {**os.environ, "DATABASE_URL": database_url, "DELIBERATE_INSTANCE": str(instance),
                    "PORT": str(self.port), "DELIBERATE_ENV": "development", "PYTHONUNBUFFERED": "1"}
        for name in ("SECRET_KEY", "SOCKETIO_MESSAGE_QUEUE", "PYTEST_XDIST_WORKER"):
            self.env.pop(name, None)
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30.0) -> None:
        with open(self.log, "ab") as handle:
            self.process = subprocess.Popen([sys.executable, "-m", "deliberate.serve"], cwd=ROOT, env=self.env,
                                            stdout=handle, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the server exited with {self.process.returncode}:\n{self.log.read_text()[-3000:]}")
            try:
                if requests.get(self.url + "/healthz", timeout=1).ok:
                    return
            except requests.RequestException:
                time.sleep(0.05)
        raise AssertionError(f"the server did not answer /healthz within {timeout:.0f}s")

    def kill(self) -> None:
        """SIGKILL: no shutdown handler, no flush, no commit of anything in flight."""
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        assert self.process.returncode == -signal.SIGKILL

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def signed_in(url: str, email: str, password: str = PASSWORD, page: str = "/") -> tuple[requests.Session, str]:
    """A session signed in through the real form, and the CSRF token of its session (read from ``page``)."""
    http = requests.Session()
    token = CSRF.search(http.get(url + "/signin", timeout=10).text).group(1)
    response = http.post(url + "/signin", data={"email": email, "password": password, "csrf_token": token},
                         allow_redirects=False, timeout=30)
    assert response.status_code == 302, (email, response.status_code)
    found = CSRF.search(http.get(url + page, timeout=10).text)
    assert found, f"no form with a CSRF token on {page}"
    return http, found.group(1)
