"""Deliberate: member cooperatives write their shared standards together."""
from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

# Flask is imported lazily so that `deliberate verify` (deliberate.verify_cli) runs without it.
if TYPE_CHECKING:
    from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application: configuration, extensions, features, blueprints, error handlers, commands."""
    from flask import Flask

    app = Flask(__name__, instance_path=_instance_folder(), template_folder="templates", static_folder="static")
    configure(app, config)
    register_converters(app)
    register_extensions(app)
    register_operations(app)
    register_features(app)
    register_blueprints(app)
    from . import caching, static_files

    caching.init_app(app)  # observers' pages: no cookie, no Vary: Cookie
    static_files.init_app(app)  # fingerprinted, cached, compressed static files
    from .versions import pagecache

    pagecache.init_app(app)  # observers' finished pages answered before Flask (versions/pagecache.py)
    from .realtime.fanout import NoDeflate

    app.wsgi_app = NoDeflate(app.wsgi_app)  # WebSocket frames are not deflated per reader (realtime/fanout.py)
    register_error_handlers(app)
    register_cli(app)
    if app.config.get("TRUSTED_PROXIES"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Outermost, so that everything inside (Socket.IO included) sees the client's address.
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    return app


def _instance_folder() -> str:
    """DELIBERATE_INSTANCE, else ROOT/instance in a source checkout (ROOT holds pyproject.toml), else,
    installed from a wheel, <sys.prefix>/var/deliberate-instance: never inside site-packages."""
    import sys

    from .config import instance_folder

    checkout = str(ROOT) if (ROOT / "pyproject.toml").is_file() else None
    return instance_folder(os.environ, checkout, sys.prefix)


def configure(app: Flask, overrides: Mapping[str, Any] | None) -> None:
    from .config import check_secret, settings_from_env

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(settings_from_env(os.environ, app.instance_path))
    if overrides:
        app.config.update(overrides)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path) / "secret_key")
    check_secret(app.config["SECRET_KEY"], app.config["ENV_NAME"])
    from .members import passwords

    # Cheaper hashing exists only for the test suite (ENV_NAME "testing"); anything else refuses it.
    passwords.configure(memory_kib=app.config.get("ARGON2_MEMORY_KIB", passwords.OWASP_MEMORY_KIB),
                        time_cost=app.config.get("ARGON2_TIME_COST", passwords.OWASP_TIME_COST),
                        allow_weak=app.config["ENV_NAME"] == "testing")
    from .ops import logs

    logs.configure(app.config)  # plain or JSON lines, secrets redacted (docs/operations.md)


def _instance_secret(path: Path) -> str:
    """Read the secret generated on first run, creating it (readable by the owner only) if absent.

    Processes started together on a first boot (the server and ``flask worker``) may both find it
    absent: each writes its own beside it and links it into place, which only the first manages;
    every one then reads that one, whole."""
    if path.exists():
        return path.read_text().strip()
    mine = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(mine, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(48))
    try:
        os.link(mine, path)
    except FileExistsError:
        pass  # another process was first: use its secret
    finally:
        mine.unlink()
    return path.read_text().strip()


def register_converters(app: Flask) -> None:
    """``<int:…>`` in every route is a bounded id, and no text part of a URL holds a control
    character (deliberate/routing.py): set before any rule."""
    from .routing import CONVERTERS

    app.url_map.converters.update(CONVERTERS)


def register_extensions(app: Flask) -> None:
    from flask_babel import lazy_gettext

    from .database import configure_engine, include_object
    from .extensions import babel, csrf, db, limiter, login_manager, migrate, socketio
    from .i18n import install_template_gettext, select_locale
    from .members.sessions import load_person

    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"), render_as_batch=True, compare_type=True,
                    include_object=include_object)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(Path(__file__).parent / "translations"))
    install_template_gettext(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = lazy_gettext("Please sign in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_person)

    from . import limits

    # Socket handlers must be imported before init_app, or a second app built in tests loses them:
    # realtime's own (connect, join, leave, catch_up), then each feature's.
    from .coediting import sockets as _coediting_sockets  # noqa: F401
    from .discussions import sockets as _discussions_sockets  # noqa: F401
    from .realtime import catch_up as _catch_up  # noqa: F401
    from .realtime import fanout, handlers
    from .realtime.websocket import tolerate_closing_a_closed_socket

    tolerate_closing_a_closed_socket()

    queue = fanout.client_manager(app.config.get("SOCKETIO_MESSAGE_QUEUE"),
                                  app.config.get("SOCKETIO_CHANNEL") or "flask-socketio")
    socketio.init_app(
        app,
        async_mode="threading",
        message_queue=app.config.get("SOCKETIO_MESSAGE_QUEUE"),
        # Redis: our manager (published first, realtime/fanout.py); another queue: the library's own.
        **({"client_manager": queue} if queue is not None
           else {"channel": app.config.get("SOCKETIO_CHANNEL") or "flask-socketio"}),
        cors_allowed_origins=app.config.get("SOCKETIO_CORS_ORIGINS") or None,
        manage_session=False,
        max_http_buffer_size=limits.SOCKET_MESSAGE_BYTES,
        # A socket's events are handled in turn by the thread that reads it, not each in a thread
        # started for it: no thread to start per event (a co-editing tab sends several a second),
        # and one tab's messages are handled in the order it sent them. No handler waits for
        # its own socket (the server never asks a client for an acknowledgement).
        async_handlers=False,
    )
    handlers.install_publisher()
    from .realtime import disconnect

    disconnect.install(socketio.server)  # signing out disconnects sockets in every process
    _register_security_headers(app)


# Sent on every response (pages, JSON, static files, errors); see docs/security.md. connect-src is
# the site itself only: in CSP Level 3 'self' also matches ws:// and wss:// on the page's own host
# and port (Chromium, Firefox, Safari 15.4+), which is where live.js connects; "ws: wss:" let a
# script open a WebSocket to any host (tests/browser/test_csp_sockets.py).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'"
)
PERMISSIONS_POLICY = ("accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
                      "microphone=(), payment=(), usb=()")
HSTS = "max-age=31536000; includeSubDomains"


def _register_security_headers(app: Flask) -> None:
    from flask import request

    production = app.config["ENV_NAME"] == "production"

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        # Over https (directly or behind a proxy that says so), or always in production, where
        # plain http must never be used: browsers then refuse to downgrade for a year.
        if production or request.is_secure:
            headers.setdefault("Strict-Transport-Security", HSTS)
        return response


def register_operations(app: Flask) -> None:
    """Request ids, access lines and metrics on every request; /healthz, /readyz, /metrics."""
    from . import ops

    ops.init_app(app)


def register_features(app: Flask) -> None:
    """Each feature plugs itself into the others here, never on import: vote subjects, rooms,
    discussion subjects, erasure and export hooks, edit guards (docs/architecture.md, "Wiring").
    Registries are keyed, so a second app built in the same process registers nothing twice."""
    from . import (
        api,
        appeals,
        coediting,
        discussions,
        follows,
        mail,
        members,
        proposals,
        proxies,
        registry,
        standards,
        versions,
        voting,
        webhooks,
        witness,
    )

    # The order is that of erasure's hooks (each removes only what its own feature holds).
    for feature in (members, standards, proposals, versions, voting, proxies, coediting, discussions, api, follows,
                    webhooks, mail, witness, registry, appeals):
        feature.init_app(app)


def register_blueprints(app: Flask) -> None:
    from .api import pages as api_pages
    from .api import views as api
    from .appeals import views as appeals
    from .coediting import views as coediting
    from .credit import views as credit
    from .discussions import views as discussions
    from .extensions import csrf
    from .feeds import views as feeds
    from .follows import views as follows
    from .main import language
    from .main import views as main
    from .members import views as members
    from .policies import views as policies
    from .proposals import views as proposals
    from .proxies import views as proxies
    from .registry import views as registry
    from .search import views as search
    from .standards import views as standards
    from .transparency import views as transparency
    from .versions import views as versions
    from .voting import views as votes
    from .webhooks import views as webhooks
    from .witness import views as witness

    app.register_blueprint(main.bp)
    app.register_blueprint(language.bp)
    app.register_blueprint(members.auth_bp)
    app.register_blueprint(members.coops_bp)
    app.register_blueprint(standards.bp)
    app.register_blueprint(policies.bp)
    app.register_blueprint(votes.bp)
    app.register_blueprint(proposals.bp)
    app.register_blueprint(coediting.bp)
    app.register_blueprint(discussions.bp)
    app.register_blueprint(versions.bp)
    app.register_blueprint(credit.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(feeds.bp)
    app.register_blueprint(follows.bp)
    app.register_blueprint(transparency.bp)
    app.register_blueprint(webhooks.bp)
    # The API authenticates by bearer token only (never the session cookie): no CSRF to protect.
    csrf.exempt(api.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(api_pages.bp)
    app.register_blueprint(witness.bp)
    app.register_blueprint(proxies.bp)
    app.register_blueprint(registry.bp)
    app.register_blueprint(appeals.bp)
    app.jinja_env.globals.update(main.template_globals())
    app.jinja_env.filters.update(main.template_filters())
    from .members.presenting import byline, person_label

    app.jinja_env.globals["person_label"] = person_label
    app.jinja_env.globals["byline"] = byline


def register_error_handlers(app: Flask) -> None:
    from .errors import register_error_handlers as register

    register(app)


def register_cli(app: Flask) -> None:
    from .cli import register

    register(app)
