"""Settings from the environment (KISBOT_*), validated once at start.

The variable names are a contract (DESIGN.md, "Configuration"): deployments and tests use them.
A bad value stops the program with a message that names the variable and what it expects,
and never echoes a secret back.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ENV_PREFIX = "KISBOT_"

# What each variable expects, said the way a person configuring the bot reads it.
_EXPECTED = {
    "telegram_token": "the bot token from @BotFather",
    "telegram_api_url": "an http(s) URL such as https://api.telegram.org",
    "kis_real_url": "an http(s) URL such as https://openapi.koreainvestment.com:9443",
    "kis_mock_url": "an http(s) URL such as https://openapivts.koreainvestment.com:29443",
    "data_dir": "a directory path",
    "database_url": "an async SQLAlchemy URL such as sqlite+aiosqlite:///data/kisbot.db "
    "or postgresql+asyncpg://user@host/db",
    "master_key": "one or more Fernet keys, comma-separated (make one with `kisbot keygen`)",
    "allowed_users": "comma-separated Telegram user ids, such as 12345,67890",
    "alert_interval": "a number of seconds greater than 0, such as 30",
    "market_hours_only": "true or false",
    "confirm_ttl": "a whole number of seconds from 5 to 3600, such as 60",
    "locale": "ko or en",
    "webhook_url": "an https URL that Telegram can reach",
    "webhook_listen": "host:port, such as 0.0.0.0:8443",
    "webhook_secret": "1-256 characters of A-Z, a-z, 0-9, _ and -",
    "kis_real_rate": "calls per second, a number >= 0 (0 = no client limit), such as 18",
    "kis_mock_rate": "calls per second, a number >= 0 (0 = no client limit), such as 1",
    "kis_timeout": "a number of seconds greater than 0, such as 10",
    "symbols_url": "an http(s) URL of the folder holding kospi_code.mst.zip",
    "kis_real_ws_url": "a ws(s) URL such as ws://ops.koreainvestment.com:21000",
    "kis_mock_ws_url": "a ws(s) URL such as ws://ops.koreainvestment.com:31000",
    "realtime": "true or false",
}
_SECRETS = {"telegram_token", "master_key", "webhook_secret"}


class ConfigError(Exception):
    """The environment holds a value kisbot cannot use; the message says which and why."""


def _check_http_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError("not an http(s) URL")
    return value.rstrip("/")


class Settings(BaseSettings):
    """Every KISBOT_* variable of DESIGN.md, typed."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    telegram_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    kis_real_url: str = "https://openapi.koreainvestment.com:9443"
    kis_mock_url: str = "https://openapivts.koreainvestment.com:29443"
    data_dir: Path = Path("./data")
    database_url: str | None = None
    master_key: SecretStr | None = None
    allowed_users: Annotated[frozenset[int], NoDecode] = frozenset()
    alert_interval: float = Field(default=30.0, gt=0)
    market_hours_only: bool = True
    confirm_ttl: int = Field(default=60, ge=5, le=3600)
    locale: Literal["ko", "en"] = "ko"
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0:8443"
    webhook_secret: SecretStr | None = None
    kis_real_rate: float = Field(default=18.0, ge=0)
    kis_mock_rate: float = Field(default=1.0, ge=0)
    kis_timeout: float = Field(default=10.0, gt=0)
    symbols_url: str = "https://new.real.download.dws.co.kr/common/master"
    kis_real_ws_url: str = "ws://ops.koreainvestment.com:21000"
    kis_mock_ws_url: str = "ws://ops.koreainvestment.com:31000"
    realtime: bool = True

    @field_validator("telegram_api_url", "kis_real_url", "kis_mock_url", "symbols_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        return _check_http_url(value)

    @field_validator("kis_real_ws_url", "kis_mock_ws_url")
    @classmethod
    def _ws_url(cls, value: str) -> str:
        if not value.startswith(("ws://", "wss://")):
            raise ValueError("not a ws(s) URL")
        return value.rstrip("/")

    @field_validator("webhook_url")
    @classmethod
    def _https_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.startswith("https://"):
            raise ValueError("Telegram only delivers webhooks to https URLs")
        return value

    @field_validator("allowed_users", mode="before")
    @classmethod
    def _user_ids(cls, value: Any) -> Any:
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",") if part.strip()]
            if not all(part.isdigit() for part in parts):
                raise ValueError("not a list of numeric user ids")
            return frozenset(int(part) for part in parts)
        return value

    @field_validator("webhook_listen")
    @classmethod
    def _host_port(cls, value: str) -> str:
        host, sep, port = value.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError("not host:port")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        raw = value.get_secret_value()
        if len(raw) > 256 or not all(ch.isascii() and (ch.isalnum() or ch in "_-") for ch in raw):
            raise ValueError("not a valid secret_token")
        return value

    @field_validator("database_url")
    @classmethod
    def _async_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        if "://" not in value:
            raise ValueError("not a URL")
        return value

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, **_sources):  # type: ignore[override]
        # load_settings reads the environment itself (so that empty values mean "unset" and a
        # test's mapping is the whole truth); the model only validates what it is given.
        return (init_settings,)

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to SQLite under the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / 'kisbot.db'}"

    @property
    def webhook_host_port(self) -> tuple[str, int]:
        host, _, port = self.webhook_listen.rpartition(":")
        return host, int(port)

    def kis_rate(self, mock: bool) -> float:
        """Calls per second allowed per app key for the given environment (0 = unlimited)."""
        return self.kis_mock_rate if mock else self.kis_real_rate


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Read and validate the settings once; raise ConfigError naming each bad variable."""
    source = os.environ if environ is None else environ
    values = {
        key[len(ENV_PREFIX) :].lower(): value
        for key, value in source.items()
        if key.startswith(ENV_PREFIX) and value != ""
    }
    values.update(overrides)
    try:
        return Settings(**values)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, source)) from None


def _describe(exc: ValidationError, source: Mapping[str, str]) -> str:
    lines = ["kisbot cannot start: the configuration is not valid."]
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else "?"
        name = ENV_PREFIX + field.upper()
        expected = _EXPECTED.get(field, "a valid value")
        given = "" if field in _SECRETS else f" (got {source.get(name, '')!r})"
        lines.append(f"  {name}: expected {expected}{given}.")
    return "\n".join(lines)
