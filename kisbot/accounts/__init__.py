"""Users and their KIS keys: register, choose the account in use, forget everything — and the
one way any feature gets a user's KIS client.

    models   the plain data: registered keys, outcomes of /setkey, /mode and /forget
    words    what the user typed: environments, locales, the /setkey credential
    service  Accounts: the service, its two confirmation kinds, the per-update reading
"""

from __future__ import annotations

from kisbot.accounts.models import (
    AccountStatus,
    ForgetReport,
    ForgetRequest,
    ModeChange,
    ModeOutcome,
    NoticeMode,
    RegisteredKey,
    RegisterOutcome,
    SwitchedReal,
    Verification,
)
from kisbot.accounts.service import FORGET, SWITCH_REAL, Accounts
from kisbot.accounts.words import parse_environment, parse_locale, parse_setkey

__all__ = [
    "FORGET",
    "SWITCH_REAL",
    "AccountStatus",
    "Accounts",
    "ForgetReport",
    "ForgetRequest",
    "ModeChange",
    "ModeOutcome",
    "NoticeMode",
    "RegisterOutcome",
    "RegisteredKey",
    "SwitchedReal",
    "Verification",
    "parse_environment",
    "parse_locale",
    "parse_setkey",
]
