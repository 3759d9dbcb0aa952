"""The tables, one module per aggregate; importing this registers them all on Base.metadata."""

from __future__ import annotations

from kisbot.store.base import Base
from kisbot.store.models.alerts import ALERT_KINDS, ALERT_STATES, Alert
from kisbot.store.models.confirmations import (
    CONFIRMATION_KINDS,
    CONFIRMATION_STATES,
    Confirmation,
)
from kisbot.store.models.credentials import CredentialRow
from kisbot.store.models.outbox import OutboxMessage
from kisbot.store.models.rate_budgets import RateBudgetRow
from kisbot.store.models.tokens import AccessTokenRow, ApprovalKeyRow
from kisbot.store.models.users import User

__all__ = [
    "ALERT_KINDS",
    "ALERT_STATES",
    "CONFIRMATION_KINDS",
    "CONFIRMATION_STATES",
    "AccessTokenRow",
    "Alert",
    "ApprovalKeyRow",
    "Base",
    "Confirmation",
    "CredentialRow",
    "OutboxMessage",
    "RateBudgetRow",
    "User",
]
