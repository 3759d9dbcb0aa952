from __future__ import annotations

import asyncio

from kisbot.clock import KST, ManualClock


async def test_sleepers_wake_in_deadline_order_when_time_advances() -> None:
    clock = ManualClock()
    woke: list[str] = []

    async def sleeper(name: str, seconds: float) -> None:
        await clock.sleep(seconds)
        woke.append(name)

    tasks = [asyncio.create_task(sleeper("late", 2)), asyncio.create_task(sleeper("early", 1))]
    await asyncio.sleep(0)
    assert clock.sleepers == 2
    await clock.advance(1.5)
    assert woke == ["early"]
    await clock.advance(1)
    assert woke == ["early", "late"]
    await asyncio.gather(*tasks)


async def test_autojump_sleep_moves_time_by_its_own_length() -> None:
    clock = ManualClock(autojump=True)
    before_mono, before_wall = clock.monotonic(), clock.now()
    await clock.sleep(60)
    assert clock.monotonic() - before_mono == 60
    assert (clock.now() - before_wall).total_seconds() == 60


def test_default_start_is_market_open_in_seoul() -> None:
    now = ManualClock().now().astimezone(KST)
    assert (now.hour, now.minute, now.weekday()) == (9, 0, 0)
