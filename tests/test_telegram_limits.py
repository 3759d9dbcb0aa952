"""The Bot API flood limit shared by a bot's processes: slots from one budget, pacing alone
when the budget does not answer."""

from __future__ import annotations

from typing import Any

import pytest

from kisbot.clock import ManualClock
from kisbot.telegram_limits import SharedRateLimiter

BOT_ID = "700000001"


class MemoryBudget:
    """Named budgets in memory: each slot one interval after the last one taken."""

    def __init__(self, clock: ManualClock) -> None:
        self._clock = clock
        self._next_free: dict[str, float] = {}
        self.names: list[str] = []
        self.failing = False

    async def reserve(self, name: str, interval: float) -> float:
        self.names.append(name)
        if self.failing:
            raise OSError("connection to postgresql://kisbot:hunter2@db refused")
        now = self._clock.monotonic()
        start = max(now, self._next_free.get(name, now))
        self._next_free[name] = start + interval
        return start - now


async def send(limiter: SharedRateLimiter, clock: ManualClock, sent: list[float]) -> None:
    async def call(**_: Any) -> bool:
        sent.append(clock.monotonic())
        return True

    assert await limiter.process_request(call, (), {}, "sendMessage", {"chat_id": 1}, None)


async def test_two_processes_of_one_bot_take_turns_at_one_pace() -> None:
    clock = ManualClock(autojump=True)
    budget = MemoryBudget(clock)
    first, second = SharedRateLimiter(max_retries=0), SharedRateLimiter(max_retries=0)
    for limiter in (first, second):
        limiter.share(budget, BOT_ID, clock)
    start = clock.monotonic()
    sent: list[float] = []
    for limiter in (first, second) * 3:
        await send(limiter, clock, sent)
    assert [t - start for t in sent] == pytest.approx([n / 30 for n in range(6)])
    assert set(budget.names) == {f"telegram:{BOT_ID}"}  # the bot's id, never its token


async def test_a_limiter_not_shared_never_asks_a_budget() -> None:
    clock = ManualClock(autojump=True)
    budget = MemoryBudget(clock)
    sent: list[float] = []
    await send(SharedRateLimiter(max_retries=0), clock, sent)
    assert len(sent) == 1
    assert budget.names == []


async def test_without_its_budget_a_process_still_sends_and_warns_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = ManualClock(autojump=True)
    budget = MemoryBudget(clock)
    budget.failing = True
    limiter = SharedRateLimiter(max_retries=0)
    limiter.share(budget, BOT_ID, clock)
    sent: list[float] = []
    with caplog.at_level("WARNING", logger="kisbot.telegram_limits"):
        for _ in range(3):
            await send(limiter, clock, sent)
    assert len(sent) == 3
    assert len(budget.names) == 3  # asked again every time: it may be back
    assert len([r for r in caplog.records if r.levelname == "WARNING"]) == 1
    assert "hunter2" not in caplog.text  # the error's text may carry a DSN
