"""One object that holds the store together: engine, sessions, vault and repositories."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import delete, exists, select, union
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from kisbot.clock import Clock, SystemClock
from kisbot.config import Settings
from kisbot.store.approval_store import DatabaseApprovalStore
from kisbot.store.engine import create_engine, create_session_factory
from kisbot.store.errors import MissingKeyError, VaultError, WrongKeyError
from kisbot.store.models import AccessTokenRow, ApprovalKeyRow, Base, CredentialRow, User
from kisbot.store.ownership import KeyOwnership, key_labels, key_ownership
from kisbot.store.rate_budget import KisKeyBudget, RateBudget
from kisbot.store.repos import AlertRepo, ConfirmationRepo, CredentialRepo, OutboxRepo, UserRepo
from kisbot.store.repos.credentials import decrypt_row
from kisbot.store.token_store import DatabaseTokenStore
from kisbot.store.vault import Vault, load_vault, master_key_configured, unread_key_file

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class Database:
    """The store as the rest of kisbot uses it. Build it with `open_database`."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    vault: Vault
    clock: Clock = field(default_factory=SystemClock)
    users: UserRepo = field(init=False)
    credentials: CredentialRepo = field(init=False)
    alerts: AlertRepo = field(init=False)
    outbox: OutboxRepo = field(init=False)
    confirmations: ConfirmationRepo = field(init=False)
    tokens: DatabaseTokenStore = field(init=False)
    approval_keys: DatabaseApprovalStore = field(init=False)
    _budget: RateBudget | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.users = UserRepo(self.sessions, self.clock)
        self.credentials = CredentialRepo(self.sessions, self.vault, self.clock)
        self.alerts = AlertRepo(self.sessions, self.clock)
        self.outbox = OutboxRepo(self.sessions, self.clock)
        self.confirmations = ConfirmationRepo(self.sessions, self.clock)
        self.tokens = DatabaseTokenStore(self.engine, self.vault, self.clock)
        self.approval_keys = DatabaseApprovalStore(self.engine, self.vault, self.clock)

    async def stored_key_ids(self) -> set[str]:
        """The ids of the master keys the stored secrets are encrypted with."""
        async with self.sessions() as session:
            return set(
                await session.scalars(
                    union(select(CredentialRow.key_id), select(AccessTokenRow.key_id))
                )
            )

    async def check_keys(self) -> None:
        """Raise WrongKeyError unless the configured keys can decrypt the stored secrets."""
        missing = await self.stored_key_ids() - set(self.vault.key_ids)
        if missing:
            raise WrongKeyError(
                "The database holds secrets encrypted with master key id(s) "
                f"{', '.join(sorted(missing))}, which KISBOT_MASTER_KEY (or master.key) does "
                f"not contain (configured: {', '.join(self.vault.key_ids)}). Restore that "
                "key; nothing was changed."
            )
        async with self.sessions() as session:
            sample = await session.scalar(select(CredentialRow).limit(1))
        if sample is not None:
            decrypt_row(sample, self.vault)  # a forged key id still fails here

    async def forget_user(self, user_id: int) -> None:
        """Delete everything stored for this user: every row of every table that has a
        `user_id` column (a new table is covered without listing it here), the access tokens
        and WebSocket approval keys of their app keys, and the user row itself."""
        async with self.sessions.begin() as session:
            rows = (
                await session.scalars(select(CredentialRow).where(CredentialRow.user_id == user_id))
            ).all()
            hashes = [key_hash for row in rows for key_hash in self._token_hashes(row)]
            await session.execute(delete(AccessTokenRow).where(AccessTokenRow.key_hash.in_(hashes)))
            await session.execute(delete(ApprovalKeyRow).where(ApprovalKeyRow.key_hash.in_(hashes)))
            for table in reversed(Base.metadata.sorted_tables):  # rows that refer to others first
                if "user_id" in table.c:
                    await session.execute(delete(table).where(table.c.user_id == user_id))
            await session.execute(delete(User).where(User.id == user_id))

    def _token_hashes(self, row: CredentialRow) -> list[str]:
        try:
            app_key = decrypt_row(row, self.vault).app_key
        except VaultError:
            # Forgetting must not fail on a damaged row; its token is then left to expire.
            logger.warning("forget: a credential of user %s could not be decrypted", row.user_id)
            return []
        return self.vault.lookup_hashes(app_key, row.environment)

    def key_ownership(self) -> KeyOwnership:
        """This process's share of the app keys in use (every key unless on PostgreSQL);
        `start` it, `rebalance` it every few seconds, `stop` it at shutdown."""
        return key_ownership(self.engine.url.render_as_string(hide_password=False), self.clock)

    def rate_budget(self) -> RateBudget | None:
        """Call slots shared with the other processes on this database; None on SQLite, where
        one process is all there is.

        On an engine of its own: a slot is one statement on the path of every KIS call, so it
        must not queue behind the bot's other queries for a pooled connection (which timed out
        under load, pacing each process alone), nor pay the pool's pre-ping (a transaction of
        its own each time). A dropped connection fails one reservation, and that one call is
        paced locally (kisbot.kis.limiter).
        """
        if self.engine.dialect.name != "postgresql":
            return None
        if self._budget is None:
            engine = create_engine(
                self.engine.url.render_as_string(hide_password=False),
                pool_size=2,
                max_overflow=4,
                pool_pre_ping=False,
            )
            self._budget = RateBudget(engine, self.clock)
        return self._budget

    def kis_key_budget(self) -> KisKeyBudget | None:
        """Each KIS app key's call slots shared across processes (None on SQLite)."""
        budget = self.rate_budget()
        return None if budget is None else KisKeyBudget(budget, self.vault)

    async def stored_key_labels(self) -> dict[str, str]:
        """Every stored credential's key hash and label (APPK…real); rows that cannot be
        decrypted are logged and left out."""
        credentials = []
        async with self.sessions() as session:
            for row in await session.scalars(select(CredentialRow).order_by(CredentialRow.id)):
                try:
                    credentials.append(decrypt_row(row, self.vault))
                except VaultError:
                    logger.warning("the credential of user %s cannot be decrypted", row.user_id)
        return key_labels(self.vault, credentials)

    async def close(self) -> None:
        if self._budget is not None:
            await self._budget.aclose()
        await self.engine.dispose()


async def has_secrets(engine: AsyncEngine) -> bool:
    """Whether any encrypted secret is stored (the schema must exist)."""
    query = select(exists(select(CredentialRow.id)) | exists(select(AccessTokenRow.key_hash)))
    async with engine.connect() as connection:
        return bool(await connection.scalar(query))


async def open_database(settings: Settings, clock: Clock | None = None) -> Database:
    """The store for these settings, its keys checked against the data (run migrations first).

    Raises MissingKeyError rather than generate a new key when secrets exist but no key is
    configured, and WrongKeyError when the configured keys do not fit the stored secrets. A
    DATA_DIR/master.key that KISBOT_MASTER_KEY overrides is not ignored silently: a warning
    if it holds a key that KISBOT_MASTER_KEY lacks, an error if secrets need that key.
    """
    engine = create_engine(settings.resolved_database_url)
    try:
        if not master_key_configured(settings) and await has_secrets(engine):
            raise MissingKeyError(
                "The database holds encrypted secrets, but KISBOT_MASTER_KEY is not set and "
                f"{settings.data_dir}/master.key does not exist. Restore the key they were "
                "encrypted with; a new key would not decrypt them, so none was generated."
            )
        sessions = create_session_factory(engine)
        database = Database(engine, sessions, load_vault(settings), clock or SystemClock())
        await _check_unread_key_file(settings, database)
        await database.check_keys()
    except BaseException:
        await engine.dispose()
        raise
    return database


async def _check_unread_key_file(settings: Settings, database: Database) -> None:
    found = unread_key_file(settings)
    if found is None:
        return
    path, keys = found
    if keys is None:
        logger.warning(
            "%s is not read because KISBOT_MASTER_KEY is set, and it holds no valid key. "
            "Delete it unless you keep it on purpose.",
            path,
        )
        return
    only_in_file = set(keys.key_ids) - set(database.vault.key_ids)
    if not only_in_file:
        return  # its key is in KISBOT_MASTER_KEY too: nothing is lost by not reading it
    if only_in_file & await database.stored_key_ids():
        raise WrongKeyError(
            f"The database holds secrets encrypted with the key in {path}, but that file is "
            "not read because KISBOT_MASTER_KEY is set, and KISBOT_MASTER_KEY does not contain "
            "that key. Either unset KISBOT_MASTER_KEY to use the file, or put the file's key "
            "after the first key in KISBOT_MASTER_KEY (KISBOT_MASTER_KEY=NEW,KEY_FROM_FILE) and "
            "run `kisbot rotate-key`. Nothing was changed."
        )
    logger.warning(
        "%s holds a master key that KISBOT_MASTER_KEY does not; the file is not read because "
        "KISBOT_MASTER_KEY is set. No stored secret uses that key: move the file to your "
        "backups to silence this warning.",
        path,
    )
