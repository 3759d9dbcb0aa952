"""Order handling of one host (real or mock): accounts, placing, filling, revising, cancelling.

Market-type orders fill at once at the current price; limit orders that cross fill at once at the
current price, otherwise they rest and fill at their limit when the price reaches it. Nothing
fills while the simulated market is closed; resting orders are matched again when it opens.
Orders sent to NXT (EXCG_ID_DVSN_CD, real host only) trade on NXT's price, and only while NXT
runs a session by the clock (08:00-08:50, 09:00-15:20, 15:30-20:00 on weekdays); SOR
orders trade as KRX orders.
Orders fill whole, unless a test fills part of one with `fill`.

Whoever reports orders (the WebSocket's execution notices) subscribes with `on_order_event`:
every acceptance, fill, rejection, modify and cancel is told as an `OrderEvent`, in order.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from kisbot.clock import KST, Clock
from kisbot.sandbox import krx, messages
from kisbot.sandbox.accounts import BUY, SELL, Account, Order, Side, new_account
from kisbot.sandbox.market import Market, Stock
from kisbot.sandbox.messages import Flavour, Message

logger = logging.getLogger(__name__)

ORDER_TYPES = frozenset({"00", "01", "02", "03", "04"})  # 지정가, 시장가, 조건부, 최유리, 최우선
NXT_ORDER_TYPES = frozenset({"00", "03", "04"})  # no 시장가 or 조건부 on NXT (kis-api §9.3)
_ORGNO: dict[Flavour, str] = {"real": "91252", "mock": "00950"}
_FIRST_ODNO = 10_001

OrderEventKind = Literal["accepted", "filled", "rejected", "modified", "cancelled"]


@dataclass(frozen=True, slots=True)
class OrderEvent:
    """Something that happened to an order; `qty`/`price` are the fill's for "filled", else the
    order's (for "modified" and "cancelled", the new order line's)."""

    kind: OrderEventKind
    account: Account
    order: Order
    qty: int
    price: int
    time: str  # HHMMSS, KST


OrderListener = Callable[[OrderEvent], None]


class Broker:
    """Everything about orders on one host; reacts to the market's price changes."""

    def __init__(self, flavour: Flavour, market: Market, clock: Clock) -> None:
        self.flavour: Flavour = flavour
        self.orgno = _ORGNO[flavour]
        self.market = market
        self._clock = clock
        self._listeners: list[OrderListener] = []
        market.on_price(self._on_price)
        market.on_nxt_price(self._on_nxt_price)
        market.on_new_day(self.settle_day)
        self.reset()

    def reset(self) -> None:
        self.accounts: dict[tuple[str, str], Account] = {}
        self._next_odno = _FIRST_ODNO
        self.reject_next = 0  # how many of the next accepted orders the exchange refuses

    def on_order_event(self, listener: OrderListener) -> None:
        self._listeners.append(listener)

    def account(self, cano: str, product: str) -> Account:
        """The account, created with starting cash and holdings on first use."""
        key = (cano, product)
        if key not in self.accounts:
            names = {code: stock.listing.name for code, stock in self.market.stocks.items()}
            account = new_account(cano, product, names)
            account.start_of_day_value = account.deposit + self.holdings_value(account)
            self.accounts[key] = account
        return self.accounts[key]

    def find_order(self, odno: str) -> tuple[Account, Order] | None:
        for account in self.accounts.values():
            order = account.find_order(odno)
            if order is not None:
                return account, order
        return None

    def holdings_value(self, account: Account) -> int:
        return sum(h.qty * self.market.stocks[h.code].price for h in account.holdings.values())

    def orderable_cash(self, account: Account) -> int:
        """ord_psbl_cash: settled cash less what open buy orders reserve."""
        reserved = sum(
            order.open_qty * self._reserve_price(order)
            for order in account.open_orders()
            if order.side == BUY
        )
        return account.settled_cash - reserved

    def reserve_price(self, code: str, dvsn: str, price: int) -> int:
        """The price a buy reserves cash at: the limit, or the upper limit for market types."""
        stock = self.market.stocks[code]
        return stock.band[1] if dvsn in {"01", "03", "04"} or price <= 0 else price

    def place(
        self,
        account: Account,
        code: str,
        side: Side,
        dvsn: str,
        qty: int,
        price: int,
        venue: str = "KRX",
    ) -> Order | Message:
        """Accept (and perhaps fill) a new cash order, or say why not."""
        stock = self.market.get(code)
        if stock is None:
            return messages.refusal("unknown_stock", self.flavour)
        if dvsn not in (NXT_ORDER_TYPES if venue == "NXT" else ORDER_TYPES):
            return messages.refusal("bad_order_type", self.flavour)
        market_type = dvsn in {"01", "03", "04"}
        if not market_type and not _valid_limit(stock, price):
            return messages.refusal("bad_price", self.flavour)
        if side == BUY:
            cost = qty * self.reserve_price(stock.listing.code, dvsn, price)
            if cost > self.orderable_cash(account):
                return messages.refusal("no_cash", self.flavour)
        elif qty > account.sellable_qty(stock.listing.code):
            return messages.refusal("no_shares", self.flavour)
        order = self._new_order(stock, side, dvsn, qty, 0 if market_type else price)
        order.venue = venue
        account.orders.append(order)
        if self.reject_next > 0:
            # The order API has said yes; the refusal arrives afterwards, as with KIS.
            self.reject_next -= 1
            order.rejected = True
            self._tell("rejected", account, order)
            return order
        self._tell("accepted", account, order)
        self._match_on_entry(account, order)
        return order

    def revise(
        self, account: Account, odno: str, dvsn: str, price: int, qty: int | None
    ) -> Order | Message:
        """정정: move the open remainder (or `qty` of it) to a new price under a new odno."""
        original = account.find_order(odno)
        if original is None:
            return messages.refusal("no_order", self.flavour)
        if original.open_qty <= 0:
            return messages.refusal("nothing_left", self.flavour)
        stock = self.market.stocks[original.code]
        dvsn = dvsn if dvsn in ORDER_TYPES else original.dvsn
        market_type = dvsn in {"01", "03", "04"}
        if not market_type and not _valid_limit(stock, price):
            return messages.refusal("bad_price", self.flavour)
        moved = original.open_qty if qty is None else min(qty, original.open_qty)
        if original.side == BUY:
            extra = moved * (
                self.reserve_price(original.code, dvsn, price) - self._reserve_price(original)
            )
            if extra > self.orderable_cash(account):
                return messages.refusal("no_cash", self.flavour)
        original.revised_qty += moved
        revision = self._new_order(stock, original.side, dvsn, moved, 0 if market_type else price)
        revision.kind, revision.original_odno = "revise", original.odno
        revision.venue = original.venue
        account.orders.append(revision)
        self._tell("modified", account, revision)
        self._match_on_entry(account, revision)
        return revision

    def cancel(self, account: Account, odno: str, qty: int | None) -> Order | Message:
        """취소: cancel the open remainder (or `qty` of it); the cancel gets its own odno."""
        original = account.find_order(odno)
        if original is None:
            return messages.refusal("no_order", self.flavour)
        if original.open_qty <= 0:
            return messages.refusal("nothing_left", self.flavour)
        cancelled = original.open_qty if qty is None else min(qty, original.open_qty)
        original.cancelled_qty += cancelled
        stock = self.market.stocks[original.code]
        record = self._new_order(stock, original.side, original.dvsn, cancelled, original.price)
        record.kind, record.original_odno = "cancel", original.odno
        record.venue = original.venue
        account.orders.append(record)
        self._tell("cancelled", account, record)
        return record

    def fill(self, account: Account, order: Order, qty: int, price: int) -> None:
        """Execute `qty` of an open order at `price`."""
        qty = min(qty, order.open_qty)
        if qty <= 0:
            return
        amount = qty * price
        order.filled_qty += qty
        order.filled_amount += amount
        order.last_fill_time = self._now_hms()
        if order.side == BUY:
            account.apply_buy(order.code, order.name, qty, amount)
        else:
            account.apply_sell(order.code, qty, amount)
        self.market.record_fill(order.code, price, qty)
        logger.debug("sandbox %s fill odno=%s qty=%d", self.flavour, order.odno, qty)
        self._tell("filled", account, order, qty=qty, price=price)

    def match_all(self) -> None:
        """Fill every resting order the current prices reach (after the market opens)."""
        for code, stock in self.market.stocks.items():
            self._on_price(code, stock.price)
            self._on_nxt_price(code, stock.price_on("NX"))

    def settle_day(self) -> None:
        """A new session: day orders expire, today's trades settle, sold-out holdings go."""
        for account in self.accounts.values():
            for order in account.open_orders():
                order.cancelled_qty += order.open_qty
            account.start_new_day()
            account.start_of_day_value = account.deposit + self.holdings_value(account)

    def _on_price(self, code: str, price: int) -> None:
        self._match(code, price, nxt=False)

    def _on_nxt_price(self, code: str, price: int) -> None:
        self._match(code, price, nxt=True)

    def _match(self, code: str, price: int, *, nxt: bool) -> None:
        if not self._trading(nxt=nxt):
            return
        for account in self.accounts.values():
            for order in account.open_orders():
                if order.code == code and (order.venue == "NXT") is nxt and _crosses(order, price):
                    self.fill(
                        account, order, order.open_qty, price if order.is_market else order.price
                    )

    def _match_on_entry(self, account: Account, order: Order) -> None:
        nxt = order.venue == "NXT"
        price = self.market.stocks[order.code].price_on("NX" if nxt else "J")
        if self._trading(nxt=nxt) and _crosses(order, price):
            self.fill(account, order, order.open_qty, price)

    def _trading(self, *, nxt: bool) -> bool:
        """Whether orders of that venue trade now: KRX's follow the market switch; NXT's also
        need an NXT session by the clock."""
        if not self.market.is_open:
            return False
        return not nxt or krx.nxt_trades(self._clock.now())

    def _tell(
        self,
        kind: OrderEventKind,
        account: Account,
        order: Order,
        *,
        qty: int | None = None,
        price: int | None = None,
    ) -> None:
        event = OrderEvent(
            kind,
            account,
            order,
            order.qty if qty is None else qty,
            order.price if price is None else price,
            self._now_hms(),
        )
        for listener in self._listeners:
            listener(event)

    def _reserve_price(self, order: Order) -> int:
        return self.reserve_price(order.code, order.dvsn, order.price)

    def _new_order(self, stock: Stock, side: Side, dvsn: str, qty: int, price: int) -> Order:
        odno = f"{self._next_odno:010d}"
        self._next_odno += 1
        now = self._clock.now().astimezone(KST)
        listing = stock.listing
        return Order(
            odno,
            self.orgno,
            now.date(),
            self._now_hms(),
            listing.code,
            listing.name,
            side,
            dvsn,
            qty,
            price,
        )

    def _now_hms(self) -> str:
        return self._clock.now().astimezone(KST).strftime("%H%M%S")


def _valid_limit(stock: Stock, price: int) -> bool:
    lower, upper = stock.band
    return lower <= price <= upper and krx.is_on_tick(price, etf=stock.etf)


def _crosses(order: Order, price: int) -> bool:
    if order.is_market:
        return True
    return price <= order.price if order.side == BUY else price >= order.price


__all__ = ["BUY", "SELL", "Broker", "OrderEvent"]
