"""Typed results of overseas calls: prices and amounts as Decimal in the exchange's currency
(never float), quantities as int, aware datetimes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from kisbot.kis.models import Direction, OrderState, Side
from kisbot.kis.overseas.markets import Exchange


@dataclass(frozen=True, slots=True)
class OverseasQuote:
    """The current price of one overseas stock (delayed 15 minutes outside the US, kis-api
    §13.3)."""

    symbol: str
    exchange: Exchange
    price: Decimal
    change: Decimal  # negative on falls (KIS sends it unsigned, with the sign apart)
    direction: Direction
    change_rate: Decimal  # percent, negative on falls
    prev_close: Decimal
    volume: int
    trade_value: Decimal
    decimals: int  # zdiv: how many decimals the exchange quotes this stock with
    as_of: datetime
    tradable_note: str = ""  # ordy, e.g. "매도불가"


@dataclass(frozen=True, slots=True)
class OverseasBar:
    """One trading day (or week, month) of one overseas stock, in its currency."""

    day: date  # the exchange's local date
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: int
    change: Decimal
    direction: Direction
    change_rate: Decimal


@dataclass(frozen=True, slots=True)
class OverseasHolding:
    """One overseas stock held (inquire-balance output1), amounts in its currency."""

    symbol: str
    name: str
    exchange: Exchange | None
    currency: str
    quantity: int
    orderable_quantity: int
    avg_price: Decimal
    purchase_amount: Decimal
    price: Decimal
    evaluation: Decimal
    pnl: Decimal
    pnl_rate: Decimal


@dataclass(frozen=True, slots=True)
class OverseasOrderRecord:
    """One overseas order and what became of it (inquire-ccnl)."""

    order_no: str
    org_no: str
    original_order_no: str
    symbol: str
    name: str
    exchange: Exchange | None
    side: Side | None
    quantity: int
    price: Decimal
    filled_quantity: int
    avg_fill_price: Decimal
    remaining_quantity: int  # nccs_qty
    status: str  # prcs_stat_name: 완료, 거부, 전송
    rejection: str  # rjct_rson
    local_date: date | None  # ord_dt, the exchange's date
    ordered_at: datetime | None  # KST (dmst_ord_dt + thco_ord_tmd)

    @property
    def state(self) -> OrderState:
        if self.remaining_quantity > 0:
            return OrderState.PARTIAL if self.filled_quantity else OrderState.OPEN
        if self.quantity and self.filled_quantity >= self.quantity:
            return OrderState.FILLED
        if self.rejection or self.status == "거부":
            return OrderState.REJECTED
        return OrderState.FILLED if self.filled_quantity else OrderState.CANCELLED
