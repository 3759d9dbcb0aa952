"""Orders, cancels and modifies in two steps: draft → confirm exactly once → submit → record.

Transport-neutral: callers pass what the user typed and who they are, and get plain dataclasses
back; anything the user can put right is a `Problem` with a `trading.*` key. The store's
conditional claim (pending → submitting) decides the single press that may submit; the winner
sends once and records what KIS said. A lost answer leaves the intent `unknown`, and
`reconcile` later settles it against today's orders — never by sending again.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import select

from kisbot.accounts import Accounts
from kisbot.clock import KST
from kisbot.kis import (
    BuyingPower,
    Credential,
    Environment,
    KisClient,
    KisError,
    KisNotSupportedInMock,
    KisOutcomeUnknown,
    KisRefusal,
    KisUnavailable,
    OpenOrder,
    OrderReceipt,
    OrderRecord,
    PriceProblem,
    Quote,
    Side,
    is_stock_code,
    nearest_valid_prices,
)
from kisbot.problems import Problem
from kisbot.services import Services
from kisbot.store.models import Confirmation

logger = logging.getLogger(__name__)

MAX_QUANTITY = 1_000_000
MAX_PRICE = 100_000_000
RECONCILE_GRACE = timedelta(seconds=90)  # an order KIS took shows up in its list well before
_CLOCK_SLACK = timedelta(seconds=5)  # ord_tmd has whole seconds, and clocks differ a little
_LATE_SLACK = timedelta(seconds=60)  # limiter and token waits between claim and arrival
ORDER, CANCEL, MODIFY = "order", "cancel", "modify"
KINDS = (ORDER, CANCEL, MODIFY)
_NUMBER = re.compile(r"[0-9]{1,3}(,[0-9]{3})+|[0-9]+")
_MARKET_WORDS = {"시장가", "market", "mkt"}


class Verdict(StrEnum):
    """What became of a press on 확인 or 취소."""

    SUBMITTED = "submitted"  # KIS took it: order_no
    FAILED = "failed"  # KIS refused it: msg_cd, msg1
    UNKNOWN = "unknown"  # sent, answer lost: reconcile later
    NOT_SENT = "not_sent"  # KIS could not be reached; nothing went out
    ENV_CHANGED = "env_changed"  # the user switched accounts since; nothing went out
    NOT_OPEN = "not_open"  # the order to cancel or modify is no longer open
    DECLINED = "declined"  # the owner pressed 취소
    NOT_YOURS = "not_yours"  # another user's press: nothing happens
    EXPIRED = "expired"
    CANCELLED = "cancelled"  # pressed after 취소
    DONE = "done"  # already confirmed (a second or concurrent press)
    MISSING = "missing"  # no such confirmation


# Presses that changed nothing: the answer is a short toast.
REFUSED = frozenset(
    {Verdict.NOT_YOURS, Verdict.EXPIRED, Verdict.CANCELLED, Verdict.DONE, Verdict.MISSING}
)


@dataclass(frozen=True, slots=True)
class Intent:
    """A confirmation row of this feature, as plain data."""

    id: str
    user_id: int
    kind: str
    state: str
    environment: Environment
    code: str
    quantity: int | None
    price: int | None  # None: market order (order) or whole remainder (cancel)
    side: Side | None = None
    target_order_no: str = ""
    chat_id: int | None = None
    message_id: int | None = None
    order_no: str = ""
    msg_cd: str = ""
    msg1: str = ""
    expires_at: datetime | None = None
    claimed_at: datetime | None = None

    @classmethod
    def from_row(cls, row: Confirmation) -> Intent:
        return cls(
            id=row.id,
            user_id=row.user_id,
            kind=row.kind,
            state=row.state,
            environment=Environment(row.environment or "mock"),
            code=row.code or "",
            quantity=row.quantity,
            price=row.price,
            side=Side(row.side) if row.side else None,
            target_order_no=row.target_order_no or "",
            chat_id=row.chat_id,
            message_id=row.message_id,
            order_no=row.kis_order_no or "",
            msg_cd=row.msg_cd or "",
            msg1=row.msg1 or "",
            expires_at=_aware(row.expires_at),
            claimed_at=_aware(row.claimed_at),
        )


@dataclass(frozen=True, slots=True)
class OrderDraft:
    """A pending buy or sell and what its summary shows."""

    intent: Intent
    name: str | None
    quote: Quote
    amount: int  # quantity x price; for a market order an estimate at the current price
    buying_power: BuyingPower | None  # buys only

    @property
    def is_market(self) -> bool:
        return self.intent.price is None

    @property
    def exceeds_buying_power(self) -> bool:
        power = self.buying_power
        return power is not None and (self.intent.quantity or 0) > power.max_quantity


@dataclass(frozen=True, slots=True)
class ChangeDraft:
    """A pending cancel or modify of an open order."""

    intent: Intent
    order: OpenOrder
    quantity: int  # shares it acts on
    whole: bool  # the whole open remainder


@dataclass(frozen=True, slots=True)
class Outcome:
    verdict: Verdict
    intent: Intent | None = None
    order_no: str = ""
    msg_cd: str = ""
    msg1: str = ""


@dataclass(frozen=True, slots=True)
class Expired:
    """A confirmation that expired unanswered (any kind; `intent` for this feature's)."""

    kind: str
    user_id: int
    chat_id: int | None
    message_id: int | None
    intent: Intent | None


@dataclass(frozen=True, slots=True)
class Settled:
    """An unknown intent that reconciliation settled: found (order_no) or not placed."""

    intent: Intent
    found: bool


@dataclass(frozen=True, slots=True)
class TodaysOrders:
    environment: Environment
    records: list[OrderRecord]
    settled: list[Settled]
    unsettled: list[Intent]  # still unknown: being checked


# -- reading what the user typed ---------------------------------------------------------------


def parse_quantity(text: str) -> int:
    """A share count: 1..1,000,000, thousands commas and a trailing 주 allowed."""
    number = _whole_number(text.removesuffix("주"))
    if number is None or not 1 <= number <= MAX_QUANTITY:
        raise Problem("trading.bad_quantity", text=text, max=f"{MAX_QUANTITY:,}")
    return number


def parse_price(text: str) -> int | None:
    """A limit price in won (commas and a trailing 원 allowed); None for 시장가/market."""
    if text.strip().lower() in _MARKET_WORDS:
        return None
    number = _whole_number(text.removesuffix("원"))
    if number is None or not 1 <= number <= MAX_PRICE:
        raise Problem("trading.bad_price", text=text)
    return number


def parse_order_no(text: str) -> str:
    """An order number as digits (leading zeros kept; compare with `same_order_no`)."""
    digits = text.strip()
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 20 or not digits.strip("0"):
        raise Problem("trading.bad_order_no", text=text)
    return digits


def same_order_no(a: str, b: str) -> bool:
    return a.strip().lstrip("0") == b.strip().lstrip("0")


def _whole_number(text: str) -> int | None:
    text = text.strip()
    return int(text.replace(",", "")) if _NUMBER.fullmatch(text) else None


class Orders:
    """The trading service over the store, the symbols and the user's KIS client."""

    def __init__(self, services: Services) -> None:
        self._services = services
        self._repo = services.database.confirmations
        self._accounts = Accounts(services)

    # -- drafting -------------------------------------------------------------------------

    async def resolve(self, text: str) -> tuple[str, str | None]:
        """(code, name) for a code or an exact Korean name; Problem otherwise."""
        directory = await self._services.symbols.get()
        upper = text.strip().upper()
        if upper.isdigit() and len(upper) != 6:
            raise Problem("trading.bad_code", text=text)
        if is_stock_code(upper):
            symbol = directory.by_code(upper)
            return upper, symbol.name if symbol else None
        if not directory.available:
            raise Problem("trading.names_unavailable", text=text)
        match = directory.lookup(text)
        if match.exact is not None:
            return match.exact.code, match.exact.name
        if not match.candidates:
            raise Problem("trading.unknown_name", text=text)
        choices = ", ".join(f"{s.name}({s.code})" for s in match.candidates[:5])
        raise Problem("trading.ambiguous_name", text=text, choices=choices)

    async def draft_order(
        self,
        user_id: int,
        chat_id: int,
        side: Side,
        code: str,
        quantity: int,
        price: int | None,
        name: str | None = None,
    ) -> OrderDraft:
        """Check the price against a fresh quote, then create the pending intent."""
        credential = await self._accounts.active_credential(user_id)
        client = self._services.kis.client(credential)
        quote = await client.quote(code)
        if price is not None:
            _check_price(quote, price)
        power = await client.buying_power(code, price) if side is Side.BUY else None
        row = await self._create(
            user_id, chat_id, ORDER, credential,
            side=side.value, code=code, quantity=quantity, price=price,
            order_type="limit" if price is not None else "market",
        )  # fmt: skip
        amount = quantity * (price if price is not None else quote.price)
        return OrderDraft(Intent.from_row(row), name, quote, amount, power)

    async def draft_cancel(
        self, user_id: int, chat_id: int, order_no: str, quantity: int | None = None
    ) -> ChangeDraft:
        """A pending cancel of the open remainder (or `quantity` of it)."""
        credential, order = await self._open_order(user_id, order_no)
        if quantity is not None and quantity > order.cancellable_quantity:
            raise Problem(
                "trading.cancel_too_many", order_no=order.order_no,
                open=f"{order.cancellable_quantity:,}", asked=f"{quantity:,}",
            )  # fmt: skip
        whole = quantity is None or quantity == order.cancellable_quantity
        row = await self._create(
            user_id, chat_id, CANCEL, credential, side=_side_value(order), code=order.code,
            quantity=None if whole else quantity, target_order_no=order.order_no,
        )  # fmt: skip
        acted = order.cancellable_quantity if whole else quantity or 0
        return ChangeDraft(Intent.from_row(row), order, acted, whole)

    async def draft_modify(
        self, user_id: int, chat_id: int, order_no: str, price: int
    ) -> ChangeDraft:
        """A pending 정정 of an open limit order's price (whole remainder)."""
        credential, order = await self._open_order(user_id, order_no)
        if order.price <= 0:
            raise Problem("trading.modify_market", order_no=order.order_no)
        if price == order.price:
            raise Problem("trading.modify_same", order_no=order.order_no, price=f"{price:,}")
        quote = await self._services.kis.client(credential).quote(order.code)
        _check_price(quote, price)
        row = await self._create(
            user_id, chat_id, MODIFY, credential, side=_side_value(order), code=order.code,
            price=price, target_order_no=order.order_no,
        )  # fmt: skip
        return ChangeDraft(Intent.from_row(row), order, order.cancellable_quantity, True)

    async def attach_message(self, intent_id: str, chat_id: int, message_id: int) -> None:
        await self._repo.set_message(intent_id, chat_id, message_id)

    # -- the buttons ----------------------------------------------------------------------

    async def confirm(self, intent_id: str, user_id: int) -> Outcome:
        """The owner pressed 확인: submit exactly once; every other press changes nothing."""
        row = await self._repo.get(intent_id)
        if row is None or row.kind not in KINDS:
            return Outcome(Verdict.MISSING)
        if row.user_id != user_id:
            return Outcome(Verdict.NOT_YOURS)
        if not await self._repo.claim(intent_id, user_id):
            return await self._why_not(intent_id)
        intent = replace(Intent.from_row(row), state="submitting")
        try:
            return await self._submit(intent)
        except BaseException:
            # Whatever broke after the claim, the order may be out: never leave it claimable.
            logger.exception("user=%s %s %s: outcome unknown", user_id, intent.kind, intent.id)
            await self._repo.record_outcome(intent.id, "unknown", msg_cd="internal")
            raise

    async def decline(self, intent_id: str, user_id: int) -> Outcome:
        """The owner pressed 취소: the intent ends and nothing is sent."""
        row = await self._repo.get(intent_id)
        if row is None or row.kind not in KINDS:
            return Outcome(Verdict.MISSING)
        if row.user_id != user_id:
            return Outcome(Verdict.NOT_YOURS)
        if await self._repo.cancel(intent_id, user_id):
            return Outcome(Verdict.DECLINED, replace(Intent.from_row(row), state="cancelled"))
        return await self._why_not(intent_id)

    async def expire_due(self) -> list[Expired]:
        """Every pending confirmation (of any kind) past its expiry, now expired."""
        return [
            Expired(
                row.kind,
                row.user_id,
                row.chat_id,
                row.message_id,
                Intent.from_row(row) if row.kind in KINDS else None,
            )
            for row in await self._repo.expire_due()
        ]

    async def intent(self, intent_id: str) -> Intent | None:
        row = await self._repo.get(intent_id)
        return Intent.from_row(row) if row is not None and row.kind in KINDS else None

    # -- today's orders and reconciliation ------------------------------------------------

    async def todays_orders(self, user_id: int) -> TodaysOrders:
        """Today's orders of the active account, after settling what can be settled."""
        client = await self._accounts.active_client(user_id)
        records = await client.todays_orders()
        settled: list[Settled] = []
        unknown = [i for i in await self._unknown(user_id) if i.environment is client.environment]
        if unknown:
            settled = await self._settle(user_id, unknown, records)
        left = [i for i in unknown if i.id not in {s.intent.id for s in settled}]
        return TodaysOrders(client.environment, records, settled, left)

    async def reconcile(
        self, user_id: int | None = None, intent_id: str | None = None
    ) -> list[Settled]:
        """Settle unknown intents (all, a user's, or one) against today's orders at KIS."""
        unknown = await self._unknown(user_id)
        if intent_id is not None:
            unknown = [intent for intent in unknown if intent.id == intent_id]
        settled: list[Settled] = []
        for owner, environment in sorted({(i.user_id, i.environment) for i in unknown}):
            group = [i for i in unknown if i.user_id == owner and i.environment is environment]
            try:
                credential = await self._services.database.credentials.get(owner, environment)
                if credential is None:
                    continue
                records = await self._services.kis.client(credential).todays_orders()
            except KisError as error:
                logger.warning("user=%s reconcile postponed: %s", owner, type(error).__name__)
                continue
            settled += await self._settle(owner, group, records)
        return settled

    # -- internals ------------------------------------------------------------------------

    async def _create(
        self, user_id: int, chat_id: int, kind: str, credential: Credential, **params: object
    ) -> Confirmation:
        return await self._repo.create(
            user_id,
            kind,
            ttl=self._services.settings.confirm_ttl,
            environment=credential.environment.value,
            chat_id=chat_id,
            **params,
        )

    async def _open_order(self, user_id: int, order_no: str) -> tuple[Credential, OpenOrder]:
        credential = await self._accounts.active_credential(user_id)
        client = self._services.kis.client(credential)
        order = _find_open(await client.open_orders(), order_no)
        if order is not None:
            return credential, order
        record = _find_record(await client.todays_orders(), order_no)
        if record is None:
            raise Problem("trading.order_not_found", order_no=order_no)
        raise Problem(f"trading.not_open_{record.state.value}", order_no=record.order_no)

    async def _why_not(self, intent_id: str) -> Outcome:
        row = await self._repo.get(intent_id)
        if row is None:
            return Outcome(Verdict.MISSING)
        intent = Intent.from_row(row)
        if row.state == "expired" or (row.state == "pending" and self._expired(intent)):
            return Outcome(Verdict.EXPIRED, intent)
        if row.state == "cancelled":
            return Outcome(Verdict.CANCELLED, intent)
        return Outcome(Verdict.DONE, intent)

    def _expired(self, intent: Intent) -> bool:
        return intent.expires_at is not None and intent.expires_at <= self._services.clock.now()

    async def _submit(self, intent: Intent) -> Outcome:
        credential = await self._services.database.credentials.get_active(intent.user_id)
        if credential is None or credential.environment is not intent.environment:
            return await self._finish(intent, Verdict.ENV_CHANGED, "failed", msg_cd="env_changed")
        client = self._services.kis.client(credential)
        try:
            receipt = await self._send(client, intent)
        except _NoLongerOpen:
            return await self._finish(intent, Verdict.NOT_OPEN, "failed", msg_cd="not_open")
        except KisOutcomeUnknown:
            return await self._finish(intent, Verdict.UNKNOWN, "unknown")
        except (KisUnavailable, KisNotSupportedInMock):
            return await self._finish(intent, Verdict.NOT_SENT, "failed", msg_cd="not_sent")
        except KisRefusal as refusal:
            return await self._finish(
                intent, Verdict.FAILED, "failed", msg_cd=refusal.msg_cd, msg1=refusal.msg1
            )
        logger.info("user=%s %s %s submitted", intent.user_id, intent.kind, intent.id)
        return await self._finish(
            intent, Verdict.SUBMITTED, "submitted", order_no=receipt.order_no,
            org_no=receipt.org_no, msg_cd=receipt.msg_cd, msg1=receipt.msg1,
        )  # fmt: skip

    async def _send(self, client: KisClient, intent: Intent) -> OrderReceipt:
        if intent.kind == ORDER:
            assert intent.side is not None and intent.quantity is not None
            return await client.place_order(intent.side, intent.code, intent.quantity, intent.price)
        # Re-read the order: its org_no and open remainder as they are now.
        order = _find_open(await client.open_orders(), intent.target_order_no)
        if order is None or order.cancellable_quantity <= 0:
            raise _NoLongerOpen
        if intent.kind == MODIFY:
            assert intent.price is not None
            return await client.modify_order(order.order_no, order.org_no, intent.price)
        partial = intent.quantity is not None and intent.quantity < order.cancellable_quantity
        return await client.cancel_order(
            order.order_no, order.org_no, intent.quantity if partial else None
        )

    async def _finish(
        self,
        intent: Intent,
        verdict: Verdict,
        state: str,
        *,
        order_no: str = "",
        org_no: str = "",
        msg_cd: str = "",
        msg1: str = "",
    ) -> Outcome:
        await self._repo.record_outcome(
            intent.id, state, kis_order_no=order_no or None, kis_org_no=org_no or None,
            msg_cd=msg_cd or None, msg1=msg1 or None,
        )  # fmt: skip
        done = replace(intent, state=state, order_no=order_no, msg_cd=msg_cd, msg1=msg1)
        return Outcome(verdict, done, order_no, msg_cd, msg1)

    async def _unknown(self, user_id: int | None) -> list[Intent]:
        rows = await self._repo.list_unknown(user_id)
        return [Intent.from_row(row) for row in rows if row.kind in KINDS]

    async def _settle(
        self, user_id: int, intents: Sequence[Intent], records: Sequence[OrderRecord]
    ) -> list[Settled]:
        taken = await self._known_order_numbers(user_id)
        now = self._services.clock.now()
        settled: list[Settled] = []
        for intent in sorted(intents, key=lambda i: i.claimed_at or now):
            record = self._match(intent, records, taken)
            if record is not None:
                taken.add(record.order_no.lstrip("0"))
                if await self._repo.record_outcome(
                    intent.id, "submitted", kis_order_no=record.order_no,
                    kis_org_no=record.org_no, msg_cd="reconciled",
                ):  # fmt: skip
                    found = replace(intent, state="submitted", order_no=record.order_no)
                    settled.append(Settled(found, True))
            elif self._past_grace(intent, now) and await self._repo.record_outcome(
                intent.id, "failed", msg_cd="not_found"
            ):
                settled.append(Settled(replace(intent, state="failed", msg_cd="not_found"), False))
        return settled

    def _match(
        self, intent: Intent, records: Sequence[OrderRecord], taken: set[str]
    ) -> OrderRecord | None:
        claimed = intent.claimed_at or self._services.clock.now()
        earliest = claimed.replace(microsecond=0) - _CLOCK_SLACK
        latest = claimed + timedelta(seconds=self._services.settings.kis_timeout) + _LATE_SLACK
        for record in records:
            at = record.ordered_at
            if at is None or not earliest <= at <= latest:
                continue
            if record.order_no.lstrip("0") in taken or not _same_action(intent, record):
                continue
            return record
        return None

    def _past_grace(self, intent: Intent, now: datetime) -> bool:
        claimed = intent.claimed_at or now
        day_passed = claimed.astimezone(KST).date() != now.astimezone(KST).date()
        return day_passed or now - claimed >= RECONCILE_GRACE

    async def _known_order_numbers(self, user_id: int) -> set[str]:
        """Order numbers other confirmations of this user already own (never matched twice)."""
        query = select(Confirmation.kis_order_no).where(
            Confirmation.user_id == user_id, Confirmation.kis_order_no.is_not(None)
        )
        async with self._services.database.sessions() as session:
            return {str(number).lstrip("0") for number in await session.scalars(query)}


class _NoLongerOpen(Exception):
    """The order to cancel or modify was filled or cancelled since the draft."""


def _same_action(intent: Intent, record: OrderRecord) -> bool:
    if record.code != intent.code or record.side is not intent.side:
        return False
    if intent.kind == ORDER:
        return not record.original_order_no and record.quantity == intent.quantity
    if not same_order_no(record.original_order_no or "x", intent.target_order_no):
        return False
    if intent.kind == CANCEL:
        return record.cancelled
    return not record.cancelled and record.price == intent.price


def _check_price(quote: Quote, price: int) -> None:
    problem = quote.price_problem(price)
    if problem is None:
        return
    if problem is PriceProblem.OFF_TICK:
        below, above = nearest_valid_prices(price, quote.tick_size)
        raise Problem(
            "trading.off_tick", price=f"{price:,}", tick=f"{quote.tick_size:,}",
            below=f"{below:,}", above=f"{above:,}",
        )  # fmt: skip
    raise Problem(
        f"trading.{problem.value}", price=f"{price:,}",
        upper=f"{quote.upper_limit:,}", lower=f"{quote.lower_limit:,}",
    )  # fmt: skip


def _find_open(orders: Sequence[OpenOrder], order_no: str) -> OpenOrder | None:
    return next((o for o in orders if same_order_no(o.order_no, order_no)), None)


def _find_record(records: Sequence[OrderRecord], order_no: str) -> OrderRecord | None:
    return next((r for r in records if same_order_no(r.order_no, order_no)), None)


def _side_value(order: OpenOrder) -> str | None:
    return order.side.value if order.side else None


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)
