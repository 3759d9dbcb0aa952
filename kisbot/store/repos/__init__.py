"""Repositories: the queries the bot needs, one class per aggregate, each call one transaction."""

from __future__ import annotations

from kisbot.store.repos.alerts import AlertRepo
from kisbot.store.repos.confirmations import ConfirmationRepo
from kisbot.store.repos.credentials import CredentialRepo
from kisbot.store.repos.outbox import OutboxRepo
from kisbot.store.repos.users import UserRepo

__all__ = ["AlertRepo", "ConfirmationRepo", "CredentialRepo", "OutboxRepo", "UserRepo"]
