"""The embedded server of ``make run``: one process, Socket.IO live (threading mode, WebSocket via
simple-websocket), the background jobs in threads of the same process.

This is Werkzeug's server, for one machine and a handful of people. Production runs gunicorn
behind nginx and a separate ``flask --app deliberate worker`` (docs/deployment.md).
"""
from __future__ import annotations

from . import create_app, worker
from .extensions import socketio


def main() -> None:
    app = create_app()
    host, port = app.config["SERVER_HOST"], app.config["SERVER_PORT"]
    worker.start(app)  # closes votes on time, sends reminders, webhooks and mail
    print(f" * Deliberate is serving on http://{host}:{port}  (Ctrl+C to stop)", flush=True)
    socketio.run(app, host=host, port=port, debug=False, use_reloader=False, allow_unsafe_werkzeug=True,
                 log_output=app.config["ENV_NAME"] == "development")


if __name__ == "__main__":
    main()
