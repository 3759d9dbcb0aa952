"""Users and their KIS keys: register, choose the account in use, forget everything — and the
one way any feature gets a user's KIS client (`client`, `client_for`, `active_clients`).

Transport-neutral: callers pass what the user typed and who they are and get dataclasses back;
anything the user can put right is a `Problem` with a `keys.*` or `start.*` catalogue key.

Switching to the real account and forgetting a user are two-step: `change_mode(…, ["real"])`
and `ask_forget` create an intent, and the confirmation engine runs this service's executor on
the owner's 확인, exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Collection, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from contextvars import ContextVar

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
from kisbot.accounts.words import parse_environment, parse_locale, parse_setkey
from kisbot.confirmations import Confirmations, Executed, Intent, IntentState
from kisbot.kis import Credential, Environment, KisAuthError, KisClient, KisError, KisService
from kisbot.problems import Problem
from kisbot.store.errors import VaultError
from kisbot.store.repos import AlertRepo, CredentialRepo, UserRepo
from kisbot.store.repos.credentials import UserAtStart

logger = logging.getLogger(__name__)

VERIFY_TIMEOUT = 15.0  # tokenP can otherwise wait minutes on EGW00133 (one issuance a minute)
REVOKE_TIMEOUT = 5.0
SWITCH_REAL = "switch_real"
FORGET = "forget"

Eraser = Callable[[int], Awaitable[None]]


class Accounts:
    """The users-and-keys service over the store and the KIS layer."""

    def __init__(
        self,
        users: UserRepo,
        credentials: CredentialRepo,
        alerts: AlertRepo,
        kis: KisService,
        confirmations: Confirmations,
        erase_user: Eraser,
        *,
        verify_timeout: float = VERIFY_TIMEOUT,
        revoke_timeout: float = REVOKE_TIMEOUT,
        realtime: bool = True,
    ) -> None:
        self._users = users
        self._credentials = credentials
        self._alerts = alerts
        self._kis = kis
        self._confirmations = confirmations
        self._erase_user = erase_user
        self._verify_timeout = verify_timeout
        self._revoke_timeout = revoke_timeout
        self._realtime = realtime
        self._key_listeners: list[Callable[[], None]] = []
        confirmations.register(SWITCH_REAL, self._execute_switch_real)
        confirmations.register(FORGET, self._execute_forget)

    # -- the user's KIS client: the one way every feature gets it -------------------------

    async def client(self, user_id: int) -> KisClient:
        """A KIS client for the user's active account; Problem("common.no_credential") if none."""
        credential = self._credentials.open((await self._at_start(user_id)).active)
        if credential is None:
            raise Problem("common.no_credential")
        return self._kis.client(credential)

    async def client_for(self, user_id: int, environment: Environment) -> KisClient | None:
        """A KIS client for the user's key of this environment, active or not; None if none."""
        credential = await self._credentials.get(user_id, environment)
        return self._kis.client(credential) if credential is not None else None

    async def active_clients(
        self, user_ids: Iterable[int], *, keys: Collection[str] | None = None
    ) -> dict[int, KisClient]:
        """Each user's active client, read in one query (users without a usable key left out);
        with `keys` (the store's key hashes, kisbot.owners), only clients of those app keys."""
        credentials = await self._credentials.active_for(user_ids, key_hashes=keys)
        return {user_id: self._kis.client(c) for user_id, c in credentials.items()}

    async def notice_keys(
        self, *, keys: Collection[str] | None = None
    ) -> list[tuple[int, Credential]]:
        """Every stored key with an HTS ID (of `keys`, if given), and its user: the keys fill
        notices come on."""
        return await self._credentials.with_hts_id(key_hashes=keys)

    def on_keys_changed(self, listener: Callable[[], None]) -> None:
        """Call `listener` after any key is stored or deleted (real-time sessions follow)."""
        self._key_listeners.append(listener)

    # -- who the user is --------------------------------------------------------------------

    async def locale(self, user_id: int) -> str | None:
        """The language the user chose with /lang, or None (KISBOT_LOCALE applies)."""
        return (await self._at_start(user_id)).locale

    def one_read_per_update(self) -> AbstractContextManager[None]:
        """Within, a user's language and active key are read from the database once, when
        first needed, and reused; this service's own writes drop the reading.

        Every update needs both (the reply's language, the user's KIS client): one query instead
        of two. The reading lives for one update only (a ContextVar), so another process's
        change is seen by the next update, as without it.
        """
        return _one_read()

    async def remember_chat(self, user_id: int, chat_id: int) -> None:
        """Where to write to the user unprompted (alerts): their private chat."""
        await self._users.get_or_create(user_id, chat_id)

    async def status(self, user_id: int) -> AccountStatus:
        """The user's registered keys (accounts masked), the active one and their language."""
        user = await self._users.get(user_id)
        keys = [
            RegisteredKey(environment, await self._masked(user_id, environment))
            for environment in await self._credentials.environments(user_id)
        ]
        active = Environment(user.active_env) if user and user.active_env else None
        return AccountStatus(tuple(keys), active, user.locale if user else None)

    async def set_locale(self, user_id: int, words: Sequence[str]) -> str:
        """`/lang ko|en` (also 한국어, english, …): set the user's language; the locale set."""
        if len(words) != 1:
            raise Problem("start.lang_usage")
        locale = parse_locale(words[0])
        if locale is None:
            raise Problem("start.lang_unknown")
        await self._users.set_locale(user_id, locale)
        self._changed(user_id)
        return locale

    # -- keys -------------------------------------------------------------------------------

    async def register_key(self, user_id: int, words: Sequence[str]) -> RegisterOutcome:
        """Parse `/setkey` words, check the key with KIS (a token), then store it unless KIS
        refused it."""
        credential = parse_setkey(words)
        verification, refusal = await self._verify(user_id, credential)
        if refusal is None:
            await self._credentials.put(user_id, credential)
            self._changed(user_id)
            self._keys_changed()
            logger.info(
                "user=%s stored a %s key (%s)", user_id, credential.environment, verification
            )
        active = await self._active_env(user_id)
        return RegisterOutcome(
            verification,
            credential.environment,
            credential.account.masked,
            refusal is None and active is credential.environment,
            active,
            self._notice_mode(credential),
            refusal.msg_cd if refusal else "",
            refusal.msg1 if refusal else "",
        )

    def _notice_mode(self, credential: Credential) -> NoticeMode:
        if not credential.hts_id:
            return NoticeMode.POLLING
        return NoticeMode.REALTIME if self._realtime else NoticeMode.POLLING_ONLY

    # -- /mode ------------------------------------------------------------------------------

    async def change_mode(self, user_id: int, chat_id: int, words: Sequence[str]) -> ModeOutcome:
        """`/mode mock|real`: use the mock account at once, or ask to confirm a switch to real."""
        if len(words) != 1:
            raise Problem("keys.mode_usage")
        environment = parse_environment(words[0])
        if environment is None:
            raise Problem("keys.mode_unknown")
        key = RegisteredKey(environment, await self._require_key(user_id, environment))
        if await self._active_env(user_id) is environment:
            return ModeOutcome(ModeChange.ALREADY, key)
        if environment is Environment.MOCK:
            await self._users.set_active_env(user_id, Environment.MOCK)
            self._changed(user_id)
            return ModeOutcome(ModeChange.SWITCHED, key)
        intent = await self._confirmations.create(user_id, chat_id, SWITCH_REAL, environment="real")
        return ModeOutcome(ModeChange.ASKED, key, intent)

    async def _execute_switch_real(self, intent: Intent) -> Executed:
        credential = await self._credentials.get(intent.user_id, Environment.REAL)
        if credential is None:
            return Executed(IntentState.FAILED, None, msg_cd="key_gone")
        await self._users.set_active_env(intent.user_id, Environment.REAL)
        self._changed(intent.user_id)
        logger.info("user=%s switched to the real account", intent.user_id)
        return Executed(IntentState.SUBMITTED, SwitchedReal(credential.account.masked))

    # -- /forget ----------------------------------------------------------------------------

    async def ask_forget(self, user_id: int, chat_id: int) -> ForgetRequest:
        """A confirmation to delete everything stored for the user."""
        status = await self.status(user_id)
        alerts = len(await self._alerts.list_for_user(user_id))
        if not status.keys and not alerts and status.locale is None:
            raise Problem("keys.forget_nothing")
        intent = await self._confirmations.create(user_id, chat_id, FORGET)
        return ForgetRequest(intent, status.keys, alerts)

    async def forget(self, user_id: int) -> ForgetReport:
        """Revoke the user's tokens at KIS (best effort), then delete all their data."""
        environments = tuple(await self._credentials.environments(user_id))
        alerts = len(await self._alerts.list_for_user(user_id))
        outcomes = await asyncio.gather(*(self._revoke(user_id, env) for env in environments))
        await self._erase_user(user_id)
        self._changed(user_id)
        self._keys_changed()
        logger.info("user=%s forgotten", user_id)
        return ForgetReport(
            environments,
            alerts,
            revoked=sum(1 for outcome in outcomes if outcome is True),
            revoke_failed=sum(1 for outcome in outcomes if outcome is None),
        )

    async def _execute_forget(self, intent: Intent) -> Executed:
        return Executed(IntentState.SUBMITTED, await self.forget(intent.user_id))

    # -- helpers ----------------------------------------------------------------------------

    async def _at_start(self, user_id: int) -> UserAtStart:
        readings = _READINGS.get()
        if readings is not None and user_id in readings:
            return readings[user_id]
        user = await self._credentials.user_at_start(user_id)
        if readings is not None:
            readings[user_id] = user
        return user

    def _keys_changed(self) -> None:
        for listener in self._key_listeners:
            listener()

    @staticmethod
    def _changed(user_id: int) -> None:
        readings = _READINGS.get()
        if readings is not None:
            readings.pop(user_id, None)

    async def _require_key(self, user_id: int, environment: Environment) -> str:
        masked = await self._masked(user_id, environment)
        if not masked:
            raise Problem("keys.mode_no_key", environment=environment.value)
        return masked

    async def _masked(self, user_id: int, environment: Environment) -> str:
        try:
            credential = await self._credentials.get(user_id, environment)
        except VaultError:
            logger.warning("user=%s a %s credential cannot be decrypted", user_id, environment)
            return "????****-??"
        return credential.account.masked if credential else ""

    async def _active_env(self, user_id: int) -> Environment | None:
        user = await self._users.get(user_id)
        return Environment(user.active_env) if user and user.active_env else None

    async def _verify(
        self, user_id: int, credential: Credential
    ) -> tuple[Verification, KisAuthError | None]:
        try:
            async with asyncio.timeout(self._verify_timeout):
                await self._kis.client(credential).ensure_token()
        except KisAuthError as refusal:
            logger.info("user=%s key refused by KIS (%s)", user_id, refusal.msg_cd)
            return Verification.REFUSED, refusal
        except (KisError, TimeoutError) as failure:
            logger.warning("user=%s key not checked: %s", user_id, type(failure).__name__)
            return Verification.UNVERIFIED, None
        return Verification.VERIFIED, None

    async def _revoke(self, user_id: int, environment: Environment) -> bool | None:
        """True: revoked; False: there was no token; None: KIS could not be asked."""
        try:
            client = await self.client_for(user_id, environment)
            if client is None:
                return False
            async with asyncio.timeout(self._revoke_timeout):
                return await client.revoke_token()
        except (KisError, VaultError, TimeoutError) as failure:
            logger.warning("user=%s token not revoked: %s", user_id, type(failure).__name__)
            return None


_READINGS: ContextVar[dict[int, UserAtStart] | None] = ContextVar(
    "kisbot_user_readings", default=None
)


@contextlib.contextmanager
def _one_read() -> Iterator[None]:
    reset = _READINGS.set({})
    try:
        yield
    finally:
        _READINGS.reset(reset)
