"""The sandbox's control operations, as Python methods and as a JSON API under /_sandbox/.

HTTP (JSON bodies; errors are 400/404 with {"error": ...}):
  GET    /_sandbox/prices                       every listing: name, price, base, band
  POST   /_sandbox/price        {code, price} or {code, delta}   set or move a price
  POST   /_sandbox/advance      {seconds}       walk the market this much simulated time
  POST   /_sandbox/market       {open: bool}    open or close the simulated market
  GET    /_sandbox/faults                       faults still waiting
  POST   /_sandbox/faults       {path, kind, count, delay, rt_cd, msg_cd, msg1, status, flavour}
  DELETE /_sandbox/faults
  POST   /_sandbox/expire-tokens {appkey?}      expire tokens (the next tokenP issues anew)
  GET    /_sandbox/requests?path=&flavour=&tr_id=   the request log; DELETE clears it
  POST   /_sandbox/appkeys      {appkey, appsecret}   bind a secret to a key in advance
  GET    /_sandbox/accounts/{flavour}/{cano-prdt}     cash, holdings and orders
  POST   /_sandbox/accounts/{flavour}/{cano-prdt}/cash {amount}   set the deposit
  POST   /_sandbox/fill         {flavour, odno, qty, price?}   fill part of an open order
  POST   /_sandbox/hts-order    {flavour, account, code, side: buy|sell, qty, price?, dvsn?}
                                                an order "from HTS" (no REST call)
  POST   /_sandbox/reject-next  {flavour, count?}   the next orders are rejected after acceptance
  POST   /_sandbox/reset

WebSocket (kisbot.sandbox.realtime):
  GET    /_sandbox/ws/stats                     sessions: host, app key, registrations, pings
  POST   /_sandbox/ws/drop      {appkey?, flavour?}   abruptly close sessions
  POST   /_sandbox/ws/ping      {appkey?, flavour?}   send PINGPONG now
  POST   /_sandbox/ws/resend    {appkey, flavour?, tr_id?}   send the last data frame again
  POST   /_sandbox/ws/hts-id    {flavour, hts_id, account}   notices of the account to that HTS ID
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from kisbot.sandbox.accounts import BUY, SELL, Account, Order, Side
from kisbot.sandbox.faults import Fault, LoggedRequest
from kisbot.sandbox.market import Stock
from kisbot.sandbox.messages import FLAVOURS, Flavour, Message
from kisbot.sandbox.realtime import SessionStats
from kisbot.sandbox.state import SandboxState


class ControlError(ValueError):
    """A control request that cannot be done; the text says why."""


class NotFoundError(ControlError):
    """The control request names a stock or an order the sandbox does not have."""


class Control:
    """Operations on a sandbox's state that tests, the demo and the HTTP API use."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    def price(self, code: str) -> int:
        return self._stock(code).price

    def set_price(self, code: str, price: int, venue: str = "krx") -> int:
        """Move a price on KRX or NXT (snapped to a tick and the band); resting orders of that
        venue it reaches fill."""
        self.state.market.sync()
        listing_code = self._stock(code).listing.code
        if venue.lower() == "nxt":
            return self.state.market.set_nxt_price(listing_code, int(price))
        if venue.lower() != "krx":
            raise ValueError("venue is krx or nxt")
        return self.state.market.set_price(listing_code, int(price))

    def move_price(self, code: str, delta: int) -> int:
        return self.set_price(code, self.price(code) + int(delta))

    def advance(self, seconds: float) -> None:
        """Walk the market as if `seconds` of simulated time had passed (clock untouched)."""
        interval = self.state.market.walk_interval or 1.0
        self.state.market.walk(int(seconds / interval))

    def set_market_open(self, is_open: bool) -> None:
        self.state.set_market_open(is_open)

    def inject_fault(self, path: str, kind: str = "http500", **options: Any) -> None:
        """Misbehave on the next `count` calls of `path` (see faults.Fault)."""
        if options.get("flavour") not in (None, *FLAVOURS):
            raise ControlError("flavour must be real or mock")
        try:
            self.state.faults.add(Fault(path=path, kind=kind, **options))  # type: ignore[arg-type]
        except (TypeError, ValueError) as error:
            raise ControlError(str(error)) from error

    def expire_tokens(self, appkey: str | None = None) -> int:
        return self.state.expire_tokens(appkey)

    def requests(
        self, path: str | None = None, *, flavour: Flavour | None = None, tr_id: str | None = None
    ) -> list[LoggedRequest]:
        return self.state.log.entries(path, flavour=flavour, tr_id=tr_id)

    def register_app_key(self, appkey: str, appsecret: str) -> None:
        self.state.appkeys.register(appkey, appsecret)

    def account(self, flavour: Flavour, account: str) -> Account:
        """The account "12345678-01" of a host (created if new)."""
        cano, _, product = account.partition("-")
        if len(cano) != 8 or len(product) != 2 or not (cano + product).isdigit():
            raise ControlError("account must look like 12345678-01")
        return self.state.hosts[_flavour(flavour)].broker.account(cano, product)

    def set_cash(self, flavour: Flavour, account: str, amount: int) -> None:
        self.account(flavour, account).deposit = int(amount)

    def fill(self, flavour: Flavour, odno: str, qty: int, price: int | None = None) -> None:
        """Execute `qty` of an open order (at its limit, or the current price)."""
        broker = self.state.hosts[_flavour(flavour)].broker
        found = broker.find_order(odno)
        if found is None or found[1].open_qty <= 0:
            raise NotFoundError(f"no open order {odno}")
        account, order = found
        fill_price = price or order.price or self.price(order.code)
        broker.fill(account, order, int(qty), int(fill_price))

    def place_hts_order(
        self,
        flavour: Flavour,
        account: str,
        code: str,
        side: str,
        qty: int,
        price: int = 0,
        dvsn: str | None = None,
    ) -> Order:
        """An order placed outside the API (HTS/MTS): it fills, shows and is notified as any."""
        target = self.account(flavour, account)
        broker = self.state.hosts[_flavour(flavour)].broker
        self.state.market.sync()
        order_type = dvsn or ("00" if price else "01")
        placed = broker.place(target, code, _side(side), order_type, int(qty), int(price))
        if isinstance(placed, Message):
            raise ControlError(placed.msg1.strip())
        return placed

    def reject_next_order(self, flavour: Flavour, count: int = 1) -> None:
        """The next `count` orders on the host are accepted by the API, then rejected."""
        self.state.hosts[_flavour(flavour)].broker.reject_next = int(count)

    def drop_sessions(self, appkey: str | None = None, flavour: Flavour | None = None) -> int:
        """Abruptly close the WebSocket sessions (of one app key / host); returns how many."""
        return self.state.realtime.drop(appkey, _optional_flavour(flavour))

    def ping_sessions(self, appkey: str | None = None, flavour: Flavour | None = None) -> int:
        """Send PINGPONG now (ping_timeout then applies); returns how many sessions."""
        return self.state.realtime.ping_now(appkey, _optional_flavour(flavour))

    def resend_last_frame(
        self, appkey: str, flavour: Flavour | None = None, tr_id: str | None = None
    ) -> int:
        """Send the app key's session(s) their last data frame (of `tr_id`) again."""
        return self.state.realtime.resend_last(appkey, _optional_flavour(flavour), tr_id)

    def bind_hts_id(self, flavour: Flavour, hts_id: str, account: str) -> None:
        """Notices of `account` go to sessions registered for notices with `hts_id`."""
        target = self.account(flavour, account)
        if not hts_id:
            raise ControlError("hts_id must not be empty")
        self.state.realtime.bind_hts_id(_flavour(flavour), hts_id, (target.cano, target.product))

    def sessions(self) -> list[SessionStats]:
        return self.state.realtime.stats()

    def reset(self) -> None:
        self.state.reset()

    def _stock(self, code: str) -> Stock:
        stock = self.state.market.get(code)
        if stock is None:
            raise NotFoundError(f"unknown code {code!r}")
        return stock


def _flavour(value: str) -> Flavour:
    if value not in FLAVOURS:
        raise ControlError("flavour must be real or mock")
    return "real" if value == "real" else "mock"


def _optional_flavour(value: str | None) -> Flavour | None:
    return None if value in (None, "") else _flavour(value)  # type: ignore[arg-type]


def _side(value: str) -> Side:
    side = {"buy": BUY, "02": BUY, "sell": SELL, "01": SELL}.get(value.lower())
    if side is None:
        raise ControlError("side must be buy or sell")
    return side


def order_json(order: Order) -> dict[str, Any]:
    return {**asdict(order), "day": order.day.isoformat(), "open_qty": order.open_qty}


def sessions_json(sessions: list[SessionStats]) -> dict[str, Any]:
    per_appkey: dict[str, int] = {}
    for session in sessions:
        per_appkey[session.appkey] = per_appkey.get(session.appkey, 0) + 1
    return {
        "sessions": [
            {
                "flavour": s.flavour,
                "appkey": s.appkey,
                "registrations": [list(slot) for slot in s.registrations],
                "unanswered_pings": s.unanswered_pings,
            }
            for s in sessions
        ],
        "per_appkey": per_appkey,
    }


def account_json(control: Control, flavour: Flavour, account: Account) -> dict[str, Any]:
    broker = control.state.hosts[flavour].broker
    return {
        "cano": account.cano,
        "product": account.product,
        "deposit": account.deposit,
        "settled_cash": account.settled_cash,
        "orderable_cash": broker.orderable_cash(account),
        "holdings": [asdict(h) for h in account.holdings.values()],
        "orders": [order_json(order) for order in account.orders],
    }
