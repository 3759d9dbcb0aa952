"""The sandbox as a running thing: two aiohttp servers (real and mock host) over one state.

    async with Sandbox(seed=1, real_rate=0, mock_rate=0, token_interval=0) as sb:
        client = httpx.AsyncClient(base_url=sb.real_url)
        sb.set_price("005930", 72000)
        ...

Ports default to 0 (any free port) so tests can run in parallel; `real_url` and `mock_url` say
where each host listens. Time comes from `clock` (kisbot.clock), the machine's by default.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from types import TracebackType
from typing import Any

from aiohttp import web

from kisbot.clock import Clock, SystemClock
from kisbot.sandbox.accounts import Account
from kisbot.sandbox.apis import APIS
from kisbot.sandbox.control import Control
from kisbot.sandbox.faults import LoggedRequest
from kisbot.sandbox.gateway import FLAVOUR, STATE, gateway_middleware, route
from kisbot.sandbox.messages import FLAVOURS, Flavour
from kisbot.sandbox.overseas.broker import OverseasAccount
from kisbot.sandbox.realtime import SessionStats
from kisbot.sandbox.routes import control as control_routes
from kisbot.sandbox.routes import files, oauth, websocket
from kisbot.sandbox.state import SandboxState

logger = logging.getLogger(__name__)


def build_app(state: SandboxState, flavour: Flavour) -> web.Application:
    """The aiohttp application of one host."""
    app = web.Application(middlewares=[gateway_middleware])
    app[STATE] = state
    app[FLAVOUR] = flavour
    for api in APIS:
        app.router.add_route(api.method, api.path, route(api))
    app.router.add_post("/oauth2/tokenP", oauth.issue_token)
    app.router.add_post("/oauth2/revokeP", oauth.revoke_token)
    app.router.add_post("/oauth2/Approval", oauth.approval_key)
    app.router.add_post("/uapi/hashkey", oauth.hashkey)
    files.add_routes(app)
    websocket.add_routes(app)
    control_routes.add_routes(app)
    return app


class Sandbox:
    """A local KIS: the real host on `port`, the mock host on `mock_port` (default port + 1)."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        mock_port: int | None = None,
        seed: int = 0,
        real_rate: float = 18,
        mock_rate: float = 1,
        token_interval: float = 60,
        walk_interval: float = 1.0,
        approval_interval: float = 1.0,
        ping_interval: float = 100.0,
        ping_timeout: float = 10.0,
        clock: Clock | None = None,
    ) -> None:
        self.host = host
        self._ports: dict[Flavour, int] = {
            "real": port,
            "mock": mock_port if mock_port is not None else (port + 1 if port else 0),
        }
        self.state = SandboxState(
            clock or SystemClock(),
            seed=seed,
            real_rate=real_rate,
            mock_rate=mock_rate,
            token_interval=token_interval,
            walk_interval=walk_interval,
            approval_interval=approval_interval,
            ping_interval=ping_interval,
            ping_timeout=ping_timeout,
        )
        self.control = Control(self.state)
        self._runners: list[web.AppRunner] = []
        self._urls: dict[Flavour, str] = {}

    async def start(self) -> None:
        """Bind both hosts; afterwards `real_url` and `mock_url` are known."""
        try:
            for flavour in FLAVOURS:
                runner = web.AppRunner(
                    build_app(self.state, flavour),
                    access_log=None,  # query strings carry account numbers
                    handle_signals=False,
                    shutdown_timeout=1.0,
                )
                await runner.setup()
                self._runners.append(runner)
                await web.TCPSite(runner, self.host, self._ports[flavour]).start()
                bound_port = runner.addresses[0][1]
                self._urls[flavour] = f"http://{_url_host(self.host)}:{bound_port}"
        except BaseException:
            await self.stop()
            raise
        logger.info("KIS sandbox: real %s, mock %s", self.real_url, self.mock_url)

    async def stop(self) -> None:
        self.state.realtime.drop()  # open WebSockets would hold the shutdown up
        for runner in reversed(self._runners):
            await runner.cleanup()
        self._runners.clear()

    async def __aenter__(self) -> Sandbox:
        await self.start()
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def real_url(self) -> str:
        """Root of the real host, e.g. http://127.0.0.1:8800 (for KISBOT_KIS_REAL_URL)."""
        return self._urls["real"]

    @property
    def mock_url(self) -> str:
        """Root of the mock host (for KISBOT_KIS_MOCK_URL)."""
        return self._urls["mock"]

    @property
    def real_ws_url(self) -> str:
        """WebSocket root of the real host (for KISBOT_KIS_REAL_WS_URL; clients add /tryitout)."""
        return "ws" + self.real_url.removeprefix("http")

    @property
    def mock_ws_url(self) -> str:
        """WebSocket root of the mock host (for KISBOT_KIS_MOCK_WS_URL)."""
        return "ws" + self.mock_url.removeprefix("http")

    @property
    def files_url(self) -> str:
        """Where the master-file zips are (for KISBOT_SYMBOLS_URL)."""
        return f"{self.real_url}/_files"

    def url(self, flavour: Flavour) -> str:
        return self._urls[flavour]

    # Control operations (the same as the /_sandbox/ JSON API).

    def price(self, code: str) -> int:
        return self.control.price(code)

    def set_price(self, code: str, price: int, venue: str = "krx") -> int:
        """Set a price on KRX or NXT (snapped to tick and band); returns it. Resting orders of
        that venue it reaches fill."""
        return self.control.set_price(code, price, venue)

    def move_price(self, code: str, delta: int) -> int:
        return self.control.move_price(code, delta)

    def advance(self, seconds: float) -> None:
        """Walk the market by `seconds` of simulated time."""
        self.control.advance(seconds)

    def open_market(self) -> None:
        self.control.set_market_open(True)

    def close_market(self) -> None:
        self.control.set_market_open(False)

    def inject_fault(self, path: str, kind: str = "http500", **options: Any) -> None:
        """Misbehave on the next calls of `path`: kind http500 | delay | rate_limit | kis_error;
        options count, delay, rt_cd, msg_cd, msg1, status, flavour."""
        self.control.inject_fault(path, kind, **options)

    def clear_faults(self) -> None:
        self.state.faults.clear()

    def expire_tokens(self, appkey: str | None = None) -> int:
        """Expire every token (of one app key); returns how many."""
        return self.control.expire_tokens(appkey)

    # -- overseas ---------------------------------------------------------------------------

    def overseas_price(self, excd: str, symbol: str) -> Decimal:
        stock = self.state.overseas_market.get(excd, symbol)
        if stock is None:
            raise KeyError(f"{excd}:{symbol}")
        return stock.last

    def set_overseas_price(self, excd: str, symbol: str, price: Decimal | str) -> Decimal:
        """Trade an overseas listing at `price`; resting orders it reaches fill while its
        exchange is open."""
        return self.state.overseas_market.set_price(excd, symbol, Decimal(price))

    def force_overseas_hours(self, is_open: bool | None) -> None:
        """Open (True) or close (False) every overseas exchange; None: their own hours."""
        self.state.overseas_market.forced_open = is_open

    def fill_overseas(
        self, odno: str, qty: int, *, price: Decimal | None = None, flavour: Flavour = "mock"
    ) -> None:
        self.state.hosts[flavour].overseas.fill(odno, qty, price)

    def overseas_account(self, account: str, flavour: Flavour = "mock") -> OverseasAccount:
        cano, _, product = account.partition("-")
        return self.state.hosts[flavour].overseas.account(cano, product or "01")

    def requests(
        self, path: str | None = None, *, flavour: Flavour | None = None, tr_id: str | None = None
    ) -> list[LoggedRequest]:
        """The request log, filtered by path (full or suffix), host and tr_id."""
        return self.control.requests(path, flavour=flavour, tr_id=tr_id)

    def register_app_key(self, appkey: str, appsecret: str) -> None:
        self.control.register_app_key(appkey, appsecret)

    def account(self, account: str, flavour: Flavour = "mock") -> Account:
        """The live account object "12345678-01" of a host (created on first use)."""
        return self.control.account(flavour, account)

    def set_cash(self, account: str, amount: int, flavour: Flavour = "mock") -> None:
        self.control.set_cash(flavour, account, amount)

    def fill(
        self, odno: str, qty: int, *, price: int | None = None, flavour: Flavour = "mock"
    ) -> None:
        """Fill `qty` of an open order now (partial fills)."""
        self.control.fill(flavour, odno, qty, price)

    def place_hts_order(
        self,
        account: str,
        code: str,
        side: str,
        qty: int,
        price: int = 0,
        *,
        dvsn: str | None = None,
        flavour: Flavour = "mock",
    ) -> str:
        """Place an order as if from HTS (side buy|sell; no price = market); returns its odno."""
        return self.control.place_hts_order(flavour, account, code, side, qty, price, dvsn).odno

    def reject_next_order(self, flavour: Flavour = "mock", count: int = 1) -> None:
        """The next order(s) get an order number from order-cash, then a rejection notice."""
        self.control.reject_next_order(flavour, count)

    def bind_hts_id(self, hts_id: str, account: str, flavour: Flavour = "mock") -> None:
        """Sessions registered for notices with `hts_id` hear about `account`."""
        self.control.bind_hts_id(flavour, hts_id, account)

    def drop_sessions(self, appkey: str | None = None, flavour: Flavour | None = None) -> int:
        """Abruptly close WebSocket sessions (all, or one app key's); returns how many."""
        return self.control.drop_sessions(appkey, flavour)

    def ping_sessions(self, appkey: str | None = None, flavour: Flavour | None = None) -> int:
        """Send PINGPONG now; sessions that do not echo within ping_timeout are closed."""
        return self.control.ping_sessions(appkey, flavour)

    def resend_last_frame(
        self, appkey: str, flavour: Flavour | None = None, tr_id: str | None = None
    ) -> int:
        """Send the last data frame (of `tr_id`) to the app key's session again."""
        return self.control.resend_last_frame(appkey, flavour, tr_id)

    def sessions(self) -> list[SessionStats]:
        """Every WebSocket session: host, app key, registrations, unanswered pings."""
        return self.control.sessions()

    def reset(self) -> None:
        self.control.reset()


def _url_host(host: str) -> str:
    if host in {"", "0.0.0.0"}:
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host
