"""One alert tick: load what to watch, fetch each code once per app key, fire, re-arm.

The alerts table is the truth; a tick only reads it and moves rows with conditional UPDATEs,
so two bot processes sharing one PostgreSQL fire each alert once. Quotes are read at background
priority through the per-key limiter (a user's own command on the same key goes first): 30
codes a call with the multi-quote API for real keys, one call a code for mock keys (which lack
it). A key whose credential fails is logged and skipped; the others go on. Delivery of the
queued messages is separate (`kisbot.alerts.delivery`), so a send failure never blocks a tick.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from kisbot.accounts import Accounts
from kisbot.alerts import rules
from kisbot.alerts.messages import FiredAlert
from kisbot.clock import Clock
from kisbot.kis import KisAuthError, KisError, Priority, Quote
from kisbot.kis.client import MULTI_QUOTE_MAX, KisClient
from kisbot.market_hours import KrxCalendar
from kisbot.securities import Securities
from kisbot.store.repos import AlertRepo
from kisbot.store.repos.alerts import WatchedAlert

logger = logging.getLogger(__name__)

KeyId = tuple[str, str]  # (app key, environment); never logged
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
    ) -> None:
        self._repo = repo
        self._accounts = accounts
        self._securities = securities
        self._calendar = calendar
        self._clock = clock
        self._market_hours_only = market_hours_only
        self._lock = asyncio.Lock()
        self._keep_going: Callable[[], bool] = _always

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
        if self._market_hours_only and not self._calendar.is_open(self._clock.now()):
            return TickReport(market_closed=True)
        alerts = await self._repo.list_watched()
        report = TickReport(alerts=len(alerts))
        if not alerts:
            return report
        groups = await self._group(alerts)
        report.keys = len(groups)
        report.codes = sum(len(group.codes) for group in groups.values())
        fetched = await self._fetch_all(list(groups.values()))
        chats = await self._repo.chat_ids(alert.user_id for alert in alerts)
        for group, (quotes, calls, failed) in zip(groups.values(), fetched, strict=True):
            report.calls += calls
            report.failed_keys += failed
            for alert in group.alerts:
                quote = quotes.get(alert.code)
                if quote is not None:
                    await self._evaluate(alert, quote, chats, report)
        return report

    async def _group(self, alerts: list[WatchedAlert]) -> dict[KeyId, _KeyGroup]:
        """Alerts by the app key that will poll them (each user's active credential)."""
        clients = await self._accounts.active_clients(alert.user_id for alert in alerts)
        groups: dict[KeyId, _KeyGroup] = {}
        for alert in alerts:
            client = clients.get(alert.user_id)
            if client is None:
                continue
            key = (client.credential.app_key, client.environment.value)
            group = groups.get(key)
            if group is None:
                group = groups[key] = _KeyGroup(client)
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
                quote = await client.quote(code, priority=Priority.BACKGROUND)
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
        jobs: list[list[tuple[int, KisClient, list[str]]]] = []
        for index, group in enumerate(groups):
            client = group.client
            codes = sorted(group.codes)
            batches = [
                codes[i : i + MULTI_QUOTE_MAX] for i in range(0, len(codes), MULTI_QUOTE_MAX)
            ]
            fetched.append(({}, len(batches), 0))
            for turn, batch in enumerate(batches):
                if turn == len(jobs):
                    jobs.append([])
                jobs[turn].append((index, client, batch))
        queue = deque(job for turn in jobs for job in turn)
        failed = [0] * len(groups)

        async def work() -> None:
            while queue:
                index, client, batch = queue.popleft()
                try:
                    fetched[index][0].update(
                        await client.multi_quote(batch, priority=Priority.BACKGROUND)
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
        quote: Quote,
        chats: dict[int, int],
        report: TickReport,
    ) -> None:
        kind, threshold = alert.kind, alert.threshold
        prev_close = quote.prev_close or alert.reference_price or 0
        if alert.state == "fired":
            if rules.has_reset(kind, threshold, quote.price, prev_close):
                report.rearmed += await self._repo.rearm_fired(alert.id)
            return
        now = self._clock.now()
        if not rules.condition_holds(kind, threshold, quote.price, prev_close):
            return
        if not rules.cooled_down(alert.last_fired_at, alert.cooldown_seconds, now):
            return
        fired = FiredAlert(
            number=alert.number,
            code=alert.code,
            name=quote.name or await self._securities.name(alert.code),
            kind=kind,
            threshold=threshold,
            price=quote.price,
            prev_close=prev_close,
            repeat=alert.repeat,
            fired_at=now,
        )
        message = await self._repo.fire(
            alert.id,
            chats.get(alert.user_id, alert.user_id),
            fired.plain_text(),
            payload=fired.to_json(),
            seen_fired_at=alert.last_fired_at,
        )
        if message is not None:
            report.fired += 1


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
