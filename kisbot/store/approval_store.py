"""The KIS layer's ApprovalStore on the database: WebSocket approval keys survive restarts.

Kept like access tokens (kisbot.store.token_store): encrypted by the vault, bound to their row,
keyed by the vault's HMAC of (app key, environment), so the table shows neither key nor owner.
No lock: an approval key costs the user nothing to issue (no KakaoTalk message), and the
session that uses it is held by one process.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from kisbot.clock import Clock, SystemClock
from kisbot.kis.credentials import Environment
from kisbot.kis.realtime.approval import ApprovalKey
from kisbot.store.errors import VaultError
from kisbot.store.models import ApprovalKeyRow
from kisbot.store.vault import Vault


def approval_owner(key_hash: str) -> str:
    """The owner an approval key is bound to inside its ciphertext: its own row."""
    return f"approval:{key_hash}"


class DatabaseApprovalStore:
    """Approval keys in `approval_keys`, encrypted."""

    def __init__(self, engine: AsyncEngine, vault: Vault, clock: Clock | None = None) -> None:
        self._engine = engine
        self._vault = vault
        self._clock = clock or SystemClock()

    async def load(self, app_key: str, environment: Environment) -> ApprovalKey | None:
        hashes = self._vault.lookup_hashes(app_key, Environment(environment).value)
        query = select(ApprovalKeyRow).where(ApprovalKeyRow.key_hash.in_(hashes))
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        if not rows:
            return None
        row = max(rows, key=lambda candidate: candidate.issued_at)
        try:
            value = self._vault.decrypt(approval_owner(row.key_hash), row.approval_key_enc)
        except VaultError:  # another master key wrote it: a new one is one call away
            return None
        return ApprovalKey(value, _aware(row.issued_at), _aware(row.expires_at))

    async def save(self, app_key: str, environment: Environment, key: ApprovalKey) -> None:
        env = Environment(environment).value
        hashes = self._vault.lookup_hashes(app_key, env)
        async with self._engine.begin() as connection:
            await connection.execute(
                delete(ApprovalKeyRow).where(ApprovalKeyRow.key_hash.in_(hashes))
            )
            await connection.execute(
                insert(ApprovalKeyRow).values(
                    key_hash=hashes[0],
                    environment=env,
                    approval_key_enc=self._vault.encrypt(approval_owner(hashes[0]), key.value),
                    key_id=self._vault.key_id,
                    expires_at=key.expires_at,
                    issued_at=key.issued_at,
                    updated_at=self._clock.now(),
                )
            )


def _aware(moment: datetime) -> datetime:
    # SQLite keeps no offset: what was written is UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
