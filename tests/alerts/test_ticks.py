"""Alerts checked on WebSocket ticks: once, through the same UPDATE as rounds, nearest first."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from kisbot.clock import ManualClock
from kisbot.kis import Environment
from kisbot.kis.realtime import Tick
from kisbot.sandbox import Sandbox
from tests.alerts.test_engine import USER, engine_for, kis_for, register
from tests.store.conftest import Opener


def tick(code: str, price: int, change: int = 0) -> Tick:
    return Tick(code=code, price=price, change=change, volume=1, at=None)


async def test_a_crossing_tick_fires_once_and_later_ticks_write_nothing(
    opened: Opener, sandbox: Sandbox, clock: ManualClock
) -> None:
    database = await opened(clock)
    await register(database, USER, Environment.MOCK)
    await database.alerts.add(USER, "005930", "above", 75_000)
    async with kis_for(sandbox, database, clock) as kis:
        engine = engine_for(database, kis, clock)
        await engine.reload()
        assert await engine.on_tick(tick("005930", 74_900)) == 0
        assert await engine.on_tick(tick("005930", 75_000)) == 1
        assert [await engine.on_tick(tick("005930", 75_100 + i)) for i in range(50)] == [0] * 50
    [message] = await database.outbox.pending()
    assert "75,000" in message.text
    assert await database.alerts.list_for_user(USER) == []  # a fired one-shot is not listed


async def test_a_tick_and_a_round_together_fire_an_alert_once(
    opened: Opener, sandbox: Sandbox, clock: ManualClock
) -> None:
    database = await opened(clock)
    await register(database, USER, Environment.MOCK)
    await database.alerts.add(USER, "005930", "above", 1_000)
    async with kis_for(sandbox, database, clock) as kis:
        engine = engine_for(database, kis, clock)
        await engine.reload()
        fired = await asyncio.gather(engine.on_tick(tick("005930", 80_000)), engine.tick())
    assert fired[0] + fired[1].fired == 1
    assert len(await database.outbox.pending()) == 1


async def test_percent_alerts_use_the_ticks_previous_close(
    opened: Opener, sandbox: Sandbox, clock: ManualClock
) -> None:
    database = await opened(clock)
    await register(database, USER, Environment.MOCK)
    await database.alerts.add(USER, "005930", "percent", Decimal("-3"), reference_price=70_000)
    async with kis_for(sandbox, database, clock) as kis:
        engine = engine_for(database, kis, clock)
        await engine.reload()
        # 68,000 is -2.86% from 70,000 but -5.6% from 72,000, the previous close the tick gives.
        assert await engine.on_tick(tick("005930", 68_000, change=-4_000)) == 1


async def test_codes_live_on_a_websocket_are_left_out_of_rounds(
    opened: Opener, sandbox: Sandbox, clock: ManualClock
) -> None:
    database = await opened(clock)
    await register(database, USER, Environment.MOCK)
    await database.alerts.add(USER, "005930", "above", 100_000_000)
    await database.alerts.add(USER, "000660", "above", 100_000_000)
    async with kis_for(sandbox, database, clock) as kis:
        engine = engine_for(database, kis, clock)
        engine.follow_live_codes(lambda: {"005930"})
        first = await engine.tick()  # 005930 has just become live: fetched once more
        second = await engine.tick()
    assert (first.calls, second.calls) == (2, 1)
    assert len(sandbox.requests("inquire-price")) == 3


async def test_a_crossing_before_a_code_went_live_is_found_by_the_next_round(
    opened: Opener, sandbox: Sandbox, clock: ManualClock
) -> None:
    database = await opened(clock)
    await register(database, USER, Environment.MOCK)
    sandbox.set_price("005930", 70_000)
    await database.alerts.add(USER, "005930", "above", 71_000)
    live: set[str] = set()
    async with kis_for(sandbox, database, clock) as kis:
        engine = engine_for(database, kis, clock)
        engine.follow_live_codes(lambda: live)
        assert (await engine.tick()).fired == 0
        # Crossed, then registered: KIS streams trades from now on, so no tick tells of it.
        sandbox.set_price("005930", 71_500)
        live.add("005930")
        assert (await engine.tick()).fired == 1


async def test_codes_are_ranked_by_how_near_their_alerts_are_to_firing(
    opened: Opener, sandbox: Sandbox, clock: ManualClock
) -> None:
    database = await opened(clock)
    await register(database, USER, Environment.MOCK)
    samsung = sandbox.set_price("005930", 70_000)
    hynix = sandbox.set_price("000660", 127_000)
    await database.alerts.add(USER, "005930", "above", samsung * 110 // 100)  # 10% away
    await database.alerts.add(USER, "000660", "below", hynix * 99 // 100)  # 1% away
    await database.alerts.add(USER + 1, "035720", "above", 1)
    async with kis_for(sandbox, database, clock) as kis:
        engine = engine_for(database, kis, clock)
        await engine.tick()  # reads the prices
        assert (await engine.nearest_codes({USER}))[:2] == ["000660", "005930"]
        assert "035720" not in await engine.nearest_codes({USER})
        # Every key's users at once (a process plans all its keys' sessions in one pass).
        assert await engine.nearest_codes_by({"a": {USER}, "b": {USER + 1}, "c": {99}}) == {
            "a": ["000660", "005930"],
            "b": ["035720"],
        }


async def test_two_sessions_ticking_one_code_at_once_fire_it_once(
    opened: Opener, sandbox: Sandbox, clock: ManualClock
) -> None:
    database = await opened(clock)
    await register(database, USER, Environment.MOCK)
    await database.alerts.add(USER, "005930", "above", 1_000)
    async with kis_for(sandbox, database, clock) as kis:
        engine = engine_for(database, kis, clock)
        await engine.reload()
        fired = await asyncio.gather(*(engine.on_tick(tick("005930", 80_000)) for _ in range(5)))
    assert sum(fired) == 1 and len(await database.outbox.pending()) == 1
