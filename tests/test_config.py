from __future__ import annotations

import pytest

from kisbot.config import ConfigError, load_settings


def test_defaults_match_the_design() -> None:
    settings = load_settings({})
    assert settings.kis_real_rate == 18
    assert settings.kis_mock_rate == 1
    assert settings.confirm_ttl == 60
    assert settings.alert_interval == 30
    assert settings.locale == "ko"
    assert settings.market_hours_only is True
    assert settings.resolved_database_url.startswith("sqlite+aiosqlite:///")
    assert settings.resolved_database_url.endswith("kisbot.db")


def test_values_are_read_from_kisbot_variables() -> None:
    settings = load_settings(
        {
            "KISBOT_ALLOWED_USERS": "11, 22",
            "KISBOT_ALERT_INTERVAL": "1",
            "KISBOT_MARKET_HOURS_ONLY": "false",
            "KISBOT_KIS_MOCK_URL": "http://127.0.0.1:8801/",
            "KISBOT_LOCALE": "en",
        }
    )
    assert settings.allowed_users == {11, 22}
    assert settings.alert_interval == 1.0
    assert settings.market_hours_only is False
    assert settings.kis_mock_url == "http://127.0.0.1:8801"
    assert settings.locale == "en"


def test_empty_value_means_default() -> None:
    assert load_settings({"KISBOT_DATABASE_URL": ""}).database_url is None


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("KISBOT_ALERT_INTERVAL", "soon", "number of seconds"),
        ("KISBOT_ALERT_INTERVAL", "0", "number of seconds"),
        ("KISBOT_LOCALE", "fr", "ko or en"),
        ("KISBOT_ALLOWED_USERS", "alice", "user ids"),
        ("KISBOT_WEBHOOK_URL", "http://example.com/hook", "https URL"),
        ("KISBOT_WEBHOOK_LISTEN", "8443", "host:port"),
        ("KISBOT_KIS_REAL_RATE", "-1", "calls per second"),
        ("KISBOT_KIS_REAL_URL", "openapi.example", "http(s) URL"),
        ("KISBOT_CONFIRM_TTL", "1", "whole number of seconds"),
    ],
)
def test_bad_value_names_the_variable_and_what_it_expects(
    name: str, value: str, expected: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({name: value})
    assert name in str(caught.value)
    assert expected in str(caught.value)


def test_bad_secret_is_not_echoed() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"KISBOT_WEBHOOK_SECRET": "not valid! s3cr3t"})
    assert "KISBOT_WEBHOOK_SECRET" in str(caught.value)
    assert "s3cr3t" not in str(caught.value)


def test_secrets_are_hidden_in_repr() -> None:
    settings = load_settings({"KISBOT_TELEGRAM_TOKEN": "123456:very-secret-token"})
    assert "very-secret-token" not in repr(settings)
