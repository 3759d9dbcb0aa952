"""Typed results of KIS calls: won and quantities as int, rates as Decimal, aware datetimes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum, StrEnum

from kisbot.kis.codes import PriceProblem, price_problem


class Priority(Enum):
    """Who is waiting: a user's own command goes before background alert polling."""

    INTERACTIVE = 0
    BACKGROUND = 1


class Side(StrEnum):
    """Buy or sell; `code` is KIS's `sll_buy_dvsn_cd`."""

    BUY = "buy"
    SELL = "sell"

    @property
    def code(self) -> str:
        return "02" if self is Side.BUY else "01"

    @classmethod
    def from_code(cls, code: str) -> Side | None:
        return {"01": cls.SELL, "02": cls.BUY}.get(code.strip())


class PriceFeed(StrEnum):
    """Whose price a quote reads: KIS's `FID_COND_MRKT_DIV_CODE` (kis-api §4.2).

    KRX (`J`) is the only one mock accounts have; NXT (`NX`) and the combined KRX+NXT price
    (`UN`, 통합) are real only.
    """

    KRX = "J"
    NXT = "NX"
    COMBINED = "UN"


class Venue(StrEnum):
    """Where an order goes: KIS's `EXCG_ID_DVSN_CD` (kis-api §5.6); mock accounts take KRX only.

    SOR (smart order routing) lets KIS split the order between KRX and NXT by price.
    """

    KRX = "KRX"
    NXT = "NXT"
    SOR = "SOR"

    def takes_market_orders(self) -> bool:
        """NXT has no 시장가 (ORD_DVSN 01) (kis-api §9.3); KRX and SOR do."""
        return self is not Venue.NXT


class Direction(StrEnum):
    """Which way the price moved against the previous close (from `prdy_vrss_sign`)."""

    UP = "up"
    FLAT = "flat"
    DOWN = "down"


@dataclass(frozen=True, slots=True)
class Quote:
    """The current price of one stock."""

    code: str
    price: int
    change: int  # negative on falls, whatever the raw string's sign
    sign: str  # prdy_vrss_sign: 1 상한, 2 상승, 3 보합, 4 하한, 5 하락
    direction: Direction
    change_rate: Decimal  # percent, negative on falls
    open: int
    high: int
    low: int
    volume: int
    trade_value: int
    upper_limit: int
    lower_limit: int
    base_price: int  # 기준가 (stck_sdpr)
    prev_close: int
    tick_size: int
    as_of: datetime
    name: str | None = None
    feed: PriceFeed = PriceFeed.KRX

    def price_problem(self, price: int) -> PriceProblem | None:
        """What is wrong with this limit price for this stock today, or None."""
        return price_problem(
            price, tick=self.tick_size, upper_limit=self.upper_limit, lower_limit=self.lower_limit
        )


@dataclass(frozen=True, slots=True)
class DailyBar:
    """One trading day of one stock."""

    day: date
    open: int
    high: int
    low: int
    close: int
    volume: int
    change: int
    direction: Direction
    change_rate: Decimal | None = None  # not sent by the period chart API


@dataclass(frozen=True, slots=True)
class Holding:
    """One stock held in the account (balance output1)."""

    code: str
    name: str
    quantity: int
    orderable_quantity: int
    avg_price: Decimal
    purchase_amount: int
    price: int
    evaluation: int
    pnl: int
    pnl_rate: Decimal


@dataclass(frozen=True, slots=True)
class BalanceSummary:
    """The account totals (balance output2)."""

    deposit: int  # dnca_tot_amt 예수금
    d1_cash: int  # nxdy_excc_amt
    d2_cash: int  # prvs_rcdl_excc_amt, the cash shown to users
    securities_evaluation: int  # scts_evlu_amt
    total_evaluation: int  # tot_evlu_amt
    net_assets: int  # nass_amt
    purchase_total: int  # pchs_amt_smtl_amt
    evaluation_total: int  # evlu_amt_smtl_amt
    pnl_total: int  # evlu_pfls_smtl_amt

    @property
    def pnl_rate(self) -> Decimal | None:
        """Total P/L as a percent of the purchase total (KIS does not send it)."""
        if not self.purchase_total:
            return None
        return (Decimal(self.pnl_total) * 100 / self.purchase_total).quantize(Decimal("0.01"))


@dataclass(frozen=True, slots=True)
class Balance:
    """Holdings (those with quantity 0 left out) and the account summary."""

    holdings: tuple[Holding, ...]
    summary: BalanceSummary
    as_of: datetime


@dataclass(frozen=True, slots=True)
class BuyingPower:
    """How much of one stock the account can buy (inquire-psbl-order)."""

    code: str
    price: int | None  # None: asked for a market order
    cash: int  # ord_psbl_cash
    max_amount: int  # nrcvb_buy_amt, without 미수 (credit)
    max_quantity: int  # nrcvb_buy_qty
    max_amount_with_credit: int  # max_buy_amt
    max_quantity_with_credit: int  # max_buy_qty


@dataclass(frozen=True, slots=True)
class OrderReceipt:
    """KIS accepted an order, cancel or modify."""

    order_no: str  # ODNO, as KIS returns it
    org_no: str  # KRX_FWDG_ORD_ORGNO; needed with order_no to cancel or modify
    ordered_at: datetime | None
    msg_cd: str
    msg1: str


class OrderState(StrEnum):
    """Where an order of today stands."""

    OPEN = "open"
    PARTIAL = "partial"
    FILLED = "filled"
    CANCELLED = "cancelled"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class OrderRecord:
    """One row of inquire-daily-ccld: an order and what became of it."""

    order_no: str
    org_no: str  # ord_gno_brno
    original_order_no: str  # orgn_odno: set on modify/cancel rows
    code: str
    name: str
    side: Side | None
    order_type: str  # ord_dvsn_cd: 00 limit, 01 market, ...
    order_type_name: str
    quantity: int
    price: int
    filled_quantity: int
    avg_fill_price: Decimal
    filled_amount: int
    remaining_quantity: int  # rmn_qty: still open
    cancelled: bool  # cncl_yn "Y" or a confirmed cancel quantity
    cancelled_quantity: int  # cnc_cfrm_qty
    rejected_quantity: int
    ordered_at: datetime | None
    venue: Venue | None = None  # excg_id_dvsn_Cd: where it was sent, when KIS says

    @property
    def state(self) -> OrderState:
        """Open, partially filled, filled, cancelled or rejected."""
        if self.remaining_quantity > 0:
            return OrderState.PARTIAL if self.filled_quantity else OrderState.OPEN
        if self.quantity and self.filled_quantity >= self.quantity:
            return OrderState.FILLED
        if self.rejected_quantity:
            return OrderState.REJECTED
        if self.cancelled:
            return OrderState.CANCELLED
        return OrderState.FILLED if self.filled_quantity else OrderState.OPEN


@dataclass(frozen=True, slots=True)
class OpenOrder:
    """An order that can still be cancelled or modified."""

    order_no: str
    org_no: str
    original_order_no: str
    code: str
    name: str
    side: Side | None
    order_type: str
    order_type_name: str
    quantity: int
    price: int
    filled_quantity: int
    cancellable_quantity: int  # psbl_qty (mock: rmn_qty)
    ordered_at: datetime | None
    venue: Venue | None = None
