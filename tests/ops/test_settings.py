"""The operations settings read from the environment (deliberate/config.py, pure)."""
from __future__ import annotations

import pytest

from deliberate.config import ConfigError, settings_from_env


def test_defaults():
    settings = settings_from_env({}, "/i")
    assert settings["LOG_FORMAT"] == "plain"
    assert settings["METRICS_TOKEN"] is None
    assert settings["METRICS_ALLOW"] == ("127.0.0.1/32", "::1/128")


@pytest.mark.parametrize("value, expected", [("json", "json"), ("JSON ", "json"), ("plain", "plain"), ("", "plain")])
def test_log_format(value, expected):
    assert settings_from_env({"LOG_FORMAT": value}, "/i")["LOG_FORMAT"] == expected


def test_an_unknown_log_format_refuses_to_start():
    with pytest.raises(ConfigError, match="LOG_FORMAT must be one of plain, json"):
        settings_from_env({"LOG_FORMAT": "logfmt"}, "/i")


@pytest.mark.parametrize("value, expected", [
    ("10.0.0.0/8, 192.168.1.7", ("10.0.0.0/8", "192.168.1.7/32")),
    ("10.1.2.3/8", ("10.0.0.0/8",)),  # host bits are dropped, not refused
    ("2001:db8::/32,::1", ("2001:db8::/32", "::1/128")),
    ("", ()),  # the token only
])
def test_metrics_allow(value, expected):
    assert settings_from_env({"METRICS_ALLOW": value}, "/i")["METRICS_ALLOW"] == expected


def test_a_malformed_network_refuses_to_start():
    with pytest.raises(ConfigError, match="METRICS_ALLOW"):
        settings_from_env({"METRICS_ALLOW": "10.0.0.0/33"}, "/i")
    with pytest.raises(ConfigError, match="METRICS_ALLOW"):
        settings_from_env({"METRICS_ALLOW": "localhost"}, "/i")


def test_metrics_token():
    assert settings_from_env({"METRICS_TOKEN": "s3cret-token-0123456789"}, "/i")["METRICS_TOKEN"] == "s3cret-token-0123456789"
    assert settings_from_env({"METRICS_TOKEN": ""}, "/i")["METRICS_TOKEN"] is None
