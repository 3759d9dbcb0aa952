"""The sandbox's real-time service: every WebSocket session of both hosts, what each has
registered, and the fan-out of ticks and execution notices to them (kis-api §7).

Rules (the README's WebSocket section says the same):
- A message needs a live approval key of this host (else OPSP0011). The first such message binds
  the connection to that key's app key; a connection for an app key that already has a live
  session gets OPSP8996 and is closed, the first one keeps working.
- At most 41 registrations per session over all TRs (the 42nd: OPSP0008).
- Ticks: every session registered for H0STCNT0 on a code gets a record on each trade or price
  change of that code.
- Notices: a session registered for its host's notice TR (tr_key: any non-empty HTS ID) gets the
  order events of the accounts its app key has used in REST calls, and of the accounts bound to
  one of its HTS IDs with `bind_hts_id`; once per event, encrypted with the key/iv of its latest
  notice subscribe reply.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from aiohttp import web

from kisbot.clock import Clock
from kisbot.sandbox.approvals import ApprovalBook
from kisbot.sandbox.broker import Broker, OrderEvent
from kisbot.sandbox.market import Market, Stock
from kisbot.sandbox.messages import Flavour
from kisbot.sandbox.realtime import frames
from kisbot.sandbox.realtime.frames import Cipher256, Reply
from kisbot.sandbox.realtime.session import (
    COMBINED_TICK_TR,
    NXT_TICK_TR,
    TICK_TR,
    Session,
)

MAX_REGISTRATIONS = 41
NOTICE_TR: dict[Flavour, str] = {"real": "H0STCNI0", "mock": "H0STCNI9"}
# The NXT and combined trade streams exist on the real host only.
TRS: dict[Flavour, frozenset[str]] = {
    "real": frozenset({TICK_TR, NXT_TICK_TR, COMBINED_TICK_TR, NOTICE_TR["real"]}),
    "mock": frozenset({TICK_TR, NOTICE_TR["mock"]}),
}
AccountKey = tuple[str, str]  # (CANO, ACNT_PRDT_CD)


@dataclass(frozen=True, slots=True)
class SessionStats:
    """What the control API tells about one session (app keys are the caller's own)."""

    flavour: Flavour
    appkey: str = field(repr=False)  # "" before the first valid approval key
    registrations: list[tuple[str, str]]
    unanswered_pings: int


@dataclass(frozen=True, slots=True)
class Request:
    """A subscribe or unsubscribe message, read (kis-api §7.1)."""

    approval_key: str = field(repr=False)
    tr_type: str
    tr_id: str
    tr_key: str


class Realtime:
    """Sessions of both hosts and what reaches them."""

    def __init__(
        self,
        clock: Clock,
        market: Market,
        brokers: dict[Flavour, Broker],
        approvals: ApprovalBook,
        *,
        ping_interval: float = 100.0,
        ping_timeout: float = 10.0,
    ) -> None:
        self._clock = clock
        self._market = market
        self._approvals = approvals
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.sessions: list[Session] = []
        self._live: dict[tuple[Flavour, str], Session] = {}
        self._used_accounts: dict[tuple[Flavour, str], set[AccountKey]] = {}
        self._hts_accounts: dict[tuple[Flavour, str], set[AccountKey]] = {}
        self._pump: asyncio.Task[None] | None = None
        market.on_trade(self._on_trade)
        market.on_nxt_price(self._on_nxt_trade)
        for flavour, broker in brokers.items():
            broker.on_order_event(partial(self._on_order_event, flavour))

    # Connections.

    def open(self, flavour: Flavour, ws: web.WebSocketResponse, request: web.Request) -> Session:
        session = Session(
            flavour,
            ws,
            request,
            self._clock,
            ping_interval=self.ping_interval,
            ping_timeout=self.ping_timeout,
        )
        self.sessions.append(session)
        session.start()
        self._start_pump()
        return session

    def closed(self, session: Session) -> None:
        """Forget a session whose connection has ended (or is being dropped)."""
        session.stop()
        if session in self.sessions:
            self.sessions.remove(session)
        if session.appkey is not None and self._live.get(_key(session)) is session:
            del self._live[_key(session)]
        if not self.sessions and self._pump is not None:
            self._pump.cancel()
            self._pump = None

    async def receive(self, session: Session, text: str) -> None:
        """Act on one text frame from a client: a PINGPONG echo, a subscribe or an unsubscribe."""
        message = _json_object(text)
        header = message.get("header")
        if isinstance(header, dict) and header.get("tr_id") == "PINGPONG":
            session.answer_ping()
            return
        request = _read_request(message)
        if request is None:
            session.send(_reply_to(message, frames.BAD_MESSAGE))
            return
        appkey = self._approvals.appkey_of(request.approval_key, session.flavour)
        if appkey is None:
            session.send(_reply(request, frames.APPROVAL_NOT_FOUND))
            return
        if session.appkey is None:
            live = self._live.get((session.flavour, appkey))
            if live is not None and not live.closed:
                await session.refuse(_reply(request, frames.APPKEY_IN_USE))
                return
            session.appkey = appkey
            self._live[(session.flavour, appkey)] = session
        elif session.appkey != appkey:
            session.send(_reply(request, frames.OTHER_APPKEY))
            return
        session.send(self._register(session, request))

    def _register(self, session: Session, request: Request) -> str:
        if request.tr_id not in TRS[session.flavour]:
            return _reply(request, frames.UNKNOWN_TR)
        slot = (request.tr_id, request.tr_key)
        if request.tr_type == "2":
            if session.registrations.pop(slot, None) is None:
                return _reply(request, frames.NOT_SUBSCRIBED)
            return _reply(request, frames.UNSUBSCRIBED)
        if request.tr_type != "1":
            return _reply(request, frames.BAD_MESSAGE)
        if slot in session.registrations:
            return _reply(request, frames.ALREADY_SUBSCRIBED)
        if len(session.registrations) >= MAX_REGISTRATIONS:
            return _reply(request, frames.MAX_SUBSCRIBE_OVER)
        cipher = Cipher256.fresh()
        session.registrations[slot] = cipher
        return _reply(request, frames.SUBSCRIBED, cipher)

    # Who sees which account's notices.

    def note_account_use(self, flavour: Flavour, appkey: str, account: AccountKey) -> None:
        """An app key named this account in a REST call: its sessions get the account's notices."""
        if appkey:
            self._used_accounts.setdefault((flavour, appkey), set()).add(account)

    def bind_hts_id(self, flavour: Flavour, hts_id: str, account: AccountKey) -> None:
        """Sessions registered for notices with this HTS ID get the account's notices."""
        self._hts_accounts.setdefault((flavour, hts_id), set()).add(account)

    # Fan-out.

    def _on_trade(self, stock: Stock, volume: int) -> None:
        # A KRX trade: KRX's stream and the combined one (the last trade on either venue).
        self._tell_trade(stock, volume, stock.price, (TICK_TR, COMBINED_TICK_TR))

    def _on_nxt_trade(self, code: str, price: int) -> None:
        self._tell_trade(self._market.stocks[code], 0, price, (NXT_TICK_TR, COMBINED_TICK_TR))

    def _tell_trade(self, stock: Stock, volume: int, price: int, tr_ids: tuple[str, ...]) -> None:
        record = ""
        for tr_id in tr_ids:
            slot = (tr_id, stock.listing.code)
            for session in self.sessions:
                if slot in session.registrations:
                    record = record or frames.tick_record(
                        stock, volume, self._market.today(), self._clock.now(), price
                    )
                    session.add_tick(record, tr_id)

    def _on_order_event(self, flavour: Flavour, event: OrderEvent) -> None:
        tr_id = NOTICE_TR[flavour]
        account = (event.account.cano, event.account.product)
        for session in self.sessions:
            if session.flavour != flavour or session.appkey is None:
                continue
            notices = [(key, c) for (tr, key), c in session.registrations.items() if tr == tr_id]
            hts_id = self._hts_id_covering(session, [key for key, _ in notices], account)
            if hts_id is None:
                continue
            cipher = notices[-1][1]
            payload = cipher.encrypt(frames.notice_record(event, hts_id))
            for frame in frames.data_frames(True, tr_id, [payload]):
                session.send_data(tr_id, frame)

    def _hts_id_covering(
        self, session: Session, hts_ids: list[str], account: AccountKey
    ) -> str | None:
        """The HTS ID under which a session hears of `account`, or None when it does not."""
        for hts_id in reversed(hts_ids):
            if account in self._hts_accounts.get((session.flavour, hts_id), ()):
                return hts_id
        if hts_ids and account in self._used_accounts.get(_key(session), ()):
            return hts_ids[-1]
        return None

    # Control.

    def drop(self, appkey: str | None = None, flavour: Flavour | None = None) -> int:
        """Abruptly close every session (of one app key / host); returns how many."""
        dropped = [s for s in self.sessions if _matches(s, appkey, flavour)]
        for session in dropped:
            session.abort()
            self.closed(session)
        return len(dropped)

    def ping_now(self, appkey: str | None = None, flavour: Flavour | None = None) -> int:
        """Send PINGPONG to every session (of one app key) now; returns how many."""
        targets = [s for s in self.sessions if _matches(s, appkey, flavour) and not s.closed]
        for session in targets:
            session.ping()
        return len(targets)

    def resend_last(
        self, appkey: str, flavour: Flavour | None = None, tr_id: str | None = None
    ) -> int:
        """Send each session of `appkey` its last data frame (of `tr_id`) again; how many did."""
        targets = [s for s in self.sessions if _matches(s, appkey, flavour)]
        return sum(session.resend_last(tr_id or "") for session in targets)

    def stats(self) -> list[SessionStats]:
        return [
            SessionStats(
                session.flavour,
                session.appkey or "",
                list(session.registrations),
                session.unanswered_pings,
            )
            for session in self.sessions
        ]

    def reset(self) -> None:
        self.drop()
        self._used_accounts.clear()
        self._hts_accounts.clear()

    def _start_pump(self) -> None:
        # Without REST calls nothing would sync the market; while clients listen, walk it.
        if self._pump is None and self._market.walk_interval > 0:
            self._pump = asyncio.get_running_loop().create_task(self._walk_market())

    async def _walk_market(self) -> None:
        while True:
            await self._clock.sleep(self._market.walk_interval)
            self._market.sync()


def _key(session: Session) -> tuple[Flavour, str]:
    return (session.flavour, session.appkey or "")


def _matches(session: Session, appkey: str | None, flavour: Flavour | None) -> bool:
    return appkey in (None, session.appkey) and flavour in (None, session.flavour)


def _json_object(text: str) -> dict[str, Any]:
    with contextlib.suppress(ValueError):
        data = json.loads(text)
        if isinstance(data, dict):
            return data
    return {}


def _read_request(message: dict[str, Any]) -> Request | None:
    header, body = message.get("header"), message.get("body")
    fields = body.get("input") if isinstance(body, dict) else None
    if not isinstance(header, dict) or not isinstance(fields, dict):
        return None
    values = (
        header.get("approval_key"),
        header.get("tr_type"),
        fields.get("tr_id"),
        fields.get("tr_key"),
    )
    if not all(isinstance(value, str) and value for value in values):
        return None
    return Request(*values)  # type: ignore[arg-type]


def _reply(request: Request, reply: Reply, cipher: Cipher256 | None = None) -> str:
    return frames.control_reply(request.tr_id, request.tr_key, reply, cipher)


def _reply_to(message: dict[str, Any], reply: Reply) -> str:
    body = message.get("body")
    fields = body.get("input") if isinstance(body, dict) else None
    fields = fields if isinstance(fields, dict) else {}
    return frames.control_reply(str(fields.get("tr_id", "")), str(fields.get("tr_key", "")), reply)
