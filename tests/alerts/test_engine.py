"""The alert engine against the sandbox and a real store: batching, failures, exactly once,
pacing behind a user's own command."""

from __future__ import annotations

import asyncio
import itertools
import math
from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from kisbot.accounts import Accounts
from kisbot.alerts.engine import AlertEngine
from kisbot.clock import Clock, ManualClock
from kisbot.confirmations import Confirmations
from kisbot.delivery import Attempt, Outcome, PushMessage, deliver_due
from kisbot.kis import Account, Credential, Environment, KisService, Priority
from kisbot.market_hours import KrxCalendar
from kisbot.sandbox import Sandbox
from kisbot.sandbox.catalog import LISTINGS
from kisbot.securities import Securities
from kisbot.store.database import Database
from tests.fakes.symbols import FixedSymbols
from tests.store.conftest import Opener

USER = 501


def kis_for(
    sandbox: Sandbox,
    database: Database,
    clock: Clock,
    *,
    mock_rate: float = 0,
    http: httpx.AsyncClient | None = None,
) -> KisService:
    return KisService(
        real_url=sandbox.real_url,
        mock_url=sandbox.mock_url,
        real_rate=0,
        mock_rate=mock_rate,
        token_store=database.tokens,
        clock=clock,
        http=http,
    )


def engine_for(
    database: Database, kis: KisService, clock: Clock, *, market_hours_only: bool = False
) -> AlertEngine:
    confirmations = Confirmations(database.confirmations, clock, 60)
    accounts = Accounts(
        database.users, database.credentials, database.alerts, kis, confirmations,
        database.forget_user,
    )  # fmt: skip
    return AlertEngine(
        database.alerts, accounts, Securities(FixedSymbols()), KrxCalendar(clock), clock,
        market_hours_only=market_hours_only,
    )  # fmt: skip


async def register(
    database: Database, user_id: int, environment: Environment, app_key: str | None = None
) -> Credential:
    credential = Credential(
        app_key or f"APPKEY{user_id}{environment.value}",
        f"SECRET{user_id}",
        Account.parse(f"5{user_id:07d}-01"),
        environment,
    )
    await database.credentials.put(user_id, credential)
    return credential


def codes(count: int) -> list[str]:
    return [listing.code for listing in LISTINGS[:count]]


async def test_a_real_key_reads_thirty_codes_a_call(
    opened: Opener, sandbox: Sandbox, clock: ManualClock
) -> None:
    database = await opened(clock)
    await register(database, USER, Environment.REAL)
    watched = codes(40)
    for code in watched:
        await database.alerts.add(USER, code, "above", 100_000_000)
    async with kis_for(sandbox, database, clock) as kis:
        report = await engine_for(database, kis, clock).tick()
    assert report.calls == math.ceil(len(watched) / 30) == 2
    assert len(sandbox.requests("intstock-multprice")) == 2
    assert sandbox.requests("inquire-price") == []
    assert report.alerts == 40 and report.fired == 0


async def test_a_bot_told_to_stop_makes_no_more_multi_quote_calls(
    opened: Opener, sandbox: Sandbox, clock: ManualClock
) -> None:
    database = await opened(clock)
    for user in range(USER, USER + 3):  # three real keys: three calls, each on its own key
        await register(database, user, Environment.REAL)
        await database.alerts.add(user, codes(1)[0], "above", 100_000_000)
    asked: list[int] = []

    def keep_going() -> bool:
        asked.append(len(sandbox.requests("intstock-multprice")))
        return len(asked) == 1  # yes once, then "stopping"

    async with kis_for(sandbox, database, clock) as kis:
        await engine_for(database, kis, clock).tick(keep_going)
    assert len(sandbox.requests("intstock-multprice")) < 3


async def test_a_refused_key_does_not_stop_the_others(
    opened: Opener, sandbox: Sandbox, clock: ManualClock
) -> None:
    database = await opened(clock)
    await register(database, USER, Environment.REAL, app_key="BADKEY-unknown-to-kis")
    await register(database, USER + 1, Environment.MOCK)
    await database.alerts.add(USER, "005930", "above", 1)
    await database.alerts.add(USER + 1, "005930", "above", 1)
    async with kis_for(sandbox, database, clock) as kis:
        report = await engine_for(database, kis, clock).tick()
    assert report.failed_keys == 1 and report.fired == 1
    [message] = await database.outbox.pending()
    assert message.user_id == USER + 1
    assert [a.state for a in await database.alerts.list_for_user(USER)] == ["active"]


async def test_two_processes_fire_each_alert_once(
    opened: Opener, sandbox: Sandbox, clock: ManualClock
) -> None:
    first, second = await opened(clock), await opened(clock)
    for user_id in range(USER, USER + 4):
        await register(first, user_id, Environment.REAL)
        for code in codes(5):
            await first.alerts.add(user_id, code, "above", 1)
    async with kis_for(sandbox, first, clock) as kis_a, kis_for(sandbox, second, clock) as kis_b:
        engines = [engine_for(first, kis_a, clock), engine_for(second, kis_b, clock)]
        reports = await asyncio.gather(*(engine.tick() for engine in engines * 3))
    assert sum(report.fired for report in reports) == 20
    assert len(await first.outbox.pending()) == 20
    # Delivery is once too: the two processes, delivering together, send each message once.
    sent: list[int] = []

    async def send(message: PushMessage) -> Attempt:
        sent.append(message.id)
        await asyncio.sleep(0)  # let the other process run while this send is in flight
        return Attempt(Outcome.SENT)

    await asyncio.gather(
        deliver_due(first.outbox, first.alerts, send, clock),
        deliver_due(second.outbox, second.alerts, send, clock),
    )
    assert len(sent) == 20 and len(set(sent)) == 20


async def drive(clock: ManualClock, done: Callable[[], bool], step: float = 0.25) -> None:
    """Move the manual clock while letting real loopback I/O finish between steps."""
    async with asyncio.timeout(30):
        while not done():
            for _ in range(400):
                if clock.sleepers or done():
                    break
                await asyncio.sleep(0.005)
            await clock.advance(step)


async def test_a_mock_tick_paces_one_call_a_second_and_serves_the_user_first(
    opened: Opener, sandbox: Sandbox, clock: ManualClock
) -> None:
    database = await opened(clock)
    credential = await register(database, USER, Environment.MOCK)
    watched = codes(5)
    for code in watched:
        await database.alerts.add(USER, code, "above", 100_000_000)
    sent: list[tuple[float, str]] = []

    async def note(request: httpx.Request) -> None:
        if "/quotations/" in request.url.path:
            sent.append((clock.monotonic(), request.url.params["FID_INPUT_ISCD"]))

    async with httpx.AsyncClient(event_hooks={"request": [note]}) as http:
        kis = kis_for(sandbox, database, clock, mock_rate=1, http=http)
        await kis.client(credential).ensure_token()
        tick = asyncio.create_task(engine_for(database, kis, clock).tick())
        await drive(clock, lambda: len(sent) >= 1)
        users_price = asyncio.create_task(
            kis.client(credential).quote("000660", priority=Priority.INTERACTIVE)
        )
        await drive(clock, lambda: tick.done() and users_price.done())
        report, quote = tick.result(), users_price.result()
        await kis.aclose()
    assert quote.code == "000660" and report.calls == 5
    order = [code for _, code in sent]
    assert order[1] == "000660"  # ahead of the four background calls still waiting
    assert sorted(order[:1] + order[2:]) == sorted(watched)
    gaps = [later - earlier for (earlier, _), (later, _) in itertools.pairwise(sent)]
    assert all(gap >= 0.99 for gap in gaps)


async def test_a_closed_market_is_not_polled(opened: Opener, sandbox: Sandbox) -> None:
    clock = ManualClock(datetime(2026, 11, 22, 3, 0, tzinfo=UTC))  # Sunday noon KST
    database = await opened(clock)
    await register(database, USER, Environment.MOCK)
    await database.alerts.add(USER, "005930", "above", 1)
    async with kis_for(sandbox, database, clock) as kis:
        engine = engine_for(database, kis, clock, market_hours_only=True)
        report = await engine.tick()
    assert report.market_closed and report.calls == 0
    assert sandbox.requests() == []
