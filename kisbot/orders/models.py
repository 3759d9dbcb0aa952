"""The trading feature's plain data: drafts, what a submission came to, today's order lines."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from kisbot.confirmations import Intent
from kisbot.kis import BuyingPower, Environment, OpenOrder, OrderRecord, Quote, Side, Venue
from kisbot.kis.overseas import OverseasOrderRecord, OverseasQuote
from kisbot.orders.venues import VenueReason
from kisbot.securities import Choices, Security

ORDER, CANCEL, MODIFY = "order", "cancel", "modify"
KINDS = (ORDER, CANCEL, MODIFY)


class Submission(StrEnum):
    """What became of a confirmed order, cancel or modify."""

    SUBMITTED = "submitted"  # KIS took it: order_no
    FAILED = "failed"  # KIS refused it: msg_cd, msg1
    UNKNOWN = "unknown"  # sent, answer lost: reconciled later
    NOT_SENT = "not_sent"  # KIS could not be reached; nothing went out
    ENV_CHANGED = "env_changed"  # the user switched accounts since the draft; nothing went out
    NOT_OPEN = "not_open"  # the order to cancel or modify is no longer open; nothing went out


@dataclass(frozen=True, slots=True)
class SubmitOutcome:
    submission: Submission
    order_no: str = ""
    msg_cd: str = ""
    msg1: str = ""


@dataclass(frozen=True, slots=True)
class OrderDraft:
    """A pending buy or sell and what its summary shows."""

    intent: Intent
    name: str | None
    quote: Quote
    amount: int  # quantity x price; for a market order an estimate at the current price
    buying_power: BuyingPower | None  # buys only
    venue_reason: VenueReason = VenueReason.ASKED  # why it goes to intent.venue

    @property
    def venue(self) -> Venue:
        return self.intent.venue or Venue.KRX

    @property
    def is_market(self) -> bool:
        return self.intent.price is None

    @property
    def exceeds_buying_power(self) -> bool:
        power = self.buying_power
        return power is not None and (self.intent.quantity or 0) > power.max_quantity


@dataclass(frozen=True, slots=True)
class OverseasOrderDraft:
    """A pending buy or sell of a stock listed abroad: always a limit, in its currency."""

    intent: Intent
    security: Security
    quote: OverseasQuote
    amount: Decimal  # quantity x limit, in the stock's currency
    krw_rate: Decimal | None  # KIS's won per unit (real keys)
    is_open: bool  # whether the exchange's regular session runs now (else the order waits)

    @property
    def krw_amount(self) -> Decimal | None:
        """The amount in won at KIS's rate, whole won; None without a rate."""
        if self.krw_rate is None:
            return None
        return (self.amount * self.krw_rate).quantize(Decimal(1))


@dataclass(frozen=True, slots=True)
class OrderChoices:
    """`/buy NAME QTY [PRICE]` where NAME fits several stocks: pick one, then the same order."""

    choices: Choices
    side: Side
    quantity: int
    price: Decimal | None  # as typed: won for a KRX stock, the currency's units abroad
    venue: Venue | None = None  # as typed; None: chosen when the stock is picked


@dataclass(frozen=True, slots=True)
class ChangeDraft:
    """A pending cancel or modify of an open order."""

    intent: Intent
    order: OpenOrder
    quantity: int  # shares it acts on
    whole: bool  # the whole open remainder


@dataclass(frozen=True, slots=True)
class OverseasChangeDraft:
    """A pending cancel or modify of an open order abroad."""

    intent: Intent
    order: OverseasOrderRecord
    security: Security
    quantity: int  # shares it acts on
    whole: bool


class LineKind(StrEnum):
    ORDER = "order"  # an order as placed
    MODIFY = "modify"  # a 정정: a new order number pointing at the one it changed
    CANCEL = "cancel"  # a 취소: points at the order it cancelled


class LineState(StrEnum):
    OPEN = "open"
    PARTIAL = "partial"
    FILLED = "filled"
    CANCELLED = "cancelled"
    REJECTED = "rejected"
    MODIFIED = "modified"  # nothing open, filled or cancelled: all of it moved by a 정정


@dataclass(frozen=True, slots=True)
class OrderLine:
    """One line of /orders: a record, what kind of line it is, and its state."""

    record: OrderRecord
    kind: LineKind
    state: LineState

    @property
    def is_open(self) -> bool:
        """Shares still open that a cancel can act on (a cancel line never is)."""
        return self.kind is not LineKind.CANCEL and self.record.remaining_quantity > 0


@dataclass(frozen=True, slots=True)
class Settled:
    """An intent whose outcome was unknown, settled: found at KIS (order_no) or not placed."""

    intent: Intent
    found: bool


@dataclass(frozen=True, slots=True)
class TodaysOrders:
    environment: Environment
    lines: list[OrderLine]
    settled: list[Settled]  # settled while reading the list
    unsettled: list[Intent]  # still unknown: being checked
    overseas: tuple[OverseasOrderRecord, ...] = ()  # abroad, today's and yesterday's local days

    @property
    def open_order_numbers(self) -> list[str]:
        return [line.record.order_no for line in self.lines if line.is_open]
