import pytest

from deliberate.config import ConfigError, check_secret, normalise_database_url, settings_from_env


def test_sqlite_in_the_instance_folder_by_default():
    settings = settings_from_env({}, "/srv/instance")
    assert settings["SQLALCHEMY_DATABASE_URI"] == "sqlite:////srv/instance/deliberate.sqlite3"
    assert settings["ENV_NAME"] == "development"
    assert settings["SESSION_COOKIE_SECURE"] is False
    assert "SECRET_KEY" not in settings


@pytest.mark.parametrize("url, expected", [
    ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
    ("postgresql://u@h:5432/db", "postgresql+psycopg://u@h:5432/db"),
    ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
    ("sqlite:///x.db", "sqlite:///x.db"),
])
def test_database_url_from_environment(url, expected):
    assert normalise_database_url(url) == expected
    assert settings_from_env({"DATABASE_URL": url}, "/i")["SQLALCHEMY_DATABASE_URI"] == expected


def test_production_cookies_are_secure():
    settings = settings_from_env({"DELIBERATE_ENV": "production"}, "/i")
    assert settings["SESSION_COOKIE_SECURE"] and settings["REMEMBER_COOKIE_SECURE"]
    assert settings["SESSION_COOKIE_HTTPONLY"] and settings["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert settings["SESSION_COOKIE_NAME"] == "__Host-session"
    assert settings["REMEMBER_COOKIE_NAME"] == "__Host-remember_token"
    plain = settings_from_env({}, "/i")
    assert (plain["SESSION_COOKIE_NAME"], plain["REMEMBER_COOKIE_NAME"]) == ("session", "remember_token")


def test_message_queue_and_secret_from_environment():
    settings = settings_from_env({"SOCKETIO_MESSAGE_QUEUE": "redis://127.0.0.1:6379", "SECRET_KEY": "s"}, "/i")
    assert settings["SOCKETIO_MESSAGE_QUEUE"] == "redis://127.0.0.1:6379"
    assert settings["SECRET_KEY"] == "s"


def test_unknown_environment_is_refused():
    with pytest.raises(ConfigError):
        settings_from_env({"DELIBERATE_ENV": "staging"}, "/i")


@pytest.mark.parametrize("secret", [None, "", "dev", "secret", "Change-Me", "deliberate", "short-but-not-known"])
def test_production_refuses_known_or_weak_secrets(secret):
    with pytest.raises(ConfigError):
        check_secret(secret, "production")


def test_production_accepts_a_strong_secret_and_development_accepts_anything():
    check_secret("x" * 40, "production")
    check_secret("dev", "development")


def test_trusted_proxies_is_a_count_and_none_by_default():
    assert settings_from_env({}, "/i")["TRUSTED_PROXIES"] == 0
    assert settings_from_env({"TRUSTED_PROXIES": "1"}, "/i")["TRUSTED_PROXIES"] == 1
    for bad in ("yes", "-1", "1.5"):
        with pytest.raises(ConfigError, match="TRUSTED_PROXIES"):
            settings_from_env({"TRUSTED_PROXIES": bad}, "/i")
