"""`python -m deliberate.serve` (make run's server) refuses production, pointing at gunicorn."""
from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_embedded_server_refuses_production_and_says_what_to_run(tmp_path):
    env = {**os.environ, "DELIBERATE_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(48),
           "DELIBERATE_INSTANCE": str(tmp_path), "PORT": "1"}
    result = subprocess.run([sys.executable, "-m", "deliberate.serve"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2
    assert "gunicorn -c deploy/gunicorn.conf.py" in result.stderr and "docs/deployment.md" in result.stderr
    assert "flask --app deliberate worker" in result.stderr
    # Werkzeug's own warning never appears: nothing was started.
    assert "WARNING: This is a development server" not in result.stdout + result.stderr
    assert result.stdout == ""
