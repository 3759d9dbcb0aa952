"""Alert checks: a round polls every code once per app key; a WebSocket tick checks one code.

A round (`tick`) loads what to watch, fetches each code once per app key, fires and re-arms.
With KISBOT_MARKET_HOURS_ONLY on, rounds run while any venue trades (08:00-20:00 on trading
days) and read the price that moves then (`KrxCalendar.alert_feed`): on real keys the combined
KRX+NXT price while KRX takes orders and NXT's alone after; on mock keys KRX's, 09:00-15:30.
Between rounds, trades KIS streams over the WebSocket (`on_tick`) are checked against the
alerts on their code, held in memory from the last round; codes whose tick registration was
already live at the last round are left out of the rounds' fetches (a code that has just become
live is fetched once more: KIS streams trades, not the price a new registration starts from, so
a crossing between the last fetch and the registration would wait for the next trade). Both
fire through the same conditional UPDATE, so a tick and a poll never both fire an alert.

The alerts table is the truth; a tick only reads it and moves rows with conditional UPDATEs,
so two bot processes sharing one PostgreSQL fire each alert once. Quotes are read at background
priority through the per-key limiter (a user's own command on the same key goes first): 30
codes a call with the multi-quote API for real keys, one call a code for mock keys (which lack
it). A key whose credential fails is logged and skipped; the others go on. Delivery of the
queued messages is separate (`kisbot.delivery`), so a send failure never blocks a tick.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeVar

from kisbot.accounts import Accounts
from kisbot.alerts import rules
from kisbot.alerts.messages import FiredAlert
from kisbot.clock import Clock
from kisbot.kis import Environment, KisAuthError, KisError, PriceFeed, Priority, Quote
from kisbot.kis.client import MULTI_QUOTE_MAX, KisClient
from kisbot.kis.realtime import Tick
from kisbot.market_hours import KrxCalendar
from kisbot.owners import EveryKey, KeyOwners
from kisbot.securities import Securities
from kisbot.store.repos import AlertRepo
from kisbot.store.repos.alerts import WatchedAlert

logger = logging.getLogger(__name__)

KeyId = tuple[str, str]  # (app key, environment); never logged
G = TypeVar("G")  # a group of users (nearest_codes_by)
_CALLS_IN_FLIGHT = 16  # multi-quote calls in flight at once across all keys (measured)


@dataclass(slots=True)
class TickReport:
    """What one tick did, for logs, tests and the benchmark."""

    market_closed: bool = False
    alerts: int = 0
    keys: int = 0
    codes: int = 0
    calls: int = 0
    fired: int = 0
    rearmed: int = 0
    failed_keys: int = 0


@dataclass(slots=True)
class _KeyGroup:
    client: KisClient
    feed: PriceFeed
    codes: set[str] = field(default_factory=set)
    alerts: list[WatchedAlert] = field(default_factory=list)


class AlertEngine:
    """Ticks the alerts of every user; `tick()` never runs twice at once in one process."""

    def __init__(
        self,
        repo: AlertRepo,
        accounts: Accounts,
        securities: Securities,
        calendar: KrxCalendar,
        clock: Clock,
        *,
        market_hours_only: bool = True,
        owners: KeyOwners | None = None,
    ) -> None:
        self._repo = repo
        self._accounts = accounts
        self._securities = securities
        self._calendar = calendar
        self._clock = clock
        self._market_hours_only = market_hours_only
        self._owners: KeyOwners = owners or EveryKey()
        self._lock = asyncio.Lock()
        self._keep_going: Callable[[], bool] = _always
        # What ticks are checked against, as of the last round: alerts by code, their users'
        # chats, and the last price seen of each code (to rank codes by nearness).
        self._by_code: dict[str, list[WatchedAlert]] = {}
        self._chats: dict[int, int] = {}
        self._prices: dict[str, tuple[int, int]] = {}
        self._live_codes: Callable[[], Collection[str]] = frozenset
        self._live_at_last_round: frozenset[str] = frozenset()
        self.on_fired: Callable[[], None] = _nothing

    async def tick(self, keep_going: Callable[[], bool] | None = None) -> TickReport:
        """Check every watched alert once (nothing is fetched while KRX is closed).

        `keep_going` is asked between KIS calls; when it says no (the bot is stopping), the
        tick stops fetching, so a slow mock key cannot hold up a shutdown.
        """
        async with self._lock:
            self._keep_going = keep_going or _always
            report = await self._tick()
            if report.fired or report.failed_keys:
                logger.info(
                    "alert tick: %d alerts, %d keys, %d calls, %d fired, %d re-armed, "
                    "%d keys failed",
                    report.alerts,
                    report.keys,
                    report.calls,
                    report.fired,
                    report.rearmed,
                    report.failed_keys,
                )
            return report

    async def _tick(self) -> TickReport:
        if self._market_hours_only and not self._calendar.any_trading(self._clock.now()):
            return TickReport(market_closed=True)
        alerts = await self._repo.list_watched()
        report = TickReport(alerts=len(alerts))
        chats = await self._repo.chat_ids(alert.user_id for alert in alerts)
        self._index(alerts, chats)
        live, live_before = frozenset(self._live_codes()), self._live_at_last_round
        self._live_at_last_round = live
        polled = [alert for alert in alerts if alert.code not in live & live_before]
        if not polled:
            return report
        groups = await self._group(polled)
        report.keys = len(groups)
        report.codes = sum(len(group.codes) for group in groups.values())
        fetched = await self._fetch_all(list(groups.values()))
        for group, (quotes, calls, failed) in zip(groups.values(), fetched, strict=True):
            report.calls += calls
            report.failed_keys += failed
            for alert in group.alerts:
                quote = quotes.get(alert.code)
                if quote is not None:
                    prev_close = quote.prev_close or alert.reference_price or 0
                    self._prices[alert.code] = (quote.price, prev_close)
                    await self._evaluate(
                        alert, quote.price, prev_close, quote.name, report, group.feed
                    )
        return report

    # -- ticks from the WebSocket -----------------------------------------------------------

    def follow_live_codes(self, live_codes: Callable[[], Collection[str]]) -> None:
        """Leave codes `live_codes()` names out of rounds: their ticks arrive by themselves."""
        self._live_codes = live_codes

    async def on_tick(self, tick: Tick) -> int:
        """Check the alerts on the tick's code against its price; how many fired.

        An alert a tick fires (or re-arms, or tries to) leaves the in-memory index until the
        next round reloads it, so a burst of ticks makes one UPDATE per alert, not one per tick.
        """
        self._prices[tick.code] = (tick.price, tick.prev_close)
        alerts = self._by_code.get(tick.code)
        if not alerts:
            return 0
        report = TickReport()
        for alert in list(alerts):
            prev_close = tick.prev_close or alert.reference_price or 0
            # Two keys' sessions may tick one code at once: the other may have removed it.
            if await self._evaluate(alert, tick.price, prev_close, None, report, tick.feed) and (
                alert in alerts
            ):
                alerts.remove(alert)
        if report.fired:
            logger.info("alert tick %s: %d fired", tick.code, report.fired)
        return report.fired

    async def nearest_codes(self, user_ids: Collection[int] | None = None) -> list[str]:
        """Codes watched by these users' alerts (all users by default), nearest to firing first
        (as of the last price seen); codes with no price yet come last."""
        if user_ids is None:
            user_ids = await self.watching_users()
        return (await self.nearest_codes_by({None: user_ids})).get(None, [])

    async def nearest_codes_by(self, groups: Mapping[G, Collection[int]]) -> dict[G, list[str]]:
        """`nearest_codes` for each group of users at once, in one pass over the alerts (a
        process may serve thousands of keys; one pass per key would be quadratic)."""
        group_of = {user_id: group for group, users in groups.items() for user_id in users}
        nearest: dict[G, dict[str, Decimal]] = {}
        far = Decimal(10)
        for code, alerts in self._by_code.items():
            price, prev_close = self._prices.get(code, (0, 0))
            for alert in alerts:
                if alert.user_id not in group_of:
                    continue
                gap = rules.distance(
                    alert.kind, alert.threshold, price, prev_close or alert.reference_price or 0
                )
                codes = nearest.setdefault(group_of[alert.user_id], {})
                codes[code] = min(codes.get(code, far), far if gap is None else gap)
        return {
            group: sorted(codes, key=lambda code, codes=codes: (codes[code], code))
            for group, codes in nearest.items()
        }

    async def watching_users(self) -> set[int]:
        """The users whose alerts ticks are checked for (as of the last load)."""
        return {alert.user_id for alerts in self._by_code.values() for alert in alerts}

    async def reload(self) -> None:
        """Reload the alerts ticks are checked against (an alert was added or removed)."""
        alerts = await self._repo.list_watched()
        self._index(alerts, await self._repo.chat_ids(alert.user_id for alert in alerts))

    def _index(self, alerts: list[WatchedAlert], chats: dict[int, int]) -> None:
        by_code: dict[str, list[WatchedAlert]] = {}
        for alert in alerts:
            by_code.setdefault(alert.code, []).append(alert)
        self._by_code, self._chats = by_code, chats

    def feed(self, environment: Environment) -> PriceFeed | None:
        """The price alerts on keys of this environment read now; None: nothing to read."""
        feed = self._calendar.alert_feed(environment, self._clock.now())
        if feed is None and not self._market_hours_only:
            # Nothing trades, but the user asked for checks anyway: the last price there is.
            return PriceFeed.KRX if environment.is_mock else PriceFeed.COMBINED
        return feed

    async def _group(self, alerts: list[WatchedAlert]) -> dict[KeyId, _KeyGroup]:
        """Alerts by the app key that will poll them (each user's active credential), on keys
        whose environment has a price to read now."""
        clients = await self._accounts.active_clients(
            (alert.user_id for alert in alerts), keys=self._owners.owned_keys()
        )
        feeds = {environment: self.feed(environment) for environment in Environment}
        groups: dict[KeyId, _KeyGroup] = {}
        for alert in alerts:
            client = clients.get(alert.user_id)
            if client is None or not self._owners.owns(client.credential):
                continue  # no key, or another process polls this key
            feed = feeds[client.environment]
            if feed is None:
                continue  # e.g. a mock key after 15:30: KRX's price does not move
            key = (client.credential.app_key, client.environment.value)
            group = groups.get(key)
            if group is None:
                group = groups[key] = _KeyGroup(client, feed)
            group.alerts.append(alert)
            group.codes.add(alert.code)
        return groups

    async def _fetch_all(self, groups: list[_KeyGroup]) -> list[tuple[dict[str, Quote], int, int]]:
        """For each group: quotes by code, the calls made, and 1 if the key failed."""
        mock = [group for group in groups if group.client.environment.is_mock]
        real = [group for group in groups if not group.client.environment.is_mock]
        in_batches, one_by_one = await asyncio.gather(
            self._fetch_in_batches(real), asyncio.gather(*map(self._fetch_one_by_one, mock))
        )
        by_group = dict(zip(map(id, real + mock), [*in_batches, *one_by_one], strict=True))
        return [by_group[id(group)] for group in groups]

    async def _fetch_one_by_one(self, group: _KeyGroup) -> tuple[dict[str, Quote], int, int]:
        # Mock has no multi-quote; at 1 call/s the calls go one after another, and the tick
        # can stop between them when the bot shuts down.
        client = group.client
        quotes: dict[str, Quote] = {}
        calls = 0
        for code in sorted(group.codes):
            if not self._keep_going():
                break
            calls += 1
            try:
                quote = await client.quote(code, feed=group.feed, priority=Priority.BACKGROUND)
            except KisError as error:
                if _log_failure(error):
                    return quotes, calls, 1
                continue
            except Exception as error:  # one key's surprise must not stop the others
                logger.warning("alert tick: quote failed (%s)", type(error).__name__)
                return quotes, calls, 1
            quotes[quote.code] = quote
        return quotes, calls, 0

    async def _fetch_in_batches(
        self, groups: list[_KeyGroup]
    ) -> list[tuple[dict[str, Quote], int, int]]:
        # Every key's first batch, then every key's second, ... taken by a few workers: each
        # key's limiter still spaces its calls 1/rate apart, and with a bounded number of calls
        # in flight the shared HTTP pool keeps reusing a few connections instead of opening
        # (and scanning) one per key, which cost more CPU than the calls themselves.
        fetched: list[tuple[dict[str, Quote], int, int]] = []
        jobs: list[list[tuple[int, _KeyGroup, list[str]]]] = []
        for index, group in enumerate(groups):
            codes = sorted(group.codes)
            batches = [
                codes[i : i + MULTI_QUOTE_MAX] for i in range(0, len(codes), MULTI_QUOTE_MAX)
            ]
            fetched.append(({}, len(batches), 0))
            for turn, batch in enumerate(batches):
                if turn == len(jobs):
                    jobs.append([])
                jobs[turn].append((index, group, batch))
        queue = deque(job for turn in jobs for job in turn)
        failed = [0] * len(groups)

        async def work() -> None:
            # Asked between calls, as one by one: a bot told to stop must not wait out a round.
            while queue and self._keep_going():
                index, group, batch = queue.popleft()
                try:
                    fetched[index][0].update(
                        await group.client.multi_quote(
                            batch, feed=group.feed, priority=Priority.BACKGROUND
                        )
                    )
                except KisError as error:
                    failed[index] = failed[index] or int(_log_failure(error))
                except Exception as error:  # one key's surprise must not stop the others
                    logger.warning("alert tick: quotes failed (%s)", type(error).__name__)
                    failed[index] = 1

        await asyncio.gather(*(work() for _ in range(min(_CALLS_IN_FLIGHT, len(queue)))))
        return [(quotes, calls, failed[i]) for i, (quotes, calls, _) in enumerate(fetched)]

    async def _evaluate(
        self,
        alert: WatchedAlert,
        price: int,
        prev_close: int,
        name: str | None,
        report: TickReport,
        feed: PriceFeed,
    ) -> bool:
        """Fire or re-arm the alert if the price says so; True if its row was written to."""
        kind, threshold = alert.kind, alert.threshold
        if alert.state == "fired":
            if rules.has_reset(kind, threshold, price, prev_close):
                report.rearmed += await self._repo.rearm_fired(alert.id)
                return True
            return False
        if not rules.condition_holds(kind, threshold, price, prev_close):
            return False
        now = self._clock.now()
        if not rules.cooled_down(alert.last_fired_at, alert.cooldown_seconds, now):
            return False
        fired = FiredAlert(
            number=alert.number,
            code=alert.code,
            name=name or await self._securities.name(alert.code),
            kind=kind,
            threshold=threshold,
            price=price,
            prev_close=prev_close,
            repeat=alert.repeat,
            fired_at=now,
            feed=feed,
        )
        message = await self._repo.fire(
            alert.id,
            self._chats.get(alert.user_id, alert.user_id),
            fired.plain_text(),
            payload=fired.to_json(),
            seen_fired_at=alert.last_fired_at,
        )
        if message is not None:
            report.fired += 1
            self.on_fired()
        return True


def _log_failure(error: KisError) -> bool:
    """Log a failed quote call; True when the key itself was refused (skip its other codes)."""
    if isinstance(error, KisAuthError):
        logger.warning("alert tick: a key was refused (%s); skipped", error.msg_cd)
        return True
    logger.warning(
        "alert tick: quote failed (%s %s); retried next tick",
        type(error).__name__,
        getattr(error, "msg_cd", ""),
    )
    return False


def _always() -> bool:
    return True


def _nothing() -> None:
    return None
