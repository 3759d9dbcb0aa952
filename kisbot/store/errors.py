"""What can go wrong in the store, said so that an operator knows what to do.

    StoreError
    ├── VaultError                 the master key cannot serve the stored secrets
    │   ├── MasterKeyFormatError   KISBOT_MASTER_KEY or master.key is not a list of Fernet keys
    │   ├── MissingKeyError        encrypted data exists but no key was configured
    │   ├── WrongKeyError          a secret was encrypted with a key that is not configured
    │   └── SecretBindingError     a secret decrypts but belongs to another row (tampering)
    ├── MigrationError             the database schema could not be brought up to date
    ├── DatabaseUnavailableError   the database cannot be reached
    └── DatabaseInUseError         a running bot holds the database (no key rotation now)

No message ever contains a secret, a ciphertext or a key.
"""

from __future__ import annotations


class StoreError(Exception):
    """Base of every error raised by kisbot.store."""


class VaultError(StoreError):
    """The configured master key(s) cannot decrypt what the database holds."""


class MasterKeyFormatError(VaultError):
    """The master key text is not a comma-separated list of Fernet keys."""


class MissingKeyError(VaultError):
    """The database holds encrypted secrets, but no master key is configured."""


class WrongKeyError(VaultError):
    """A stored secret was encrypted with a key that is not among the configured ones."""


class SecretBindingError(VaultError):
    """A stored secret decrypted, but it was written for a different owner or field."""


class MigrationError(StoreError):
    """Migrating the database schema failed."""


class DatabaseUnavailableError(StoreError):
    """The database cannot be reached (connection refused, unknown host, bad credentials)."""


class DatabaseInUseError(StoreError):
    """A running bot holds the run lock, so maintenance that needs the database alone is refused."""
