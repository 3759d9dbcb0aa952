"""Alerts follow the venues: checked 08:00-20:00 on trading days, on the price that moves then
(combined or NXT on real keys, KRX on mock), and the message says which price it saw."""

from __future__ import annotations

from datetime import date, datetime, time

from kisbot.alerts.messages import FiredAlert
from kisbot.clock import KST, ManualClock
from kisbot.kis import Environment, PriceFeed
from kisbot.sandbox import Sandbox
from tests.alerts.test_engine import USER, engine_for, kis_for, register
from tests.store.conftest import Opener

MONDAY = date(2026, 11, 23)


def kst_clock(hour: int, minute: int = 0) -> ManualClock:
    return ManualClock(datetime.combine(MONDAY, time(hour, minute), KST))


async def fired_messages(database) -> list[FiredAlert]:
    return [FiredAlert.from_json(m.payload) for m in await database.outbox.pending()]


async def test_a_real_key_alert_fires_at_1900_from_the_nxt_after_market_price(
    opened: Opener, sandbox: Sandbox
) -> None:
    clock = kst_clock(19, 0)
    database = await opened(clock)
    await register(database, USER, Environment.REAL)
    await database.alerts.add(USER, "005930", "above", 80_000)
    sandbox.set_price("005930", 70_000)  # KRX closed at 15:30 below the threshold
    sandbox.set_price("005930", 80_500, venue="nxt")
    async with kis_for(sandbox, database, clock) as kis:
        report = await engine_for(database, kis, clock, market_hours_only=True).tick()
    assert not report.market_closed and report.fired == 1
    [fired] = await fired_messages(database)
    assert (fired.price, fired.feed) == (80_500, PriceFeed.NXT)


async def test_a_real_key_reads_the_combined_price_while_krx_trades(
    opened: Opener, sandbox: Sandbox
) -> None:
    clock = kst_clock(10, 0)
    database = await opened(clock)
    await register(database, USER, Environment.REAL)
    await database.alerts.add(USER, "005930", "above", 71_500)
    sandbox.set_price("005930", 71_000)
    sandbox.set_price("005930", 72_000, venue="nxt")  # the last trade of either venue
    async with kis_for(sandbox, database, clock) as kis:
        report = await engine_for(database, kis, clock, market_hours_only=True).tick()
    assert report.fired == 1
    [fired] = await fired_messages(database)
    assert (fired.price, fired.feed) == (72_000, PriceFeed.COMBINED)


async def test_nxt_pre_market_is_watched_on_real_keys_only(
    opened: Opener, sandbox: Sandbox
) -> None:
    clock = kst_clock(8, 10)
    database = await opened(clock)
    await register(database, USER, Environment.REAL)
    await register(database, USER + 1, Environment.MOCK)
    await database.alerts.add(USER, "005930", "above", 1)
    await database.alerts.add(USER + 1, "005930", "above", 1)
    async with kis_for(sandbox, database, clock) as kis:
        report = await engine_for(database, kis, clock, market_hours_only=True).tick()
    assert report.fired == 1 and report.keys == 1
    [message] = await database.outbox.pending()
    assert message.user_id == USER
    assert FiredAlert.from_json(message.payload).feed is PriceFeed.NXT
    assert sandbox.requests("inquire-price") == []  # the mock key's KRX price does not move


async def test_after_2000_nothing_is_fetched(opened: Opener, sandbox: Sandbox) -> None:
    clock = kst_clock(20, 0)
    database = await opened(clock)
    await register(database, USER, Environment.REAL)
    await database.alerts.add(USER, "005930", "above", 1)
    async with kis_for(sandbox, database, clock) as kis:
        report = await engine_for(database, kis, clock, market_hours_only=True).tick()
    assert report.market_closed and report.calls == 0
    assert sandbox.requests() == []


async def test_a_mock_key_reads_krx_in_the_regular_session(
    opened: Opener, sandbox: Sandbox
) -> None:
    clock = kst_clock(10, 0)
    database = await opened(clock)
    await register(database, USER, Environment.MOCK)
    await database.alerts.add(USER, "005930", "above", 1)
    async with kis_for(sandbox, database, clock) as kis:
        report = await engine_for(database, kis, clock, market_hours_only=True).tick()
    assert report.fired == 1
    [fired] = await fired_messages(database)
    assert fired.feed is PriceFeed.KRX


def test_a_payload_from_before_the_venues_reads_as_krx() -> None:
    fired = FiredAlert(
        number=1, code="005930", name=None, kind="above", threshold=1, price=2, prev_close=1,
        repeat=False, fired_at=datetime(2026, 11, 23, 10, 0, tzinfo=KST), feed=PriceFeed.NXT,
    )  # fmt: skip
    assert FiredAlert.from_json(fired.to_json()).feed is PriceFeed.NXT
    old = fired.to_json().replace(', "feed": "NX"', "")
    assert FiredAlert.from_json(old).feed is PriceFeed.KRX
