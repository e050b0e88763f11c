"""The instance folder's secret key, made on first run: processes started together (the server and
``flask worker`` on a first boot) all end up with the same one, never a half-written one."""
from __future__ import annotations

import os
import threading
from pathlib import Path

from deliberate import _instance_secret


def test_made_once_readable_by_its_owner_only(tmp_path):
    path = tmp_path / "secret_key"
    secret = _instance_secret(path)
    assert len(secret) >= 48 and _instance_secret(path) == secret
    assert oct(path.stat().st_mode & 0o777) == oct(0o600)
    assert os.listdir(tmp_path) == ["secret_key"]


def test_another_process_made_it_between_the_look_and_the_write(tmp_path, monkeypatch):
    path = tmp_path / "secret_key"
    path.write_text("the other process's secret, written first\n")
    monkeypatch.setattr(Path, "exists", lambda self: False)  # it was not there when this one looked
    assert _instance_secret(path) == "the other process's secret, written first"
    assert os.listdir(tmp_path) == ["secret_key"]


def test_many_at_once_agree(tmp_path):
    path = tmp_path / "secret_key"
    start = threading.Barrier(8)
    found: list[str] = []

    def make() -> None:
        start.wait()
        found.append(_instance_secret(path))

    threads = [threading.Thread(target=make) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(found) == 8 and len(set(found)) == 1 and found[0] == path.read_text().strip()
    assert os.listdir(tmp_path) == ["secret_key"]
