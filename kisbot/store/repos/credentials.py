"""Users' KIS credentials, encrypted on the way in and decrypted on the way out."""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kisbot.clock import Clock
from kisbot.kis.credentials import Account, Credential, Environment
from kisbot.store.errors import VaultError
from kisbot.store.models import CredentialRow, User
from kisbot.store.repos._base import Repo, ensure_user
from kisbot.store.vault import Vault

logger = logging.getLogger(__name__)


def secret_owner(user_id: int, environment: str, field: str) -> str:
    """The owner a credential field is bound to inside its ciphertext."""
    return f"credential:{user_id}:{environment}:{field}"


def encrypt_into(row: CredentialRow, credential: Credential, vault: Vault) -> None:
    """Write the credential's secrets into the row, bound to the row's user and env."""
    env = row.environment
    row.app_key_enc = vault.encrypt(secret_owner(row.user_id, env, "app_key"), credential.app_key)
    row.app_secret_enc = vault.encrypt(
        secret_owner(row.user_id, env, "app_secret"), credential.app_secret
    )
    row.account_enc = vault.encrypt(
        secret_owner(row.user_id, env, "account"), credential.account.full
    )
    row.hts_id_enc = (
        vault.encrypt(secret_owner(row.user_id, env, "hts_id"), credential.hts_id)
        if credential.hts_id
        else None
    )
    row.key_hash = vault.lookup_hash(credential.app_key, env)
    row.key_id = vault.key_id


def decrypt_row(row: CredentialRow | SealedCredential, vault: Vault) -> Credential:
    """The credential a row holds; raise a VaultError if it cannot be trusted."""
    env = row.environment
    return Credential(
        app_key=vault.decrypt(secret_owner(row.user_id, env, "app_key"), row.app_key_enc),
        app_secret=vault.decrypt(secret_owner(row.user_id, env, "app_secret"), row.app_secret_enc),
        account=Account.parse(
            vault.decrypt(secret_owner(row.user_id, env, "account"), row.account_enc)
        ),
        environment=Environment(env),
        hts_id=(
            vault.decrypt(secret_owner(row.user_id, env, "hts_id"), row.hts_id_enc)
            if row.hts_id_enc
            else None
        ),
    )


@dataclass(frozen=True, slots=True)
class SealedCredential:
    """A credential as stored: still encrypted, decrypted only by `CredentialRepo.open`."""

    user_id: int
    environment: str
    app_key_enc: str = field(repr=False)
    app_secret_enc: str = field(repr=False)
    account_enc: str = field(repr=False)
    hts_id_enc: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class UserAtStart:
    """What most updates need of their user, read in one query: language and active key."""

    user_id: int
    locale: str | None  # the /lang choice; None: KISBOT_LOCALE (also for an unknown user)
    active: SealedCredential | None  # None: no active environment, or no key stored for it


# The user row and, outer-joined, the credential of its active environment: one round trip.
_USER_AT_START = (
    select(
        User.locale,
        User.active_env,
        CredentialRow.app_key_enc,
        CredentialRow.app_secret_enc,
        CredentialRow.account_enc,
        CredentialRow.hts_id_enc,
    )
    .select_from(User)
    .outerjoin(
        CredentialRow,
        (CredentialRow.user_id == User.id) & (CredentialRow.environment == User.active_env),
    )
    .where(User.id == bindparam("user_id"))
)


class CredentialRepo(Repo):
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], vault: Vault, clock: Clock | None = None
    ) -> None:
        super().__init__(sessions, clock)
        self._vault = vault

    async def put(self, user_id: int, credential: Credential) -> bool:
        """Store (or replace) the user's credential for its environment.

        Returns True when it is the user's active credential afterwards: the first one stored
        becomes active; a later one for the other environment does not switch.
        """
        now = self._now()
        env = credential.environment.value
        async with self._sessions.begin() as session:
            await ensure_user(session, user_id, now)
            row = await self._row(session, user_id, env)
            if row is None:
                row = CredentialRow(user_id=user_id, environment=env, created_at=now)
                session.add(row)
            row.updated_at = now
            encrypt_into(row, credential, self._vault)
            await session.execute(
                update(User)
                .where(User.id == user_id, User.active_env.is_(None))
                .values(active_env=env, updated_at=now)
            )
            user = await session.get(User, user_id, populate_existing=True)
            return user is not None and user.active_env == env

    async def get(self, user_id: int, environment: Environment) -> Credential | None:
        """The user's credential for this environment, decrypted, or None."""
        async with self._sessions() as session:
            row = await self._row(session, user_id, Environment(environment).value)
            return None if row is None else decrypt_row(row, self._vault)

    async def get_active(self, user_id: int) -> Credential | None:
        """The credential of the user's active environment, or None if they have none."""
        return self.open((await self.user_at_start(user_id)).active)

    async def user_at_start(self, user_id: int) -> UserAtStart:
        """The user's language and active credential (still sealed), in one query."""
        row = await self._first_row(_USER_AT_START, {"user_id": user_id})
        if row is None:
            return UserAtStart(user_id, None, None)
        locale, env, app_key_enc, app_secret_enc, account_enc, hts_id_enc = row
        if env is None or app_key_enc is None:
            return UserAtStart(user_id, locale, None)
        sealed = SealedCredential(
            user_id, env, app_key_enc, app_secret_enc, account_enc, hts_id_enc
        )
        return UserAtStart(user_id, locale, sealed)

    def open(self, sealed: SealedCredential | None) -> Credential | None:
        """Decrypt a sealed credential; raise a VaultError if it cannot be trusted."""
        return None if sealed is None else decrypt_row(sealed, self._vault)

    async def active_for(
        self, user_ids: Iterable[int], *, key_hashes: Collection[str] | None = None
    ) -> dict[int, Credential]:
        """Each user's active credential, decrypted, in one query (users without one are left
        out; a row that cannot be decrypted is logged and left out too). With `key_hashes`,
        only credentials of those app keys are read: the rest are not decrypted at all."""
        wanted = list(set(user_ids))
        if not wanted or (key_hashes is not None and not key_hashes):
            return {}
        query = (
            select(CredentialRow)
            .join(User, User.id == CredentialRow.user_id)
            .where(CredentialRow.user_id.in_(wanted), CredentialRow.environment == User.active_env)
        )
        if key_hashes is not None:
            query = query.where(CredentialRow.key_hash.in_(list(key_hashes)))
        found: dict[int, Credential] = {}
        async with self._sessions() as session:
            for row in await session.scalars(query):
                try:
                    found[row.user_id] = decrypt_row(row, self._vault)
                except VaultError:
                    logger.warning("the credential of user %s cannot be decrypted", row.user_id)
        return found

    async def with_hts_id(
        self, *, key_hashes: Collection[str] | None = None
    ) -> list[tuple[int, Credential]]:
        """Every stored credential that carries an HTS ID (of these app keys, if given), with
        its user (rows that cannot be decrypted are logged and left out)."""
        if key_hashes is not None and not key_hashes:
            return []
        query = select(CredentialRow).where(CredentialRow.hts_id_enc.is_not(None))
        if key_hashes is not None:
            query = query.where(CredentialRow.key_hash.in_(list(key_hashes)))
        found: list[tuple[int, Credential]] = []
        async with self._sessions() as session:
            for row in await session.scalars(query.order_by(CredentialRow.id)):
                try:
                    found.append((row.user_id, decrypt_row(row, self._vault)))
                except VaultError:
                    logger.warning("the credential of user %s cannot be decrypted", row.user_id)
        return found

    async def key_hashes(self) -> set[str]:
        """The lookup hashes of every stored app key (each key once, whoever registered it).

        Rows stored before the hash was kept get it now, once.
        """
        async with self._sessions.begin() as session:
            for row in await session.scalars(
                select(CredentialRow).where(CredentialRow.key_hash.is_(None))
            ):
                try:
                    row.key_hash = self._vault.lookup_hash(
                        decrypt_row(row, self._vault).app_key, row.environment
                    )
                except VaultError:
                    logger.warning("the credential of user %s cannot be decrypted", row.user_id)
        async with self._sessions() as session:
            query = select(CredentialRow.key_hash).where(CredentialRow.key_hash.is_not(None))
            return {str(key_hash) for key_hash in await session.scalars(query.distinct())}

    async def environments(self, user_id: int) -> list[Environment]:
        """The environments the user has a credential for."""
        async with self._sessions() as session:
            result = await session.scalars(
                select(CredentialRow.environment)
                .where(CredentialRow.user_id == user_id)
                .order_by(CredentialRow.environment)
            )
            return [Environment(env) for env in result]

    async def delete(self, user_id: int, environment: Environment) -> bool:
        """Remove the user's credential for this environment; True if there was one."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                delete(CredentialRow).where(
                    CredentialRow.user_id == user_id,
                    CredentialRow.environment == Environment(environment).value,
                )
            )
            return result.rowcount == 1  # type: ignore[attr-defined]

    @staticmethod
    async def _row(session: AsyncSession, user_id: int, env: str) -> CredentialRow | None:
        return await session.scalar(
            select(CredentialRow).where(
                CredentialRow.user_id == user_id, CredentialRow.environment == env
            )
        )
