"""Sandbox brokerage accounts: cash, holdings and the orders placed on them.

An account appears the first time any API names it, with `STARTING_CASH` and a few holdings, so
that a fresh client has something to look at. Cash follows KIS's settlement words: the deposit
(`dnca_tot_amt`) is what the account held at the start of the day, the D+2 amount
(`prvs_rcdl_excc_amt`) adds today's sells and subtracts today's buys. There are no fees or taxes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

STARTING_CASH = 10_000_000
# (code, quantity, average purchase price) every new account holds.
STARTING_HOLDINGS: tuple[tuple[str, int, int], ...] = (
    ("005930", 10, 68_500),
    ("035720", 20, 45_200),
    ("069500", 15, 33_050),
)

Side = Literal["01", "02"]  # sll_buy_dvsn_cd: 01 매도, 02 매수
OrderKind = Literal["new", "revise", "cancel"]
SELL: Side = "01"
BUY: Side = "02"


@dataclass(slots=True)
class Order:
    """One line of the order book as daily-ccld shows it (orders, revisions and cancels)."""

    odno: str
    orgno: str
    day: date
    time: str  # ord_tmd HHMMSS
    code: str
    name: str
    side: Side
    dvsn: str  # ORD_DVSN
    qty: int
    price: int  # 0 for market-type orders
    kind: OrderKind = "new"
    original_odno: str = ""
    filled_qty: int = 0
    filled_amount: int = 0
    cancelled_qty: int = 0
    revised_qty: int = 0
    last_fill_time: str = ""
    rejected: bool = False  # refused by the exchange after the order API said yes
    venue: str = "KRX"  # EXCG_ID_DVSN_CD: KRX, NXT or SOR (SOR trades as KRX here)

    @property
    def open_qty(self) -> int:
        """What can still fill, be revised or be cancelled."""
        if self.kind == "cancel" or self.rejected:
            return 0
        return self.qty - self.filled_qty - self.cancelled_qty - self.revised_qty

    @property
    def is_market(self) -> bool:
        # 시장가, 최유리, 최우선: all take the market price here.
        return self.dvsn in {"01", "03", "04"}

    @property
    def average_fill_price(self) -> int:
        return self.filled_amount // self.filled_qty if self.filled_qty else 0


@dataclass(slots=True)
class Holding:
    """One stock held: quantity and what it cost (no fees)."""

    code: str
    name: str
    qty: int
    purchase_amount: int
    bought_today: int = 0
    sold_today: int = 0

    @property
    def average_price(self) -> Decimal:
        if self.qty == 0:
            return Decimal(0)
        return (Decimal(self.purchase_amount) / self.qty).quantize(Decimal("0.0001"))


@dataclass(slots=True)
class Account:
    """A CANO + ACNT_PRDT_CD account in one flavour (real or mock)."""

    cano: str
    product: str
    deposit: int = STARTING_CASH
    bought_today: int = 0
    sold_today: int = 0
    start_of_day_value: int = 0
    holdings: dict[str, Holding] = field(default_factory=dict)
    orders: list[Order] = field(default_factory=list)

    @property
    def settled_cash(self) -> int:
        """prvs_rcdl_excc_amt: the deposit after today's trades settle (D+2)."""
        return self.deposit - self.bought_today + self.sold_today

    def start_new_day(self) -> None:
        """Settle today's trades into the deposit and start counting afresh.

        Settlement is simplified to the next session day (KIS: D+2), and holdings sold out drop
        from the balance then.
        """
        self.deposit = self.settled_cash
        self.bought_today = self.sold_today = 0
        for code, holding in list(self.holdings.items()):
            if holding.qty == 0:
                del self.holdings[code]
            holding.bought_today = holding.sold_today = 0

    def open_orders(self) -> list[Order]:
        return [order for order in self.orders if order.open_qty > 0]

    def find_order(self, odno: str) -> Order | None:
        wanted = odno.strip().lstrip("0")
        for order in self.orders:
            if order.odno.lstrip("0") == wanted:
                return order
        return None

    def sellable_qty(self, code: str) -> int:
        """ord_psbl_qty: held shares not already promised to open sell orders."""
        holding = self.holdings.get(code)
        held = holding.qty if holding else 0
        promised = sum(o.open_qty for o in self.open_orders() if o.code == code and o.side == SELL)
        return held - promised

    def apply_buy(self, code: str, name: str, qty: int, amount: int) -> None:
        holding = self.holdings.setdefault(code, Holding(code, name, 0, 0))
        holding.qty += qty
        holding.purchase_amount += amount
        holding.bought_today += qty
        self.bought_today += amount

    def apply_sell(self, code: str, qty: int, amount: int) -> None:
        holding = self.holdings[code]
        cost = int(holding.average_price * qty) if holding.qty > qty else holding.purchase_amount
        holding.qty -= qty
        holding.purchase_amount -= cost
        holding.sold_today += qty
        self.sold_today += amount


def new_account(cano: str, product: str, names: dict[str, str]) -> Account:
    """A fresh account with the starting cash and holdings."""
    account = Account(cano, product)
    for code, qty, price in STARTING_HOLDINGS:
        account.holdings[code] = Holding(code, names[code], qty, qty * price)
    return account
