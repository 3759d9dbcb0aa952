"""The one two-step confirmation engine: ask, then act exactly once on the owner's 확인.

Anything a user must confirm — an order, a cancel, a modify, switching to the real account,
forgetting everything — is an `Intent`: a row created pending with an expiry, whose random id
goes into the buttons. Features register an executor for each kind they own. A press on 확인 is
decided by one conditional UPDATE in the store (pending → submitting, owner and expiry checked
in the same statement), so of any number of presses, concurrent or not, in one process or
several, exactly one runs the executor; every other press gets a verdict saying why not. What
the executor reports is recorded on the same row, which stays as the audit trail.

    create ─► pending ─┬─ 확인 (claim won) ─► submitting ─► submitted | failed | unknown
                       ├─ 취소 ─► cancelled
                       └─ expiry sweep ─► expired
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum

from kisbot.clock import Clock
from kisbot.kis import Environment, Side, Venue
from kisbot.store.models import Confirmation
from kisbot.store.repos import ConfirmationRepo

logger = logging.getLogger(__name__)


class IntentState(StrEnum):
    PENDING = "pending"
    SUBMITTING = "submitting"  # claimed by the owner's 확인; the executor is running
    SUBMITTED = "submitted"
    FAILED = "failed"
    UNKNOWN = "unknown"  # sent, answer lost: settled later (orders reconcile)
    CANCELLED = "cancelled"  # the owner pressed 취소
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class Intent:
    """Something a user asked for and must confirm, as plain data."""

    id: str
    user_id: int
    kind: str
    state: IntentState
    environment: Environment | None = None  # the account it acts on, when it acts on one
    code: str = ""
    quantity: int | None = None
    price: int | None = None  # None: market order (order) or whole remainder (cancel)
    unit_price: Decimal | None = None  # an overseas limit, in the stock's currency
    order_type: str = ""  # limit, market, daytime (the US daytime session)
    side: Side | None = None
    venue: Venue | None = None  # where an order goes (None: not an order)
    target_order_no: str = ""
    chat_id: int | None = None
    message_id: int | None = None
    order_no: str = ""
    msg_cd: str = ""
    msg1: str = ""
    expires_at: datetime | None = None
    claimed_at: datetime | None = None
    progress: str = ""  # what KIS said of the submitted order since (kisbot.notices)
    filled_quantity: int = 0
    created_at: datetime | None = None

    @classmethod
    def from_row(cls, row: Confirmation) -> Intent:
        return cls(
            id=row.id,
            user_id=row.user_id,
            kind=row.kind,
            state=IntentState(row.state),
            environment=Environment(row.environment) if row.environment else None,
            code=row.code or "",
            quantity=row.quantity,
            price=row.price,
            unit_price=row.unit_price,
            order_type=row.order_type or "",
            side=Side(row.side) if row.side else None,
            venue=_venue(row),
            target_order_no=row.target_order_no or "",
            chat_id=row.chat_id,
            message_id=row.message_id,
            order_no=row.kis_order_no or "",
            msg_cd=row.msg_cd or "",
            msg1=row.msg1 or "",
            expires_at=_aware(row.expires_at),
            claimed_at=_aware(row.claimed_at),
            progress=row.progress or "",
            filled_quantity=row.filled_quantity or 0,
            created_at=_aware(row.created_at),
        )


@dataclass(frozen=True, slots=True)
class Executed:
    """What an executor reports: the state to record, and its own result for the caller."""

    state: IntentState  # SUBMITTED, FAILED or UNKNOWN
    result: object = None
    order_no: str = ""
    org_no: str = ""
    msg_cd: str = ""
    msg1: str = ""


class Verdict(StrEnum):
    """What became of a press on 확인 or 취소."""

    EXECUTED = "executed"  # the owner's 확인 won: the executor ran (see Press.result)
    DECLINED = "declined"  # the owner's 취소: nothing was done
    NOT_YOURS = "not_yours"  # someone else's press: nothing happens
    EXPIRED = "expired"
    ALREADY_DECLINED = "already_declined"
    ALREADY_DONE = "already_done"  # confirmed before (a second or concurrent press)
    GONE = "gone"  # no such confirmation (forgotten, or not one of ours)


# Presses that changed nothing.
REFUSALS = frozenset(
    {Verdict.NOT_YOURS, Verdict.EXPIRED, Verdict.ALREADY_DECLINED, Verdict.ALREADY_DONE,
     Verdict.GONE}
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Press:
    verdict: Verdict
    intent: Intent | None = None  # as it is after the press (None when GONE)
    result: object = None  # the executor's result (EXECUTED only)


Executor = Callable[[Intent], Awaitable[Executed]]


class Confirmations:
    """Creates intents and decides every press on them; features register their executors."""

    def __init__(self, repo: ConfirmationRepo, clock: Clock, ttl_seconds: float) -> None:
        self._repo = repo
        self._clock = clock
        self.ttl_seconds = ttl_seconds
        self._executors: dict[str, Executor] = {}

    def register(self, kind: str, executor: Executor) -> None:
        """Run `executor` for the owner's 확인 on intents of `kind` (one executor a kind)."""
        if kind in self._executors:
            raise ValueError(f"an executor for {kind!r} is registered already")
        self._executors[kind] = executor

    async def create(self, user_id: int, chat_id: int, kind: str, **fields: object) -> Intent:
        """A pending intent valid for the TTL; `fields` are what the executor needs."""
        if kind not in self._executors:
            raise ValueError(f"no executor for {kind!r}")
        row = await self._repo.create(user_id, kind, self.ttl_seconds, chat_id=chat_id, **fields)
        return Intent.from_row(row)

    async def attach_message(self, intent_id: str, chat_id: int, message_id: int) -> None:
        """Remember the message that shows the buttons, to edit it with the outcome."""
        await self._repo.set_message(intent_id, chat_id, message_id)

    async def get(self, intent_id: str) -> Intent | None:
        row = await self._repo.get(intent_id)
        return Intent.from_row(row) if row is not None else None

    async def confirm(self, intent_id: str, user_id: int) -> Press:
        """The 확인 press: the owner's first one runs the executor; every other changes nothing.

        If the executor fails, the intent is left `unknown` — never claimable again.
        """
        intent = await self._owned(intent_id, user_id)
        if isinstance(intent, Press):
            return intent
        if not await self._repo.claim(intent_id, user_id):
            return await self._why_not(intent_id)
        claimed = replace(intent, state=IntentState.SUBMITTING, claimed_at=self._clock.now())
        try:
            executed = await self._executors[intent.kind](claimed)
        except BaseException:
            # Whatever broke after the claim, the action may have happened: never claim it again.
            logger.exception("user=%s %s %s: outcome unknown", user_id, intent.kind, intent.id)
            await self._repo.record_outcome(intent.id, IntentState.UNKNOWN, msg_cd="internal")
            raise
        await self._repo.record_outcome(
            intent.id, executed.state, kis_order_no=executed.order_no or None,
            kis_org_no=executed.org_no or None, msg_cd=executed.msg_cd or None,
            msg1=executed.msg1 or None,
        )  # fmt: skip
        done = replace(
            claimed, state=executed.state, order_no=executed.order_no, msg_cd=executed.msg_cd,
            msg1=executed.msg1,
        )  # fmt: skip
        return Press(Verdict.EXECUTED, done, executed.result)

    async def decline(self, intent_id: str, user_id: int) -> Press:
        """The 취소 press: the owner's ends the intent and nothing is done."""
        intent = await self._owned(intent_id, user_id)
        if isinstance(intent, Press):
            return intent
        if intent.state is IntentState.PENDING and self._expired(intent):
            return Press(Verdict.EXPIRED, intent)
        if await self._repo.cancel(intent_id, user_id):
            return Press(Verdict.DECLINED, replace(intent, state=IntentState.CANCELLED))
        return await self._why_not(intent_id)

    async def expire_due(self) -> list[Intent]:
        """Every pending intent past its expiry, now expired (to take its buttons away)."""
        return [Intent.from_row(row) for row in await self._repo.expire_due()]

    async def record(self, intent_id: str, state: IntentState, **outcome: str) -> bool:
        """Record a later outcome on an `unknown` intent (reconciliation); True if it changed."""
        values = {key: value or None for key, value in outcome.items()}
        return await self._repo.record_outcome(intent_id, state, **values)

    async def unknown(self, user_id: int | None = None) -> list[Intent]:
        """Intents whose outcome is unknown (all, or one user's), oldest first."""
        return [Intent.from_row(row) for row in await self._repo.list_unknown(user_id)]

    async def abandon_claims(self, claimed_before: datetime, msg_cd: str) -> int:
        """Move intents claimed before then and never recorded (their process died) to unknown."""
        return await self._repo.abandon_submits(claimed_before, msg_cd)

    async def order_numbers(self, user_id: int) -> set[str]:
        """KIS order numbers the user's intents hold already (leading zeros dropped)."""
        return {number.lstrip("0") for number in await self._repo.order_numbers(user_id)}

    async def submitted_since(
        self,
        kinds: tuple[str, ...],
        since: datetime,
        *,
        unfinished: tuple[str, ...] | None = None,
        user_id: int | None = None,
    ) -> list[Intent]:
        """Submitted intents of these kinds made since then (all users', or one's; with
        `unfinished`: whose progress is none of those), oldest first."""
        rows = await self._repo.submitted_since(
            kinds, since, unfinished=unfinished, user_id=user_id
        )
        return [Intent.from_row(row) for row in rows]

    async def submitting(self, user_id: int) -> int:
        """How many of the user's intents are being carried out right now (claimed, no answer
        recorded yet)."""
        return await self._repo.count_submitting(user_id)

    async def advance_progress(
        self, intent_id: str, progress: str, filled_quantity: int, finals: tuple[str, ...]
    ) -> bool:
        """Record a submitted intent's later progress, forward only; True if it changed."""
        return await self._repo.advance_progress(intent_id, progress, filled_quantity, finals)

    async def _owned(self, intent_id: str, user_id: int) -> Intent | Press:
        row = await self._repo.get(intent_id)
        if row is None or row.kind not in self._executors:
            return Press(Verdict.GONE)
        intent = Intent.from_row(row)
        if intent.user_id != user_id:
            return Press(Verdict.NOT_YOURS, intent)
        return intent

    async def _why_not(self, intent_id: str) -> Press:
        intent = await self.get(intent_id)
        if intent is None:
            return Press(Verdict.GONE)
        if intent.state is IntentState.EXPIRED or (
            intent.state is IntentState.PENDING and self._expired(intent)
        ):
            return Press(Verdict.EXPIRED, intent)
        if intent.state is IntentState.CANCELLED:
            return Press(Verdict.ALREADY_DECLINED, intent)
        return Press(Verdict.ALREADY_DONE, intent)

    def _expired(self, intent: Intent) -> bool:
        return intent.expires_at is not None and intent.expires_at <= self._clock.now()


def _venue(row: Confirmation) -> Venue | None:
    if row.venue:
        return Venue(row.venue)
    return Venue.KRX if row.kind == "order" else None  # orders from before venues: KRX


def _aware(moment: datetime | None) -> datetime | None:
    # SQLite returns naive UTC; PostgreSQL aware times.
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)
