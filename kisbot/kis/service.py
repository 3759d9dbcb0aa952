"""KisService: the one object per process that talks to KIS.

It holds what every credential shares: the httpx.AsyncClient (owned, with aiohttp underneath as
`kisbot.kis.transport` explains, or injected with any transport), the real and mock hosts, the
per-environment rates, the timeout, the TokenStore, the Clock, a rate limiter per app key (on a
SharedBudget when several processes share the keys) and the token manager.
`service.client(credential)` gives a KisClient; clients are cheap and share everything. It owns
the WebSocket approval keys too, and `service.realtime(sink)` builds the WebSocket hub
(kisbot.kis.realtime) on them; the service closes the hubs it built.

    async with KisService(real_url=..., mock_url=...) as kis:
        quote = await kis.client(credential).quote("005930")
"""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import partial
from types import TracebackType

import httpx

from kisbot.clock import Clock, SystemClock
from kisbot.kis.auth import TokenManager
from kisbot.kis.client import KisClient
from kisbot.kis.credentials import Credential, Environment
from kisbot.kis.gateway import KisGateway
from kisbot.kis.http import Hosts, KisHttp
from kisbot.kis.limiter import RateLimiter, SharedBudget
from kisbot.kis.realtime.approval import ApprovalKeys, ApprovalStore, MemoryApprovalStore
from kisbot.kis.realtime.hub import Realtime
from kisbot.kis.realtime.session import Sink
from kisbot.kis.tokens import MemoryTokenStore, TokenStore
from kisbot.kis.transport import new_http_client

logger = logging.getLogger(__name__)

REAL_URL = "https://openapi.koreainvestment.com:9443"
MOCK_URL = "https://openapivts.koreainvestment.com:29443"
REAL_WS_URL = "ws://ops.koreainvestment.com:21000"
MOCK_WS_URL = "ws://ops.koreainvestment.com:31000"


class KisService:
    """Process-wide KIS access: shared HTTP client, limits, tokens; hands out KisClients."""

    def __init__(
        self,
        *,
        real_url: str = REAL_URL,
        mock_url: str = MOCK_URL,
        real_ws_url: str = REAL_WS_URL,
        mock_ws_url: str = MOCK_WS_URL,
        real_rate: float = 18.0,
        mock_rate: float = 1.0,
        timeout: float = 10.0,
        token_store: TokenStore | None = None,
        approval_store: ApprovalStore | None = None,
        shared_budget: SharedBudget | None = None,
        clock: Clock | None = None,
        http: httpx.AsyncClient | None = None,
        use_hashkey: bool = False,
        token_margin: timedelta = timedelta(minutes=10),
        max_retries: int = 3,
        retry_backoff: float = 0.5,
    ) -> None:
        self.hosts = Hosts(real=real_url.rstrip("/"), mock=mock_url.rstrip("/"))
        self.rates = {Environment.REAL: real_rate, Environment.MOCK: mock_rate}
        self.clock: Clock = clock or SystemClock()
        self.token_store: TokenStore = token_store or MemoryTokenStore()
        self._owns_http = http is None
        self._http_client = http or new_http_client(timeout)
        self._limiters: dict[tuple[str, Environment], RateLimiter] = {}
        self._shared_budget = shared_budget
        self.ws_urls = {Environment.REAL: real_ws_url, Environment.MOCK: mock_ws_url}
        self._realtimes: list[Realtime] = []
        kis_http = KisHttp(self._http_client, timeout)
        self.tokens = TokenManager(
            kis_http, self.hosts, self.token_store, self.clock, margin=token_margin
        )
        self.approvals = ApprovalKeys(
            kis_http, self.hosts, approval_store or MemoryApprovalStore(), self.clock
        )
        self.gateway = KisGateway(
            kis_http,
            self.hosts,
            self.tokens,
            self.limiter,
            self.clock,
            use_hashkey=use_hashkey,
            max_retries=max_retries,
            backoff=retry_backoff,
        )

    @property
    def use_hashkey(self) -> bool:
        """Whether orders carry a hashkey header (off by default; KIS does not require it)."""
        return self.gateway.use_hashkey

    @use_hashkey.setter
    def use_hashkey(self, value: bool) -> None:
        self.gateway.use_hashkey = value

    def client(self, credential: Credential) -> KisClient:
        """The KIS operations for this credential."""
        return KisClient(self.gateway, self.tokens, self.clock, credential)

    def realtime(self, sink: Sink) -> Realtime:
        """A WebSocket hub on this service's approval keys and clock, sending events to `sink`."""
        hub = Realtime(self.ws_urls, self.approvals, sink, self.clock)
        self._realtimes.append(hub)
        return hub

    def limiter(self, credential: Credential) -> RateLimiter:
        """The rate limiter every call of this app key shares (in this process; across
        processes too when the service has a shared budget)."""
        key = (credential.app_key, credential.environment)
        limiter = self._limiters.get(key)
        if limiter is None:
            budget = self._shared_budget
            shared = None if budget is None else partial(budget.reserve, credential)
            limiter = RateLimiter(self.rates[credential.environment], self.clock, shared=shared)
            self._limiters[key] = limiter
        return limiter

    async def aclose(self) -> None:
        """Close the WebSocket hubs, stop the limiters, close the HTTP client if ours."""
        for hub in self._realtimes:
            await hub.aclose()
        for limiter in self._limiters.values():
            await limiter.aclose()
        if self._owns_http:
            await self._http_client.aclose()

    async def __aenter__(self) -> KisService:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()
