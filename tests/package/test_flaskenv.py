"""`.flaskenv` names the app, so `flask db upgrade` works from the checkout without --app."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_flask_finds_the_app_from_the_checkout_without_app():
    assert "FLASK_APP=deliberate" in (ROOT / ".flaskenv").read_text().splitlines()
    env = {k: v for k, v in os.environ.items() if k not in ("FLASK_APP", "FLASK_SKIP_DOTENV")}
    done = subprocess.run([sys.executable, "-m", "flask", "--help"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    # The app's own commands are listed only when flask found the app.
    assert "seed-demo" in done.stdout and "worker" in done.stdout, done.stdout + done.stderr
