"""The app with Flask-SocketIO in gevent mode, for bench/sockets_gunicorn.py's gevent figure only.

Deliberate runs in threading mode (deliberate/__init__.py); this shim changes nothing else, so the
two workers serve the very same app. It needs gevent, which the project's venv does not carry:
the bench runs it from a separate venv (GEVENT_VENV, see the bench's docstring).
"""
import flask_socketio

_init_app = flask_socketio.SocketIO.init_app


def _init_app_gevent(self, app, **kwargs):
    kwargs["async_mode"] = "gevent"
    return _init_app(self, app, **kwargs)


flask_socketio.SocketIO.init_app = _init_app_gevent

from deliberate import create_app  # noqa: E402

app = create_app()
