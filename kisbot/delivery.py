"""Sending what the outbox holds (fired alerts, order notices): once, retried on failure, held
for a blocked user.

Each message is owned for its own send (`OutboxRepo.send_lock`, then `start_sending`, committed
before the send), so a process killed mid-delivery leaves at most the one message it was
sending in doubt; the next process to look sends that one again at once, with
`possible_repeat` set so the user is told, and the rest as usual. Telegram cannot be asked
whether a message arrived, so a message in doubt is resent rather than risk losing it.

The transport (Telegram) is passed in as `send`, which says how one attempt went; this module
knows only the outbox and what each outcome means for it:

- SENT: marked delivered (never sent again);
- RETRY: counted and tried again on a later tick (after `retry_after` seconds if given, as
  Telegram's RetryAfter asks);
- BLOCKED: the user blocked the bot, so the message is held and their alerts paused, not
  deleted; both come back when the user does (`resume_user`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum

from kisbot.alerts.messages import FiredAlert
from kisbot.clock import Clock
from kisbot.notices import OrderNotice, is_notice_payload
from kisbot.store.models import OutboxMessage
from kisbot.store.repos import AlertRepo, OutboxRepo

logger = logging.getLogger(__name__)

BATCH = 100


class Outcome(Enum):
    SENT = "sent"
    RETRY = "retry"
    BLOCKED = "blocked"


@dataclass(frozen=True, slots=True)
class Attempt:
    """How one send went; `error` is a short, secret-free description."""

    outcome: Outcome
    error: str = ""
    retry_after: float | None = None
    maybe_delivered: bool = False  # RETRY after a timeout: it may have arrived all the same


@dataclass(frozen=True, slots=True)
class PushMessage:
    """One outbox message as the sender sees it: where, and what (rendered at delivery)."""

    id: int
    user_id: int
    chat_id: int
    text: str  # language-neutral fallback when there is neither `fired` nor `notice`
    fired: FiredAlert | None
    possible_repeat: bool  # its sender died mid-send: the user may have it already
    notice: OrderNotice | None = None
    reply_to_message_id: int | None = None  # the order's confirmation message

    @classmethod
    def from_row(cls, row: OutboxMessage) -> PushMessage:
        fired = notice = None
        if row.payload and is_notice_payload(row.payload):
            notice = OrderNotice.from_json(row.payload)
        elif row.payload:
            fired = FiredAlert.from_json(row.payload)
        return cls(
            row.id,
            row.user_id,
            row.chat_id,
            row.text,
            fired,
            row.possible_repeat,
            notice,
            row.reply_to_message_id,
        )


Sender = Callable[[PushMessage], Awaitable[Attempt]]


@dataclass(slots=True)
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    blocked: int = 0
    repeats: int = 0  # resent after their sender died mid-send (counted in the three above too)


async def deliver_due(
    outbox: OutboxRepo,
    alerts: AlertRepo,
    send: Sender,
    clock: Clock,
    keep_going: Callable[[], bool] = lambda: True,
) -> DeliveryReport:
    """Send every due outbox message that no other live process is sending.

    `keep_going` is asked before each message; when it says no (the bot is stopping), the
    rest stay due for the next run, so a long round never holds up a shutdown.
    """
    report = DeliveryReport()
    for message_id in await outbox.due_ids(BATCH):
        if not keep_going():
            break
        async with outbox.send_lock(message_id) as mine:
            if not mine:
                continue  # another process is sending it right now
            row = await outbox.start_sending(message_id)
            if row is None:
                continue  # delivered or held meanwhile
            message = PushMessage.from_row(row)
            if message.possible_repeat:
                report.repeats += 1
                logger.warning(
                    "outbox message %s resent marked as a possible repeat (a process died while "
                    "sending it)",
                    message.id,
                )
            attempt = await _attempt(send, message)
            await _record(outbox, alerts, message, attempt, clock)
        if attempt.outcome is Outcome.SENT:
            report.sent += 1
        elif attempt.outcome is Outcome.BLOCKED:
            report.blocked += 1
        else:
            report.retried += 1
    return report


async def _attempt(send: Sender, message: PushMessage) -> Attempt:
    try:
        return await send(message)
    except Exception as error:  # a surprise in one send must not lose the others
        return Attempt(Outcome.RETRY, type(error).__name__)


async def _record(
    outbox: OutboxRepo, alerts: AlertRepo, message: PushMessage, attempt: Attempt, clock: Clock
) -> None:
    if attempt.outcome is Outcome.SENT:
        await outbox.mark_delivered(message.id)
        return
    if attempt.outcome is Outcome.BLOCKED:
        await outbox.hold(message.id, attempt.error or "blocked")
        paused = await alerts.pause_user(message.user_id)
        logger.info("user=%s blocked the bot: %d alerts paused", message.user_id, paused)
        return
    retry_at = clock.now() + timedelta(seconds=attempt.retry_after) if attempt.retry_after else None
    await outbox.attempt_failed(
        message.id, attempt.error or "failed", retry_at, maybe_delivered=attempt.maybe_delivered
    )
    logger.info("user=%s message not delivered (%s); retried later", message.user_id, attempt.error)


async def resume_user(outbox: OutboxRepo, alerts: AlertRepo, user_id: int) -> int:
    """The user is back: their paused alerts are active again and held messages due; how many
    alerts resumed."""
    await outbox.release_held(user_id)
    return await alerts.resume_user(user_id)


class Doorbell:
    """Rung when this process queued a message, so delivery starts at once rather than at the
    next round (a fill notice or a tick alert is due within seconds)."""

    def __init__(self) -> None:
        self._rung = asyncio.Event()

    def ring(self) -> None:
        self._rung.set()

    async def wait(self, timeout: float) -> bool:  # noqa: ASYNC109
        """Wait up to `timeout` seconds for a ring; whether it rang (and silence it)."""
        try:
            await asyncio.wait_for(self._rung.wait(), timeout)
        except TimeoutError:
            return False
        self._rung.clear()
        return True


class Delivery:
    """The outbox's side of the core: deliver what is due, and welcome back a user who had
    blocked the bot."""

    def __init__(self, outbox: OutboxRepo, alerts: AlertRepo, clock: Clock) -> None:
        self._outbox = outbox
        self._alerts = alerts
        self._clock = clock

    async def deliver(
        self, send: Sender, keep_going: Callable[[], bool] | None = None
    ) -> DeliveryReport:
        """Hand every due message this process can claim to `send`, once each (until
        `keep_going` says the bot is stopping)."""
        return await deliver_due(
            self._outbox, self._alerts, send, self._clock, keep_going or (lambda: True)
        )

    async def resume(self, user_id: int) -> int:
        """The user wrote again after blocking the bot: their held messages are due and their
        paused alerts active again; how many alerts resumed."""
        return await resume_user(self._outbox, self._alerts, user_id)
