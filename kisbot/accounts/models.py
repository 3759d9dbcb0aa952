"""The accounts feature's plain data: registered keys, what a /setkey or /mode came to."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from kisbot.confirmations import Intent
from kisbot.kis import Environment


class Verification(StrEnum):
    VERIFIED = "verified"  # KIS issued a token for the key
    UNVERIFIED = "unverified"  # KIS could not be asked; stored, checked on first use
    REFUSED = "refused"  # KIS refused the key; nothing stored


class NoticeMode(StrEnum):
    """How a stored key's fill notices reach its user."""

    REALTIME = "realtime"  # KIS's WebSocket, with the HTS ID: every order, within seconds
    POLLING = "polling"  # no HTS ID: kisbot's own orders, read every few seconds
    POLLING_ONLY = "polling_only"  # an HTS ID, but KISBOT_REALTIME=false on this bot


@dataclass(frozen=True, slots=True)
class RegisterOutcome:
    verification: Verification
    environment: Environment
    masked_account: str
    active: bool  # this key is the one commands use now
    active_environment: Environment | None
    notices: NoticeMode = NoticeMode.POLLING
    msg_cd: str = ""
    msg1: str = ""


@dataclass(frozen=True, slots=True)
class RegisteredKey:
    environment: Environment
    masked_account: str


@dataclass(frozen=True, slots=True)
class AccountStatus:
    keys: tuple[RegisteredKey, ...]
    active: Environment | None
    locale: str | None  # the user's /lang choice; None means KISBOT_LOCALE

    def key(self, environment: Environment) -> RegisteredKey | None:
        return next((k for k in self.keys if k.environment is environment), None)


class ModeChange(StrEnum):
    ALREADY = "already"  # that account is in use already
    SWITCHED = "switched"  # switched at once (mock)
    ASKED = "asked"  # a confirmation to switch to real


@dataclass(frozen=True, slots=True)
class ModeOutcome:
    change: ModeChange
    key: RegisteredKey
    intent: Intent | None = None  # ASKED: the confirmation to show


@dataclass(frozen=True, slots=True)
class ForgetRequest:
    """The confirmation to forget a user, and what it would delete."""

    intent: Intent
    keys: tuple[RegisteredKey, ...]
    alerts: int


@dataclass(frozen=True, slots=True)
class ForgetReport:
    environments: tuple[Environment, ...]
    alerts: int
    revoked: int
    revoke_failed: int


@dataclass(frozen=True, slots=True)
class SwitchedReal:
    masked_account: str
