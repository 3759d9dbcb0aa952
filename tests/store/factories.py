"""Secrets shaped like KIS's, distinctive enough to search for in raw database bytes."""

from __future__ import annotations

from datetime import timedelta

from kisbot.clock import ManualClock
from kisbot.kis.credentials import Account, Credential, Environment
from kisbot.kis.tokens import AccessToken

APP_KEY = "PSappKEYq7Zr3XwLm9Tb2Vn8Yc4Hd6Jf1Gk5"
APP_SECRET = "SECRETzQ8wE3rT6yU1iO4pA7sD0fG2hJ5kL8zX1cV4bN7mQ9wE2rT5y"
ACCOUNT = "73519846-01"
TOKEN_VALUE = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzUxMiJ9.eyJzdWIiOiJ0b2tlbiJ9.c2lnbmF0dXJlX3ZhbHVl"


def credential(
    environment: Environment = Environment.MOCK, app_key: str = APP_KEY, account: str = ACCOUNT
) -> Credential:
    return Credential(app_key, APP_SECRET, Account.parse(account), environment)


def token(clock: ManualClock, value: str = TOKEN_VALUE) -> AccessToken:
    return AccessToken(
        value=value, expires_at=clock.now() + timedelta(hours=24), issued_at=clock.now()
    )
