"""Overseas orders of one host (real or mock): limit orders only, as KIS takes them.

A buy or sell that crosses the current price fills at once at that price while its exchange is
open; otherwise it rests and fills when `set_price` reaches its limit during the exchange's
hours. Orders fill whole unless a test fills part of one. Cash is held per currency; a buy is
refused past the cash not already promised to open buys, a sell past the shares not already
promised to open sells. Order numbers are 10 digits, zero-padded (kis-api §13.4).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from kisbot.clock import KST, Clock
from kisbot.sandbox.messages import Flavour, Message
from kisbot.sandbox.overseas.listings import Venue
from kisbot.sandbox.overseas.market import OverseasMarket, OverseasStock

SELL, BUY = "01", "02"
_ORGNO: dict[Flavour, str] = {"real": "01790", "mock": "00950"}
_START_CASH = {
    "USD": Decimal("10000.00"),
    "HKD": Decimal("100000.00"),
    "CNY": Decimal("100000.00"),
    "JPY": Decimal("2000000"),
    "VND": Decimal("300000000"),
}

NOT_TRADED = Message("APBK0656", "해당 종목정보가 없습니다.")
BAD_ORDER_TYPE = Message("SBX00021", "주문구분 입력오류")  # KIS's text for ORD_DVSN 01 (§13.4)
ZERO_PRICE = Message("APBK1507", "가격 $0.01 미만시 온라인 주문불가")
NO_CASH = Message("SBX00022", "주문가능외화금액이 부족합니다.")
NO_SHARES = Message("SBX00023", "매도가능수량이 부족합니다.")
NO_ORDER = Message("SBX00024", "원주문번호가 존재하지 않습니다.")
NOTHING_LEFT = Message("SBX00025", "정정/취소할 수량이 없습니다.")
BAD_LOT = Message("SBX00026", "주문수량이 매매단위에 맞지 않습니다.")


@dataclass(slots=True)
class OverseasOrder:
    odno: str
    orgno: str
    original_odno: str
    stock: OverseasStock
    side: str
    qty: int
    price: Decimal
    local_date: date
    kst_date: date
    kst_time: str
    filled: int = 0
    fill_amount: Decimal = Decimal(0)
    cancelled: int = 0  # closed without filling (cancelled, or moved to a revised order)

    @property
    def open_qty(self) -> int:
        return self.qty - self.filled - self.cancelled


@dataclass(slots=True)
class Position:
    qty: int
    avg_price: Decimal


@dataclass(slots=True)
class OverseasAccount:
    cano: str
    product: str
    cash: dict[str, Decimal] = field(default_factory=lambda: dict(_START_CASH))
    positions: dict[tuple[str, str], Position] = field(default_factory=dict)
    orders: list[OverseasOrder] = field(default_factory=list)


class OverseasBroker:
    """Every overseas order on one host; fills resting orders as prices move."""

    def __init__(self, flavour: Flavour, market: OverseasMarket, clock: Clock) -> None:
        self.flavour: Flavour = flavour
        self.market = market
        self._clock = clock
        self._next = 4336
        self.accounts: dict[tuple[str, str], OverseasAccount] = {}
        market.on_price(self._on_price)

    def reset(self) -> None:
        self.accounts.clear()
        self._next = 4336

    def account(self, cano: str, product: str) -> OverseasAccount:
        """The account, with starting cash and 5 AAPL at $180.00, created on first use."""
        key = (cano, product)
        if key not in self.accounts:
            account = OverseasAccount(cano, product)
            account.positions[("NAS", "AAPL")] = Position(5, Decimal("180.00"))
            self.accounts[key] = account
        return self.accounts[key]

    def place(
        self, account: OverseasAccount, venue: Venue, symbol: str, side: str, qty: int,
        price: Decimal,
    ) -> OverseasOrder | Message:  # fmt: skip
        stock = self.market.get(venue.excd, symbol)
        if stock is None:
            return NOT_TRADED
        if price < Decimal("0.01"):
            return ZERO_PRICE
        if qty % stock.listing.lot:
            return BAD_LOT
        if side == BUY and price * qty > self._free_cash(account, venue.currency):
            return NO_CASH
        if side == SELL and qty > self._free_shares(account, stock):
            return NO_SHARES
        order = self._new_order(account, stock, side, qty, stock.quantize(price), "")
        self._match(order)
        return order

    def revise(
        self, account: OverseasAccount, odno: str, qty: int, price: Decimal | None
    ) -> OverseasOrder | Message:
        """Cancel (price None) or move to `price` up to `qty` of an open order; a revision is a
        new order number, as KIS gives."""
        original = next((o for o in account.orders if o.odno == odno.zfill(10)), None)
        if original is None:
            return NO_ORDER
        qty = min(qty or original.open_qty, original.open_qty)
        if qty <= 0:
            return NOTHING_LEFT
        original.cancelled += qty
        if price is None:
            return original
        order = self._new_order(
            account, original.stock, original.side, qty, original.stock.quantize(price),
            original.odno,
        )  # fmt: skip
        self._match(order)
        return order

    def fill(self, odno: str, qty: int, price: Decimal | None = None) -> None:
        """Fill `qty` of an open order now (tests: partial fills)."""
        for account in self.accounts.values():
            for order in account.orders:
                if order.odno == odno.zfill(10):
                    self._execute(account, order, min(qty, order.open_qty), price or order.price)
                    return
        raise KeyError(odno)

    def holdings_of(
        self, account: OverseasAccount, venue: Venue
    ) -> list[tuple[OverseasStock, Position]]:
        """Positions on exchanges of this one's country (NASD: every US exchange, as KIS)."""
        found = []
        for (excd, symbol), position in account.positions.items():
            stock = self.market.get(excd, symbol)
            if stock is not None and stock.venue.country == venue.country and position.qty > 0:
                found.append((stock, position))
        return found

    # -- matching -------------------------------------------------------------------------

    def _on_price(self, stock: OverseasStock) -> None:
        for account in self.accounts.values():
            for order in account.orders:
                if order.stock is stock and order.open_qty > 0:
                    self._match(order)

    def _match(self, order: OverseasOrder) -> None:
        stock = order.stock
        if not self.market.is_open(stock.venue):
            return
        crosses = stock.last <= order.price if order.side == BUY else stock.last >= order.price
        if crosses:
            account = self._owner(order)
            self._execute(account, order, order.open_qty, stock.last)

    def _execute(
        self, account: OverseasAccount, order: OverseasOrder, qty: int, price: Decimal
    ) -> None:
        if qty <= 0:
            return
        order.filled += qty
        order.fill_amount += price * qty
        currency = order.stock.venue.currency
        key = (order.stock.venue.excd, order.stock.listing.symbol)
        position = account.positions.get(key, Position(0, Decimal(0)))
        if order.side == BUY:
            account.cash[currency] -= price * qty
            total = position.avg_price * position.qty + price * qty
            position = Position(position.qty + qty, total / (position.qty + qty))
        else:
            account.cash[currency] += price * qty
            position = Position(position.qty - qty, position.avg_price)
        account.positions[key] = position
        self.market.trade(order.stock, price, qty)

    # -- helpers --------------------------------------------------------------------------

    def _new_order(
        self, account: OverseasAccount, stock: OverseasStock, side: str, qty: int,
        price: Decimal, original: str,
    ) -> OverseasOrder:  # fmt: skip
        now = self._clock.now()
        self._next += 1
        order = OverseasOrder(
            odno=f"{self._next:010d}",
            orgno=_ORGNO[self.flavour],
            original_odno=original,
            stock=stock,
            side=side,
            qty=qty,
            price=price,
            local_date=now.astimezone(stock.venue.zone).date(),
            kst_date=now.astimezone(KST).date(),
            kst_time=now.astimezone(KST).strftime("%H%M%S"),
        )
        account.orders.append(order)
        return order

    def _owner(self, order: OverseasOrder) -> OverseasAccount:
        return next(a for a in self.accounts.values() if order in a.orders)

    def _free_cash(self, account: OverseasAccount, currency: str) -> Decimal:
        promised = sum(
            (o.price * o.open_qty for o in account.orders
             if o.side == BUY and o.stock.venue.currency == currency),
            Decimal(0),
        )  # fmt: skip
        return account.cash.get(currency, Decimal(0)) - promised

    def _free_shares(self, account: OverseasAccount, stock: OverseasStock) -> int:
        position = account.positions.get((stock.venue.excd, stock.listing.symbol))
        held = position.qty if position else 0
        promised = sum(o.open_qty for o in account.orders if o.side == SELL and o.stock is stock)
        return held - promised
