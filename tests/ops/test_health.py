"""/healthz and /readyz over HTTP: liveness asks nothing of the database and sets no cookie;
readiness names what is unreachable and never how to reach it; neither is rate limited."""
from __future__ import annotations

import json
import socket

import pytest
from sqlalchemy import event

from deliberate import create_app
from deliberate.extensions import db
from deliberate.ops import health
from tests.conftest import BASE_CONFIG

REDIS = "redis://127.0.0.1:6379/5"


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def statements(app) -> list[str]:
    """Every SQL statement the app's engine runs from now on."""
    seen: list[str] = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    return seen


def test_healthz_is_tiny_and_asks_nothing_of_the_database_nor_the_session(app, client):
    seen = statements(app)
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"ok": True}
    assert len(response.data) < 20
    assert seen == []
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_answers_when_the_database_is_gone_and_readyz_says_so_without_the_url(tmp_path):
    url = f"postgresql+psycopg://deliberate:db-password-0123456@127.0.0.1:{closed_port()}/deliberate"
    broken = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    client = broken.test_client()
    assert client.get("/healthz").status_code == 200
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"ok": False, "checks": {"database": "unreachable"}, "failed": ["database"]}
    body = response.get_data(as_text=True)
    assert "db-password" not in body and "127.0.0.1" not in body and "deliberate@" not in body
    assert "Set-Cookie" not in response.headers
    with broken.app_context():
        db.engine.dispose()


def test_readyz_checks_the_database(app, client):
    seen = statements(app)
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"ok": True, "checks": {"database": "ok"}}
    assert any(statement.strip().upper() == "SELECT 1" for statement in seen)
    assert "Set-Cookie" not in response.headers


@pytest.fixture
def redis_available():
    import redis

    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379")


@pytest.mark.usefixtures("redis_available")
def test_readyz_checks_redis_where_the_settings_name_it(app, database_url):
    ready = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_STORAGE_URI": REDIS})
    response = ready.test_client().get("/readyz")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["checks"] == {"database": "ok", "rate_limit_storage": "ok"}
    with ready.app_context():
        db.engine.dispose()


def test_readyz_names_an_unreachable_redis_and_hides_its_password(app, database_url, caplog):
    port = closed_port()
    url = f"redis://:redis-password-0123456@127.0.0.1:{port}/5"
    down = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_STORAGE_URI": url})
    response = down.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body == {"ok": False, "checks": {"database": "ok", "rate_limit_storage": "unreachable"},
                    "failed": ["rate_limit_storage"]}
    assert "redis-password" not in json.dumps(body) and str(port) not in json.dumps(body)
    assert "rate_limit_storage unreachable" in caplog.text  # the reason goes to the log
    with down.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("config, expected", [
    ({}, {}),
    ({"SOCKETIO_MESSAGE_QUEUE": None, "RATELIMIT_STORAGE_URI": "memory://"}, {}),
    ({"SOCKETIO_MESSAGE_QUEUE": "redis://r:6379/0", "RATELIMIT_STORAGE_URI": "rediss://r:6380/1"},
     {"message_queue": "redis://r:6379/0", "rate_limit_storage": "rediss://r:6380/1"}),
    ({"RATELIMIT_STORAGE_URI": "memcached://m:11211"}, {}),
    ({"SOCKETIO_MESSAGE_QUEUE": "amqp://guest@rabbit//"}, {}),
])
def test_which_redis_servers_a_configuration_uses(config, expected):
    assert health.redis_urls(config) == expected


def test_probes_are_never_rate_limited(database_url):
    limited = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": True,
                          "RATELIMIT_DEFAULT": "2 per minute"})
    client = limited.test_client()
    assert [client.get("/healthz").status_code for _ in range(5)] == [200] * 5
    assert [client.get("/readyz").status_code for _ in range(5)] == [200] * 5
    assert [client.get("/metrics").status_code for _ in range(5)] == [200] * 5
    # The default limit does apply elsewhere: the exemption is what lets the probes through.
    assert 429 in [client.get("/how-it-works").status_code for _ in range(5)]
    with limited.app_context():
        db.engine.dispose()
