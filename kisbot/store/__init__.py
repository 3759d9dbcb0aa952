"""Persistence: models, the session factory, the encryption vault and repositories.

One dependency on kisbot.kis, stated and one-way: the store implements the KIS layer's
TokenStore port and keeps its value types (Credential, Account, Environment, AccessToken), so
kisbot.store imports those from kisbot.kis and kisbot.kis never imports kisbot.store. Nothing
else of KIS (no HTTP, no client) and nothing of Telegram is used here.
"""

from __future__ import annotations

from kisbot.store.database import Database, open_database
from kisbot.store.engine import create_engine, create_session_factory
from kisbot.store.errors import (
    MasterKeyFormatError,
    MigrationError,
    MissingKeyError,
    SecretBindingError,
    StoreError,
    VaultError,
    WrongKeyError,
)
from kisbot.store.migrations import upgrade_database
from kisbot.store.token_store import DatabaseTokenStore
from kisbot.store.vault import Vault, generate_key, load_vault

__all__ = [
    "Database",
    "DatabaseTokenStore",
    "MasterKeyFormatError",
    "MigrationError",
    "MissingKeyError",
    "SecretBindingError",
    "StoreError",
    "Vault",
    "VaultError",
    "WrongKeyError",
    "create_engine",
    "create_session_factory",
    "generate_key",
    "load_vault",
    "open_database",
    "upgrade_database",
]
