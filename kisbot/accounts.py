"""Users and their KIS keys: register, check, choose the account in use, forget everything.

Transport-neutral: callers pass plain values (user ids, a parsed Credential) and get dataclasses
back; anything the user can put right is a `Problem` with a `keys.*` or
`start.*` catalogue key. Other features get a user's KIS client through `active_client`.

Switching to the real account and forgetting a user are two-step: `ask_switch_real` /
`ask_forget` create a pending confirmation; `confirm` (the owner's press, decided exactly once by
the store's conditional claim) or `cancel` finish it.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from enum import StrEnum

from kisbot.kis import Credential, Environment, KisAuthError, KisClient, KisError
from kisbot.problems import Problem
from kisbot.services import Services
from kisbot.store.errors import VaultError
from kisbot.store.models import Confirmation

logger = logging.getLogger(__name__)

VERIFY_TIMEOUT = 15.0  # tokenP can otherwise wait minutes on EGW00133 (one issuance a minute)
REVOKE_TIMEOUT = 5.0
SWITCH_REAL = "switch_real"
FORGET = "forget"
KINDS = (SWITCH_REAL, FORGET)


class Verification(StrEnum):
    VERIFIED = "verified"  # KIS issued a token for the key
    UNVERIFIED = "unverified"  # KIS could not be asked; stored, checked on first use
    REFUSED = "refused"  # KIS refused the key; nothing stored


class Decision(StrEnum):
    """What became of a press on a confirmation's button."""

    DONE = "done"
    CANCELLED = "cancelled"
    NOT_OWNER = "not_owner"
    EXPIRED = "expired"
    NOT_PENDING = "not_pending"  # already confirmed or cancelled
    GONE = "gone"  # no such confirmation (forgotten, or not one of ours)
    FAILED = "failed"  # confirmed, but the key it needed is gone


@dataclass(frozen=True, slots=True)
class RegisterOutcome:
    verification: Verification
    environment: Environment
    masked_account: str
    active: bool  # this key is the one commands use now
    active_environment: Environment | None
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


@dataclass(frozen=True, slots=True)
class PendingConfirmation:
    id: str
    kind: str
    ttl_seconds: int
    masked_account: str = ""
    keys: tuple[RegisteredKey, ...] = ()
    alerts: int = 0


@dataclass(frozen=True, slots=True)
class ForgetReport:
    environments: tuple[Environment, ...]
    alerts: int
    revoked: int
    revoke_failed: int


@dataclass(frozen=True, slots=True)
class ConfirmResult:
    decision: Decision
    kind: str = ""
    masked_account: str = ""  # the account switched to
    forgotten: ForgetReport | None = None


class Accounts:
    """The users-and-keys service over the store and the KIS layer."""

    def __init__(
        self,
        services: Services,
        *,
        verify_timeout: float = VERIFY_TIMEOUT,
        revoke_timeout: float = REVOKE_TIMEOUT,
    ) -> None:
        self._services = services
        self._db = services.database
        self._verify_timeout = verify_timeout
        self._revoke_timeout = revoke_timeout

    # -- what other features call ---------------------------------------------------------

    async def active_credential(self, user_id: int) -> Credential:
        """The credential of the user's active environment; Problem when none is registered."""
        credential = await self._db.credentials.get_active(user_id)
        if credential is None:
            raise Problem("common.no_credential")
        return credential

    async def active_client(self, user_id: int) -> KisClient:
        """A KIS client for the user's active account; Problem("common.no_credential") if none."""
        return self._services.kis.client(await self.active_credential(user_id))

    # -- keys -------------------------------------------------------------------------------

    async def register_key(self, user_id: int, credential: Credential) -> RegisterOutcome:
        """Check the key with KIS (a token), then store it unless KIS refused it."""
        verification, refusal = await self._verify(user_id, credential)
        if refusal is None:
            await self._db.credentials.put(user_id, credential)
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
            refusal.msg_cd if refusal else "",
            refusal.msg1 if refusal else "",
        )

    async def remember_chat(self, user_id: int, chat_id: int) -> None:
        """Where to write to the user unprompted (alerts): their private chat."""
        await self._db.users.get_or_create(user_id, chat_id)

    async def status(self, user_id: int) -> AccountStatus:
        """The user's registered keys (accounts masked), the active one and their language."""
        user = await self._db.users.get(user_id)
        keys: list[RegisteredKey] = []
        for environment in await self._db.credentials.environments(user_id):
            masked = await self._masked(user_id, environment)
            keys.append(RegisteredKey(environment, masked))
        active = Environment(user.active_env) if user and user.active_env else None
        return AccountStatus(tuple(keys), active, user.locale if user else None)

    async def set_locale(self, user_id: int, locale: str) -> None:
        """Set the user's language: `ko` or `en`."""
        if locale not in ("ko", "en"):
            raise Problem("start.lang_unknown")
        await self._db.users.set_locale(user_id, locale)

    # -- /mode ------------------------------------------------------------------------------

    async def switch_to_mock(self, user_id: int) -> RegisteredKey:
        """Use the mock account from now on (no confirmation: nothing real can happen)."""
        masked = await self._require_key(user_id, Environment.MOCK)
        await self._db.users.set_active_env(user_id, Environment.MOCK)
        return RegisteredKey(Environment.MOCK, masked)

    async def ask_switch_real(self, user_id: int, chat_id: int) -> PendingConfirmation:
        """A pending confirmation to switch to the real account (the user must press 확인)."""
        masked = await self._require_key(user_id, Environment.REAL)
        row = await self._create(user_id, SWITCH_REAL, chat_id, environment="real")
        return PendingConfirmation(row.id, SWITCH_REAL, self._ttl, masked_account=masked)

    # -- /forget ----------------------------------------------------------------------------

    async def ask_forget(self, user_id: int, chat_id: int) -> PendingConfirmation:
        """A pending confirmation to delete everything stored for the user."""
        status = await self.status(user_id)
        alerts = len(await self._db.alerts.list_for_user(user_id))
        if not status.keys and not alerts and status.locale is None:
            raise Problem("keys.forget_nothing")
        row = await self._create(user_id, FORGET, chat_id)
        return PendingConfirmation(row.id, FORGET, self._ttl, keys=status.keys, alerts=alerts)

    async def forget(self, user_id: int) -> ForgetReport:
        """Revoke the user's tokens at KIS (best effort), then delete all their data."""
        environments = tuple(await self._db.credentials.environments(user_id))
        alerts = len(await self._db.alerts.list_for_user(user_id))
        outcomes = await asyncio.gather(*(self._revoke(user_id, env) for env in environments))
        await self._db.forget_user(user_id)
        logger.info("user=%s forgotten", user_id)
        return ForgetReport(
            environments,
            alerts,
            revoked=sum(1 for outcome in outcomes if outcome is True),
            revoke_failed=sum(1 for outcome in outcomes if outcome is None),
        )

    # -- the buttons ------------------------------------------------------------------------

    async def attach_message(self, confirmation_id: str, chat_id: int, message_id: int) -> None:
        await self._db.confirmations.set_message(confirmation_id, chat_id, message_id)

    async def confirm(self, confirmation_id: str, user_id: int) -> ConfirmResult:
        """The owner pressed 확인: carry it out exactly once; anyone else changes nothing."""
        row = await self._db.confirmations.get(confirmation_id)
        refusal = self._refusal(row, user_id)
        if refusal is not None:
            return refusal
        assert row is not None
        if not await self._db.confirmations.claim(confirmation_id, user_id):
            return ConfirmResult(await self._why_not_pending(confirmation_id), row.kind)
        if row.kind == FORGET:
            await self._db.confirmations.record_outcome(confirmation_id, "submitted")
            return ConfirmResult(Decision.DONE, FORGET, forgotten=await self.forget(user_id))
        return await self._finish_switch_real(confirmation_id, user_id)

    async def cancel(self, confirmation_id: str, user_id: int) -> ConfirmResult:
        """The owner pressed 취소: the confirmation ends and nothing changes."""
        row = await self._db.confirmations.get(confirmation_id)
        refusal = self._refusal(row, user_id)
        if refusal is not None:
            return refusal
        assert row is not None
        if row.state == "pending" and self._expired(row):
            return ConfirmResult(Decision.EXPIRED, row.kind)
        if await self._db.confirmations.cancel(confirmation_id, user_id):
            return ConfirmResult(Decision.CANCELLED, row.kind)
        return ConfirmResult(await self._why_not_pending(confirmation_id), row.kind)

    # -- helpers ----------------------------------------------------------------------------

    @property
    def _ttl(self) -> int:
        return self._services.settings.confirm_ttl

    async def _create(self, user_id: int, kind: str, chat_id: int, **params: str) -> Confirmation:
        confirmations = self._db.confirmations
        return await confirmations.create(user_id, kind, self._ttl, chat_id=chat_id, **params)

    async def _finish_switch_real(self, confirmation_id: str, user_id: int) -> ConfirmResult:
        credential = await self._db.credentials.get(user_id, Environment.REAL)
        if credential is None:
            await self._db.confirmations.record_outcome(confirmation_id, "failed")
            return ConfirmResult(Decision.FAILED, SWITCH_REAL)
        await self._db.users.set_active_env(user_id, Environment.REAL)
        await self._db.confirmations.record_outcome(confirmation_id, "submitted")
        logger.info("user=%s switched to the real account", user_id)
        return ConfirmResult(Decision.DONE, SWITCH_REAL, credential.account.masked)

    def _refusal(self, row: Confirmation | None, user_id: int) -> ConfirmResult | None:
        if row is None or row.kind not in KINDS:
            return ConfirmResult(Decision.GONE)
        if row.user_id != user_id:
            return ConfirmResult(Decision.NOT_OWNER, row.kind)
        return None

    async def _why_not_pending(self, confirmation_id: str) -> Decision:
        row = await self._db.confirmations.get(confirmation_id)
        if row is None:
            return Decision.GONE
        if row.state == "expired" or (row.state == "pending" and self._expired(row)):
            return Decision.EXPIRED
        return Decision.NOT_PENDING

    def _expired(self, row: Confirmation) -> bool:
        return row.expires_at <= self._services.clock.now()  # the store gives aware UTC times

    async def _require_key(self, user_id: int, environment: Environment) -> str:
        masked = await self._masked(user_id, environment)
        if not masked:
            raise Problem("keys.mode_no_key", environment=environment.value)
        return masked

    async def _masked(self, user_id: int, environment: Environment) -> str:
        try:
            credential = await self._db.credentials.get(user_id, environment)
        except VaultError:
            logger.warning("user=%s a %s credential cannot be decrypted", user_id, environment)
            return "????****-??"
        return credential.account.masked if credential else ""

    async def _active_env(self, user_id: int) -> Environment | None:
        user = await self._db.users.get(user_id)
        return Environment(user.active_env) if user and user.active_env else None

    async def _verify(
        self, user_id: int, credential: Credential
    ) -> tuple[Verification, KisAuthError | None]:
        try:
            async with asyncio.timeout(self._verify_timeout):
                await self._services.kis.client(credential).ensure_token()
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
            credential = await self._db.credentials.get(user_id, environment)
            if credential is None:
                return False
            async with asyncio.timeout(self._revoke_timeout):
                return await self._services.kis.client(credential).revoke_token()
        except (KisError, VaultError, TimeoutError) as failure:
            logger.warning("user=%s token not revoked: %s", user_id, type(failure).__name__)
            return None
