"""Every documented setting comes from the environment (settings_from_env), and where the instance
folder is (config.instance_folder): the settings added for issue 20, and an audit of the documented
settings tables."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from deliberate.config import ConfigError, instance_folder, settings_from_env

ROOT = Path(__file__).resolve().parents[2]


def test_feed_settings_default_and_from_environment():
    plain = settings_from_env({}, "/i")
    assert (plain["FEED_TAG_AUTHORITY"], plain["FEED_TAG_DATE"], plain["NETWORK_NAME"]) == (None, "2026", "Deliberate")
    assert "SERVER_NAME" not in plain
    given = settings_from_env({"FEED_TAG_AUTHORITY": " coops.example ", "FEED_TAG_DATE": "2027-03",
                               "NETWORK_NAME": "Platform Co-op Network", "SERVER_NAME": "standards.example.coop"}, "/i")
    assert given["FEED_TAG_AUTHORITY"] == "coops.example"
    assert given["FEED_TAG_DATE"] == "2027-03"
    assert given["NETWORK_NAME"] == "Platform Co-op Network"
    assert given["SERVER_NAME"] == "standards.example.coop"
    # Empty means "not set": the defaults again.
    empty = settings_from_env({"FEED_TAG_AUTHORITY": "", "NETWORK_NAME": " ", "FEED_TAG_DATE": ""}, "/i")
    assert (empty["FEED_TAG_AUTHORITY"], empty["NETWORK_NAME"], empty["FEED_TAG_DATE"]) == (None, "Deliberate", "2026")


@pytest.mark.parametrize("bad", ["26", "2026-3", "March 2026", "2026-03-01T00:00"])
def test_a_feed_tag_date_that_is_not_a_date_is_refused(bad):
    with pytest.raises(ConfigError, match="FEED_TAG_DATE"):
        settings_from_env({"FEED_TAG_DATE": bad}, "/i")


def test_sign_in_and_scheduler_settings_default_and_from_environment():
    plain = settings_from_env({}, "/i")
    assert plain["FRESH_LOGIN_MINUTES"] == 10
    assert plain["PASSWORD_RESET_RATE_LIMIT"] == "5 per minute;20 per hour"
    assert plain["PASSWORD_RESET_EMAIL_RATE_LIMIT"] == "3 per hour;10 per day"
    assert plain["VOTE_SCHEDULER_SECONDS"] == 30.0
    given = settings_from_env({"FRESH_LOGIN_MINUTES": "5", "PASSWORD_RESET_RATE_LIMIT": "1 per minute",
                               "PASSWORD_RESET_EMAIL_RATE_LIMIT": "1 per day", "VOTE_SCHEDULER_SECONDS": "0"}, "/i")
    assert given["FRESH_LOGIN_MINUTES"] == 5
    assert given["PASSWORD_RESET_RATE_LIMIT"] == "1 per minute"
    assert given["PASSWORD_RESET_EMAIL_RATE_LIMIT"] == "1 per day"
    assert given["VOTE_SCHEDULER_SECONDS"] == 0.0
    with pytest.raises(ConfigError, match="FRESH_LOGIN_MINUTES"):
        settings_from_env({"FRESH_LOGIN_MINUTES": "ten"}, "/i")
    with pytest.raises(ConfigError, match="VOTE_SCHEDULER_SECONDS"):
        settings_from_env({"VOTE_SCHEDULER_SECONDS": "often"}, "/i")


def test_test_switches_are_set_only_when_given():
    # Absent, each feature keeps its own default (the page cache: on, except in tests).
    plain = settings_from_env({}, "/i")
    assert "OBSERVER_PAGE_CACHE" not in plain and "API_VALIDATE_RESPONSES" not in plain
    given = settings_from_env({"OBSERVER_PAGE_CACHE": "off", "API_VALIDATE_RESPONSES": "1"}, "/i")
    assert given["OBSERVER_PAGE_CACHE"] is False and given["API_VALIDATE_RESPONSES"] is True


def test_instance_folder_in_a_checkout_when_installed_and_when_given():
    assert instance_folder({}, "/src/deliberate", "/srv/venv") == "/src/deliberate/instance"
    # Installed from a wheel (no checkout): beside the virtualenv's packages, never inside them.
    assert instance_folder({}, None, "/srv/venv") == "/srv/venv/var/deliberate-instance"
    assert instance_folder({"DELIBERATE_INSTANCE": "/var/lib/deliberate"}, None, "/srv/venv") == "/var/lib/deliberate"
    assert instance_folder({"DELIBERATE_INSTANCE": "/var/lib/deliberate"}, "/src", "/v") == "/var/lib/deliberate"
    assert instance_folder({"DELIBERATE_INSTANCE": ""}, "/src", "/v") == "/src/instance"


def test_the_app_uses_the_checkout_instance_folder_unless_told(monkeypatch, tmp_path):
    import deliberate

    monkeypatch.delenv("DELIBERATE_INSTANCE", raising=False)
    assert deliberate._instance_folder() == str(deliberate.ROOT / "instance")
    monkeypatch.setenv("DELIBERATE_INSTANCE", str(tmp_path))
    assert deliberate._instance_folder() == str(tmp_path)


# ----------------------------------------------------------------- the documented settings tables

# Read outside settings_from_env: the instance folder (before the settings, which it locates), and
# gunicorn's own settings, which deploy/gunicorn.conf.py reads.
ELSEWHERE = {"DELIBERATE_INSTANCE", *re.findall(r'environ\.get\("(GUNICORN_[A-Z_]+)"', (ROOT / "deploy" / "gunicorn.conf.py").read_text())}
PROBES = ("7", "yes", "off", "2027", "probe.example", "redis://127.0.0.1:6379/9", "https://probe.example",
          "9 per minute", "1m,2m", "production")


def documented_settings() -> dict[str, str]:
    """Each environment variable named in the first column of a table headed "variable" in the
    README or docs/*.md, with the file that documents it."""
    found: dict[str, str] = {}
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        in_table = False
        for line in path.read_text(encoding="utf-8").splitlines():
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")] if line.startswith("|") else []
            if not cells:
                in_table = False
            elif cells[0].lower() in ("variable", "setting", "environment variable"):
                in_table = True
            elif in_table:
                for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", cells[0]):
                    found.setdefault(name, path.name)
    return found


def reads(name: str) -> bool:
    """Whether settings_from_env's result depends on the variable (or it refuses a value)."""
    plain = settings_from_env({}, "/i")
    for probe in PROBES:
        try:
            if settings_from_env({name: probe}, "/i") != plain:
                return True
        except (ConfigError, ValueError):
            return True
    return False


def test_the_audit_finds_the_tables():
    names = documented_settings()
    assert {"DATABASE_URL", "SECRET_KEY", "HOST", "PORT", "WEBHOOK_TIMEOUT_SECONDS", "NETWORK_NAME"} <= set(names)
    assert reads("NETWORK_NAME") and not reads("NO_SUCH_SETTING")


def test_every_documented_setting_is_read_from_the_environment():
    unread = {name: where for name, where in documented_settings().items() if name not in ELSEWHERE and not reads(name)}
    assert not unread, f"documented but not read by settings_from_env: {unread}"


def test_a_database_servers_connection_pool_keeps_ten_and_opens_five_more():
    server = "postgresql://deliberate@/deliberate"
    assert settings_from_env({"DATABASE_URL": server}, "/i")["SQLALCHEMY_ENGINE_OPTIONS"] == {"pool_size": 10, "max_overflow": 5}
    given = settings_from_env({"DATABASE_URL": server, "DATABASE_POOL_SIZE": "20", "DATABASE_MAX_OVERFLOW": "0"}, "/i")
    assert given["SQLALCHEMY_ENGINE_OPTIONS"] == {"pool_size": 20, "max_overflow": 0}
    # SQLite (a file, or memory in tests) keeps Flask-SQLAlchemy's own pool, but a wrong value is refused anyway.
    assert "SQLALCHEMY_ENGINE_OPTIONS" not in settings_from_env({"DATABASE_POOL_SIZE": "20"}, "/i")
    for bad in ({"DATABASE_POOL_SIZE": "0"}, {"DATABASE_POOL_SIZE": "many"}, {"DATABASE_MAX_OVERFLOW": "-1"}):
        for database in ({"DATABASE_URL": server}, {}):
            with pytest.raises(ConfigError, match=next(iter(bad))):
                settings_from_env({**database, **bad}, "/i")


def test_the_pool_settings_reach_the_engine(monkeypatch, tmp_path):
    from deliberate import create_app
    from deliberate.extensions import db

    monkeypatch.setenv("DELIBERATE_INSTANCE", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")  # never connected to
    monkeypatch.setenv("DATABASE_POOL_SIZE", "12")
    monkeypatch.setenv("DATABASE_MAX_OVERFLOW", "3")
    app = create_app({"SECRET_KEY": "k" * 40})
    with app.app_context():
        assert (db.engine.pool.size(), db.engine.pool._max_overflow) == (12, 3)
