"""The embedded server of ``make run``: one process, Socket.IO live (threading mode, WebSocket via
simple-websocket), the background jobs in threads of the same process.

This is Werkzeug's server, for one machine and a handful of people, in development. With
``DELIBERATE_ENV=production`` it refuses to start and says what production runs instead: gunicorn
with deploy/gunicorn.conf.py behind nginx, one process per port, and a separate
``flask --app deliberate worker`` for the background jobs (docs/deployment.md). It does not start
gunicorn itself: production has two kinds of process, started, restarted and logged by systemd
each on its own (deploy/*.service), and gunicorn's settings live in the one file those units use.
"""
from __future__ import annotations

import os
import sys

PRODUCTION_REFUSAL = """\
python -m deliberate.serve is the development server (Werkzeug's): it does not run with DELIBERATE_ENV=production.
In production, run the web processes with gunicorn and the background jobs with the worker:
    gunicorn -c deploy/gunicorn.conf.py          (PORT=5001, 5002, ...; systemd: deploy/deliberate-web@.service)
    flask --app deliberate worker                (systemd: deploy/deliberate-worker.service)
behind nginx (deploy/nginx/). docs/deployment.md walks through it."""


# How often the interpreter lock passes between threads that want it (Python's default: 5 ms).
# Threads waiting on a socket or the database give it up at once whatever this is; it only decides
# how often a thread with work to do is interrupted. A co-editing batch (10-20 ms of work that a
# hundred tabs wait for) was interrupted by every other busy thread every 5 ms; at 20 ms it
# mostly finishes in one turn (bench/realtime.py, docs/performance-live.md). gunicorn's processes
# keep Python's default: not measured there.
SWITCH_INTERVAL = 0.02


def tune_interpreter() -> None:
    sys.setswitchinterval(SWITCH_INTERVAL)


def main() -> None:
    from .config import settings_from_env

    if settings_from_env(os.environ, "")["ENV_NAME"] == "production":
        print(PRODUCTION_REFUSAL, file=sys.stderr)
        raise SystemExit(2)
    from . import create_app, worker
    from .extensions import socketio

    tune_interpreter()
    app = create_app()
    host, port = app.config["SERVER_HOST"], app.config["SERVER_PORT"]
    worker.start(app)  # closes votes on time, sends reminders, webhooks and mail
    print(f" * Deliberate is serving on http://{host}:{port}  (Ctrl+C to stop)", flush=True)
    socketio.run(app, host=host, port=port, debug=False, use_reloader=False, allow_unsafe_werkzeug=True,
                 log_output=app.config["ENV_NAME"] == "development")


if __name__ == "__main__":
    main()
