"""Order notices: every acceptance, fill, rejection, modify and cancel of a user's orders, once.

Two sources feed one path. KIS's WebSocket notices (H0STCNI0/9) arrive through
`kisbot.realtime`; without them (no HTS ID, KISBOT_REALTIME=false, or the session down), a
polling round reads today's orders while kisbot's own orders are open. Either way a notice goes
into the outbox under a key — user, day, order number, kind, quantity (for fills: the cumulative
filled quantity KIS reports) — that the outbox's unique index holds once, so a frame KIS sends
again after a reconnect, or a poll that sees what a frame said, sends nothing twice.

Fills are counted by KIS, not by adding up frames: a fill notice makes the service read that
order's line of today's orders (one call, at the user's priority) and report its cumulative
filled quantity and average price. Two quick fills may come out as one message ("10/10") rather
than two; none is lost, and the numbers are KIS's.

For an order kisbot submitted, the notice is linked to its confirmation: the message replies to
it, and the confirmation's progress (접수 → 부분체결 → 체결완료 / 거부 / 취소) moves forward only.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime, time, timedelta
from decimal import Decimal

from kisbot.accounts import Accounts
from kisbot.clock import KST, Clock
from kisbot.confirmations import Confirmations, Intent
from kisbot.kis import Environment, KisClient, KisError, OrderRecord, OrderState, Priority
from kisbot.kis.overseas import OverseasOrderRecord
from kisbot.kis.realtime import Notice, NoticeKind
from kisbot.market_hours import KrxCalendar
from kisbot.notices.models import FINAL, OrderNotice, Progress
from kisbot.orders.models import MODIFY, ORDER
from kisbot.orders.parsing import same_order_no
from kisbot.owners import EveryKey, KeyOwners
from kisbot.securities import overseas_key
from kisbot.store.repos import OutboxRepo

logger = logging.getLogger(__name__)

ChatLookup = Callable[[Iterable[int]], Awaitable[dict[int, int]]]
# The live connection carrying a user's notices for an account (new number, new connection).
NoticesLive = Callable[[int, Environment], int | None]

_ORDER_KINDS = (ORDER, MODIFY)  # intents that place an order at KIS (a modify: a new number)
_ABROAD_LOOKBACK = timedelta(days=2)  # a US order placed in the evening (KST) fills overnight
# A fill KIS announced but its order list does not show yet is read again after these waits.
RECHECK_DELAYS = (0.5, 1.0, 2.0, 4.0)


class Notices:
    """Turns what KIS says about users' orders into outbox messages, each once."""

    def __init__(
        self,
        outbox: OutboxRepo,
        confirmations: Confirmations,
        accounts: Accounts,
        chats: ChatLookup,
        calendar: KrxCalendar,
        clock: Clock,
        *,
        market_hours_only: bool = True,
        owners: KeyOwners | None = None,
        on_queued: Callable[[], None] = lambda: None,
        recheck_delays: Sequence[float] = RECHECK_DELAYS,
    ) -> None:
        self._outbox = outbox
        self._confirmations = confirmations
        self._accounts = accounts
        self._chats = chats
        self._calendar = calendar
        self._clock = clock
        self._market_hours_only = market_hours_only
        self._owners: KeyOwners = owners or EveryKey()
        self._on_queued = on_queued
        self._recheck_delays = tuple(recheck_delays)
        self._rechecks: set[asyncio.Task[None]] = set()
        # The connection each account's orders were last read through (poll_round).
        self._read_on: dict[tuple[int, Environment], int] = {}

    # -- from the WebSocket -----------------------------------------------------------------

    async def on_notice(self, user_id: int, environment: Environment, notice: Notice) -> int:
        """Report one notice KIS sent about this user's account; how many messages it queued."""
        if notice.kind is NoticeKind.FILLED:
            queued = await self.check_fills(user_id, environment, {notice.order_no})
            if not queued:
                # KIS's order list may lag its notice by a moment: look again shortly.
                self._recheck_later(user_id, environment, notice.order_no)
            return queued
        intent = await self._intent_for(user_id, environment, _subject(notice))
        if intent is None and notice.kind in (NoticeKind.ACCEPTED, NoticeKind.REJECTED):
            intent = await self._intent_being_recorded(user_id, environment, notice.order_no)
        return await self._report(user_id, _from_notice(notice, environment, intent, self._now()))

    # -- from today's orders (a fill notice, or polling) -----------------------------------

    async def check_fills(
        self,
        user_id: int,
        environment: Environment,
        order_nos: set[str] | None = None,
        *,
        fills_only: bool = False,
        abroad_only: bool = False,
    ) -> int:
        """Read today's orders and report what changed on these orders (default: kisbot's own
        open ones, at KRX and abroad); how many messages it queued. `fills_only`: leave
        rejections and cancels to the WebSocket's notices (their quantities may be counted
        differently). `abroad_only`: the KRX ones are in the WebSocket's hands."""
        client = await self._accounts.client_for(user_id, environment)
        if client is None:
            return 0
        if order_nos is None and not self._owners.owns(client.credential):
            return 0  # polling: the key's owner process reads it
        intents = await self._open_intents(user_id, environment)
        abroad = [i for i in intents if overseas_key(i.code) is not None]
        queued = 0
        if order_nos is None and abroad:
            queued += await self._check_abroad(user_id, environment, client, abroad)
        if abroad_only:
            return queued
        wanted = (
            order_nos if order_nos is not None else {i.order_no for i in intents if i not in abroad}
        )
        if not wanted:
            return queued
        records = await client.todays_orders(priority=Priority.BACKGROUND)
        for record in records:
            if not any(same_order_no(record.order_no, number) for number in wanted):
                continue
            intent = await self._intent_for(user_id, environment, record.order_no)
            notice = _from_record(record, environment, intent, self._now())
            if notice is not None and not (fills_only and notice.kind is not NoticeKind.FILLED):
                queued += await self._report(user_id, notice)
        return queued

    async def _check_abroad(
        self, user_id: int, environment: Environment, client: KisClient, intents: list[Intent]
    ) -> int:
        """Orders abroad: no WebSocket carries their notices here, so their list is read (the
        last two local days) and what changed is reported like a notice."""
        wanted = {i.order_no for i in intents if i.order_no}
        if not wanted:
            return 0
        queued = 0
        for record in await client.overseas.recent_orders(priority=Priority.BACKGROUND):
            if not any(same_order_no(record.order_no, number) for number in wanted):
                continue
            intent = next(i for i in intents if same_order_no(i.order_no, record.order_no))
            notice = _from_overseas_record(record, environment, intent, self._now())
            if notice is not None:
                queued += await self._report(user_id, notice)
        return queued

    async def poll_round(self, live: NoticesLive, keep_going: Callable[[], bool]) -> int:
        """The polling fallback: for every user with kisbot orders still open today whose
        notices no live WebSocket carries, read today's orders once; messages queued.

        A connection that starts carrying a user's notices is read through once as well: what
        KIS announced before it (while the last one was down, or while another process owned
        the key) reached no one. Mock accounts are read even with live notices, for fills only:
        KIS's mock server is reported to drop notices (kis-api.md §7.3), and a fill read twice
        is queued once.
        """
        # Orders fill whenever a venue trades (NXT until 20:00), and abroad at night: while
        # KRX and NXT are closed only accounts with orders abroad are read.
        krx_closed = self._market_hours_only and not self._calendar.any_trading(self._clock.now())
        since = self._start_of_day() - _ABROAD_LOOKBACK
        owners = {
            (intent.user_id, intent.environment)
            for intent in await self._confirmations.submitted_since(
                _ORDER_KINDS, since, unfinished=FINAL
            )
            if intent.environment is not None
            and (not krx_closed or overseas_key(intent.code) is not None)
        }
        queued = 0
        for user_id, environment in sorted(owners):
            if not keep_going():
                break
            connection = live(user_id, environment)
            account = (user_id, environment)
            caught_up = connection is not None and self._read_on.get(account) == connection
            # The WebSocket carries KRX's notices only: orders abroad are read all the same.
            only_abroad = krx_closed or (caught_up and not environment.is_mock)
            try:
                queued += await self.check_fills(
                    user_id, environment, fills_only=caught_up, abroad_only=only_abroad
                )
                if connection is not None:
                    self._read_on[account] = connection
            except KisError as error:
                logger.info("user=%s order check postponed: %s", user_id, type(error).__name__)
        return queued

    async def aclose(self) -> None:
        """Stop waiting rechecks (the bot is stopping; polling or KIS will tell again)."""
        for task in list(self._rechecks):
            task.cancel()
        await asyncio.gather(*self._rechecks, return_exceptions=True)

    # -- one message ------------------------------------------------------------------------

    async def _report(self, user_id: int, notice: OrderNotice) -> int:
        intent = await self._confirmations.get(notice.intent_id) if notice.intent_id else None
        key = _dedupe_key(user_id, notice)
        if intent is not None and intent.chat_id is not None:
            chat_id, reply_to = intent.chat_id, intent.message_id
        else:
            chat_id, reply_to = (await self._chats([user_id]))[user_id], None
        queued = await self._outbox.enqueue_once(
            key,
            user_id,
            chat_id,
            notice.plain_text(),
            payload=notice.to_json(),
            reply_to_message_id=reply_to,
        )
        if intent is not None:
            # After the message is queued: a crash between the two leaves the confirmation a
            # step behind, and the next notice moves it on.
            await self._confirmations.advance_progress(
                intent.id, notice.progress.value, _filled(notice, intent), FINAL
            )
        if queued:
            self._on_queued()
            logger.info("user=%s order notice %s queued", user_id, notice.kind.value)
        return int(queued)

    def _recheck_later(self, user_id: int, environment: Environment, order_no: str) -> None:
        task = asyncio.create_task(self._recheck(user_id, environment, order_no))
        self._rechecks.add(task)
        task.add_done_callback(self._rechecks.discard)

    async def _recheck(self, user_id: int, environment: Environment, order_no: str) -> None:
        for delay in self._recheck_delays:
            await self._clock.sleep(delay)
            try:
                if await self.check_fills(user_id, environment, {order_no}):
                    return
            except KisError as error:
                logger.info("user=%s fill recheck failed: %s", user_id, type(error).__name__)
        logger.warning("user=%s a fill KIS announced is not in its order list yet", user_id)

    async def _intent_being_recorded(
        self, user_id: int, environment: Environment, order_no: str
    ) -> Intent | None:
        """KIS may announce an order before its REST answer reaches kisbot: while one of the
        user's confirmations is still being submitted, wait a moment for its order number."""
        for delay in self._recheck_delays:
            if not await self._confirmations.submitting(user_id):
                break
            await self._clock.sleep(delay)
        return await self._intent_for(user_id, environment, order_no)

    async def _open_intents(self, user_id: int, environment: Environment) -> list[Intent]:
        """kisbot's orders still open: today's at KRX, and the last days' abroad (a US order
        placed in the evening fills after midnight, KST)."""
        intents = await self._confirmations.submitted_since(
            _ORDER_KINDS,
            self._start_of_day() - _ABROAD_LOOKBACK,
            unfinished=FINAL,
            user_id=user_id,
        )
        today = self._start_of_day()
        return [
            i
            for i in intents
            if i.environment is environment
            and (overseas_key(i.code) is not None or (i.created_at or today) >= today)
        ]

    async def _intent_for(
        self, user_id: int, environment: Environment, order_no: str
    ) -> Intent | None:
        if not order_no:
            return None
        intents = await self._confirmations.submitted_since(
            _ORDER_KINDS, self._start_of_day(), user_id=user_id
        )
        return next(
            (
                i
                for i in intents
                if i.environment is environment and same_order_no(i.order_no, order_no)
            ),
            None,
        )

    def _now(self) -> datetime:
        return self._clock.now()

    def _start_of_day(self) -> datetime:
        today = self._clock.now().astimezone(KST).date()
        return datetime.combine(today, time(0), KST)


def _subject(notice: Notice) -> str:
    """The order a notice is about: a modify or cancel acts on the original order."""
    if notice.kind in (NoticeKind.MODIFIED, NoticeKind.CANCELLED) and notice.original_order_no:
        return notice.original_order_no
    return notice.order_no


_PROGRESS_OF = {
    NoticeKind.ACCEPTED: Progress.ACCEPTED,
    NoticeKind.REJECTED: Progress.REJECTED,
    NoticeKind.MODIFIED: Progress.MODIFIED,
    NoticeKind.CANCELLED: Progress.CANCELLED,
}


def _from_notice(
    notice: Notice, environment: Environment, intent: Intent | None, now: datetime
) -> OrderNotice:
    return OrderNotice(
        kind=notice.kind,
        progress=_PROGRESS_OF[notice.kind],
        environment=environment,
        order_no=_subject(notice),
        code=notice.code,
        name=notice.name,
        side=notice.side,
        quantity=notice.quantity,
        order_quantity=notice.order_quantity,
        price=Decimal(notice.price),
        at=notice.at or now,
        intent_id=intent.id if intent else None,
    )


def _from_overseas_record(
    record: OverseasOrderRecord, environment: Environment, intent: Intent, now: datetime
) -> OrderNotice | None:
    """What an order line abroad says that a notice would: its fills, or its end."""
    common = {
        "environment": environment,
        "order_no": record.order_no,
        "code": intent.code,  # the security key (NAS.AAPL): prices are shown in its currency
        "name": record.name,
        "side": record.side,
        "order_quantity": record.quantity,
        # The order's own time, not the poll's: a fill read again after midnight (KST) is the
        # same notice, and the notice's day is part of what keeps it to one message.
        "at": record.ordered_at or now,
        "intent_id": intent.id,
    }
    state = record.state
    if record.filled_quantity > 0:
        progress = {
            OrderState.FILLED: Progress.FILLED,
            OrderState.CANCELLED: Progress.CANCELLED,
        }.get(state, Progress.PARTIAL)
        return OrderNotice(
            kind=NoticeKind.FILLED, progress=progress, quantity=record.filled_quantity,
            price=record.avg_fill_price, **common,
        )  # fmt: skip
    if state is OrderState.REJECTED:
        return OrderNotice(
            kind=NoticeKind.REJECTED, progress=Progress.REJECTED, quantity=record.quantity,
            price=record.price, **common,
        )  # fmt: skip
    if state is OrderState.CANCELLED:
        return OrderNotice(
            kind=NoticeKind.CANCELLED, progress=Progress.CANCELLED, quantity=record.quantity,
            price=record.price, **common,
        )  # fmt: skip
    return None


def _from_record(
    record: OrderRecord, environment: Environment, intent: Intent | None, now: datetime
) -> OrderNotice | None:
    """What today's order line says that a notice would: its fills, or its end (polling)."""
    common = {
        "environment": environment,
        "order_no": record.order_no,
        "code": record.code,
        "name": record.name,
        "side": record.side,
        "order_quantity": record.quantity,
        "at": now,
        "intent_id": intent.id if intent else None,
    }
    if record.filled_quantity > 0:
        full = record.quantity and record.filled_quantity >= record.quantity
        progress = Progress.FILLED if full else Progress.PARTIAL
        if not full and record.remaining_quantity == 0 and record.cancelled:
            progress = Progress.CANCELLED
        return OrderNotice(
            kind=NoticeKind.FILLED,
            progress=progress,
            quantity=record.filled_quantity,
            price=record.avg_fill_price,
            **common,
        )
    if record.rejected_quantity:
        return OrderNotice(
            kind=NoticeKind.REJECTED,
            progress=Progress.REJECTED,
            quantity=record.quantity,
            price=Decimal(record.price),
            **common,
        )
    if record.cancelled and record.remaining_quantity == 0:
        return OrderNotice(
            kind=NoticeKind.CANCELLED,
            progress=Progress.CANCELLED,
            quantity=record.cancelled_quantity or record.quantity,
            price=Decimal(record.price),
            **common,
        )
    return None


def _filled(notice: OrderNotice, intent: Intent) -> int:
    if notice.kind is NoticeKind.FILLED:
        return notice.quantity
    return intent.filled_quantity


def _dedupe_key(user_id: int, notice: OrderNotice) -> str:
    """user, day, order number, kind, quantity: what makes one notice one message."""
    day = notice.at.astimezone(KST).strftime("%Y%m%d")
    number = notice.order_no.lstrip("0") or "0"
    return (
        f"notice:{user_id}:{notice.environment.value}:{day}:{number}:{notice.kind.value}:"
        f"{notice.quantity}"
    )
