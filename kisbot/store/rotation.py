"""Key rotation: re-encrypt every stored secret with the first master key, all or nothing."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kisbot.store.models import AccessTokenRow, ApprovalKeyRow, CredentialRow
from kisbot.store.repos.credentials import decrypt_row, encrypt_into
from kisbot.store.token_store import token_owner
from kisbot.store.vault import Vault


@dataclass(frozen=True, slots=True)
class RotationResult:
    credentials: int
    tokens: int


async def rotate_secrets(
    sessions: async_sessionmaker[AsyncSession], vault: Vault
) -> RotationResult:
    """Re-encrypt credentials and tokens with the vault's first key, in one transaction.

    Everything is decrypted before anything is written, so a secret the keys cannot read
    raises a VaultError and leaves the database as it was. WebSocket approval keys are dropped
    (reissued when next needed). Token rows are re-keyed under the
    first key's lookup hash when their app key is known from a credential.
    """
    async with sessions.begin() as session:
        credential_rows = (await session.scalars(select(CredentialRow))).all()
        token_rows = (await session.scalars(select(AccessTokenRow))).all()
        credentials = [decrypt_row(row, vault) for row in credential_rows]
        tokens = [vault.decrypt(token_owner(row.key_hash), row.token_enc) for row in token_rows]
        rekey = {
            old: hashes[0]
            for credential in credentials
            for hashes in [vault.lookup_hashes(credential.app_key, credential.environment.value)]
            for old in hashes
        }
        for row, credential in zip(credential_rows, credentials, strict=True):
            encrypt_into(row, credential, vault)
        replacements: dict[str, AccessTokenRow] = {}
        for row, value in zip(token_rows, tokens, strict=True):
            key_hash = rekey.get(row.key_hash, row.key_hash)
            kept = replacements.get(key_hash)
            if kept is None or kept.issued_at < row.issued_at:
                replacements[key_hash] = AccessTokenRow(
                    key_hash=key_hash,
                    environment=row.environment,
                    token_enc=vault.encrypt(token_owner(key_hash), value),
                    key_id=vault.key_id,
                    expires_at=row.expires_at,
                    issued_at=row.issued_at,
                    updated_at=row.updated_at,
                )
        for row in token_rows:
            session.expunge(row)
        await session.execute(
            delete(AccessTokenRow), execution_options={"synchronize_session": False}
        )
        session.add_all(replacements.values())
        # Approval keys are reissued at no cost to the user (no KakaoTalk message, 1/s): drop
        # them rather than carry ciphertexts of the old key along.
        await session.execute(delete(ApprovalKeyRow))
    return RotationResult(credentials=len(credential_rows), tokens=len(replacements))
