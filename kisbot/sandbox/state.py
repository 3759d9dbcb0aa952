"""Everything one sandbox knows, shared by its two hosts: market, keys, tokens, accounts, faults,
and the real-time sessions."""

from __future__ import annotations

from dataclasses import dataclass

from kisbot.clock import Clock
from kisbot.sandbox.approvals import ApprovalBook
from kisbot.sandbox.auth import AppKeys, RateLimiter, TokenBook
from kisbot.sandbox.broker import Broker
from kisbot.sandbox.faults import FaultBook, RequestLog
from kisbot.sandbox.market import Market
from kisbot.sandbox.messages import FLAVOURS, Flavour
from kisbot.sandbox.overseas.broker import OverseasBroker
from kisbot.sandbox.overseas.market import OverseasMarket
from kisbot.sandbox.realtime import Realtime


@dataclass(slots=True)
class Host:
    """What differs between the real and the mock host: tokens, call rate, accounts."""

    flavour: Flavour
    tokens: TokenBook
    limiter: RateLimiter
    broker: Broker
    overseas: OverseasBroker


class SandboxState:
    """The sandbox's whole state; the HTTP layer and the control API both act on it."""

    def __init__(
        self,
        clock: Clock,
        *,
        seed: int = 0,
        real_rate: float = 18,
        mock_rate: float = 1,
        token_interval: float = 60,
        walk_interval: float = 1.0,
        approval_interval: float = 1.0,
        ping_interval: float = 100.0,
        ping_timeout: float = 10.0,
    ) -> None:
        self.clock = clock
        self.market = Market(clock, seed=seed, walk_interval=walk_interval)
        self.overseas_market = OverseasMarket(clock, seed)
        self.appkeys = AppKeys()
        self.faults = FaultBook()
        self.log = RequestLog()
        rates: dict[Flavour, float] = {"real": real_rate, "mock": mock_rate}
        self.hosts: dict[Flavour, Host] = {
            flavour: Host(
                flavour,
                TokenBook(clock, interval=token_interval),
                RateLimiter(clock, rates[flavour]),
                Broker(flavour, self.market, clock),
                OverseasBroker(flavour, self.overseas_market, clock),
            )
            for flavour in FLAVOURS
        }
        self.approvals = ApprovalBook(clock, interval=approval_interval)
        self.realtime = Realtime(
            clock,
            self.market,
            {flavour: host.broker for flavour, host in self.hosts.items()},
            self.approvals,
            ping_interval=ping_interval,
            ping_timeout=ping_timeout,
        )

    def set_market_open(self, is_open: bool) -> None:
        """Open or close the simulated market; opening fills what the prices reach."""
        self.market.sync()
        self.market.is_open = is_open
        if is_open:
            for host in self.hosts.values():
                host.broker.match_all()

    def expire_tokens(self, appkey: str | None = None) -> int:
        return sum(host.tokens.expire_all(appkey) for host in self.hosts.values())

    def reset(self) -> None:
        """Back to a fresh start: prices, accounts, tokens, keys, faults, the log, and the
        WebSocket sessions (dropped) with their approval keys."""
        self.realtime.reset()
        self.approvals.reset()
        self.market.reset()
        self.market.is_open = True
        self.overseas_market.reset()
        self.appkeys.reset()
        self.faults.clear()
        self.log.clear()
        for host in self.hosts.values():
            host.tokens.reset()
            host.limiter.reset()
            host.broker.reset()
            host.overseas.reset()
