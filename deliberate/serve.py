"""Serve the app with Socket.IO live (threading mode, WebSocket via simple-websocket)."""
from __future__ import annotations

from . import create_app
from .extensions import socketio


def main() -> None:
    app = create_app()
    host, port = app.config["SERVER_HOST"], app.config["SERVER_PORT"]
    from .voting import scheduler

    scheduler.start(app)  # closes votes on time and sends reminders
    from .webhooks import delivery

    delivery.start(app)  # sends webhook deliveries, retrying failures
    print(f" * Deliberate is serving on http://{host}:{port}  (Ctrl+C to stop)", flush=True)
    # The Werkzeug server runs in threading mode here, one process: the embedded default.
    socketio.run(app, host=host, port=port, debug=False, use_reloader=False, allow_unsafe_werkzeug=True,
                 log_output=app.config["ENV_NAME"] == "development")


if __name__ == "__main__":
    main()
