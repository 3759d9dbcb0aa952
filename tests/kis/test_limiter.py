"""The per-app-key limiter: even spacing, interactive before background, all on a ManualClock."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from kisbot.clock import ManualClock
from kisbot.kis import Priority, RateLimiter
from kisbot.kis.limiter import SHARED_RETRY, SHARED_SLACK
from tests.kis import payloads
from tests.kis.conftest import until
from tests.kis.payloads import MOCK, REAL, Q, T


async def test_calls_are_spaced_one_interval_apart(clock: ManualClock) -> None:
    limiter = RateLimiter(4, clock)
    start = clock.monotonic()
    times: list[float] = []

    async def call() -> None:
        await limiter.acquire()
        times.append(clock.monotonic() - start)

    tasks = [asyncio.create_task(call()) for _ in range(5)]
    await until(lambda: len(times) == 1 and limiter.waiting == 4 and clock.sleepers == 1)
    await clock.advance(1.0)
    await asyncio.wait_for(asyncio.gather(*tasks), 5)
    assert times == pytest.approx([0, 0.25, 0.5, 0.75, 1.0])


async def test_waiting_interactive_calls_go_before_waiting_background_calls(
    clock: ManualClock,
) -> None:
    limiter = RateLimiter(1, clock)
    await limiter.acquire()  # takes the current slot; everyone else must wait
    order: list[str] = []

    async def call(name: str, priority: Priority) -> None:
        await limiter.acquire(priority)
        order.append(name)

    tasks = [asyncio.create_task(call(f"alert{n}", Priority.BACKGROUND)) for n in range(3)]
    await until(lambda: limiter.waiting == 3)
    tasks.append(asyncio.create_task(call("user", Priority.INTERACTIVE)))
    await until(lambda: limiter.waiting == 4)

    await clock.advance(1)
    assert order == ["user"]
    await clock.advance(3)
    await asyncio.wait_for(asyncio.gather(*tasks), 5)
    assert order == ["user", "alert0", "alert1", "alert2"]


async def test_rate_zero_never_waits(clock: ManualClock) -> None:
    limiter = RateLimiter(0, clock)
    for _ in range(100):
        await limiter.acquire(Priority.BACKGROUND)
    assert clock.sleepers == 0


async def test_a_cancelled_waiter_gives_up_its_place(clock: ManualClock) -> None:
    limiter = RateLimiter(1, clock)
    await limiter.acquire()
    gone = asyncio.create_task(limiter.acquire())
    stays = asyncio.create_task(limiter.acquire())
    await until(lambda: limiter.waiting == 2)
    gone.cancel()
    await clock.advance(1)
    await asyncio.wait_for(stays, 1)
    assert limiter.waiting == 0


async def test_burst_of_200_quotes_at_18_per_second_never_exceeds_the_limit(
    make_service, kis, real_credential, clock: ManualClock
):
    sent_at: list[float] = []

    def kis_gateway(request: httpx.Request) -> httpx.Response:
        now = clock.monotonic()
        sent_at.append(now)
        # What KIS does: more than 18 calls within one second -> EGW00201.
        if sum(1 for t in sent_at if now - t < 1.0 - 1e-9) > 18:
            return payloads.too_many_calls()
        return payloads.ok(output=payloads.price_output())

    kis.get(f"{REAL}{Q}/inquire-price").mock(side_effect=kis_gateway)
    service = make_service(clock=clock, real_rate=18)
    client = service.client(real_credential)
    await client.ensure_token()
    start = clock.monotonic()

    tasks = [asyncio.create_task(client.quote("005930")) for _ in range(200)]
    limiter = service.limiter(real_credential)
    await until(lambda: len(sent_at) == 1 and limiter.waiting == 199 and clock.sleepers == 1)
    await clock.advance(12)
    quotes = await asyncio.wait_for(asyncio.gather(*tasks), 5)

    assert len(quotes) == 200
    assert len(sent_at) == 200  # no EGW00201, hence no retry
    assert sent_at[-1] - start == pytest.approx(199 / 18)


async def test_paging_waits_for_the_limiter_too(
    make_service, kis, mock_credential, clock: ManualClock
):
    sent_at: list[float] = []

    def page(request: httpx.Request) -> httpx.Response:
        sent_at.append(clock.monotonic())
        more = len(sent_at) == 1
        return payloads.ok(tr_cont="M" if more else "D", output1=[], output2=[])

    kis.get(f"{MOCK}{T}/inquire-balance").mock(side_effect=page)
    client = make_service(clock=clock, mock_rate=1).client(mock_credential)
    task = asyncio.create_task(client.balance())
    await until(lambda: len(sent_at) == 1)
    await clock.advance(0.9)
    assert len(sent_at) == 1
    await clock.advance(0.1)
    await asyncio.wait_for(task, 1)
    assert sent_at[1] - sent_at[0] == pytest.approx(1.0)


async def test_one_limiter_per_app_key(make_service, real_credential, mock_credential):
    service = make_service(real_rate=18, mock_rate=1)
    assert service.limiter(real_credential) is service.limiter(real_credential)
    assert service.limiter(real_credential) is not service.limiter(mock_credential)
    assert service.limiter(real_credential).rate == pytest.approx(18)
    assert service.limiter(mock_credential).rate == pytest.approx(1)


class MemoryBudget:
    """The shared budget's contract in memory: each slot one interval after the last one taken."""

    def __init__(self, clock: ManualClock) -> None:
        self._clock = clock
        self._next_free = 0.0
        self.asks = 0
        self.failing = False
        self.intervals: list[float] = []
        self.stalls: dict[int, float] = {}  # ask number -> seconds the process is busy first

    async def reserve(self, interval: float) -> float:
        self.asks += 1
        self.intervals.append(interval)
        if self.failing:
            raise OSError("the database went away")
        if self.asks in self.stalls:
            await self._clock.advance(self.stalls[self.asks])
        now = self._clock.monotonic()
        start = max(now, self._next_free)
        self._next_free = start + interval
        return start - now


async def test_limiters_sharing_a_budget_space_their_calls_together(clock: ManualClock) -> None:
    budget = MemoryBudget(clock)
    # Two processes serving one app key: each has its own limiter, both reserve in the budget.
    first = RateLimiter(4, clock, shared=budget.reserve)
    second = RateLimiter(4, clock, shared=budget.reserve)
    start = clock.monotonic()
    times: list[float] = []

    async def call(limiter: RateLimiter) -> None:
        await limiter.acquire()
        times.append(clock.monotonic() - start)

    tasks = [asyncio.create_task(call(limiter)) for limiter in (first, second) * 3]
    await until(lambda: len(times) == 1 and clock.sleepers == 2)
    await clock.advance(2)
    await asyncio.wait_for(asyncio.gather(*tasks), 5)
    # Shared slots carry a little slack, for the processes' differing send delays.
    slot = 0.25 * (1 + SHARED_SLACK)
    assert sorted(times) == pytest.approx([n * slot for n in range(6)])
    assert budget.asks == 6


async def test_a_call_that_leaves_late_moves_the_later_shared_slots_on(
    clock: ManualClock,
) -> None:
    budget = MemoryBudget(clock)
    budget.stalls = {2: 0.3}  # the process is busy for 0.3 s right after granting the first call
    limiter = RateLimiter(4, clock, shared=budget.reserve)
    done: list[int] = []

    async def call(n: int) -> None:
        await limiter.acquire()
        done.append(n)

    tasks = [asyncio.create_task(call(n)) for n in range(4)]
    await until(lambda: len(done) == 2 and clock.sleepers == 1)
    await clock.advance(2)
    await asyncio.wait_for(asyncio.gather(*tasks), 5)
    slot = 0.25 * (1 + SHARED_SLACK)
    # The first call left 0.3 s after its slot: the next slot asked for carries that 0.3 s, so
    # the calls a second after the first one stay a second after it.
    assert budget.intervals == pytest.approx([slot, slot, slot + 0.3, slot])


async def test_a_shared_budget_keeps_interactive_calls_first(clock: ManualClock) -> None:
    budget = MemoryBudget(clock)
    limiter = RateLimiter(1, clock, shared=budget.reserve)
    await limiter.acquire()
    order: list[str] = []

    async def call(name: str, priority: Priority) -> None:
        await limiter.acquire(priority)
        order.append(name)

    tasks = [asyncio.create_task(call(f"alert{n}", Priority.BACKGROUND)) for n in range(2)]
    tasks.append(asyncio.create_task(call("user", Priority.INTERACTIVE)))
    await until(lambda: limiter.waiting == 3 and clock.sleepers == 1)
    await clock.advance(4)
    await asyncio.wait_for(asyncio.gather(*tasks), 5)
    # A reserved slot goes to whoever waits first by priority when it starts.
    assert order == ["user", "alert0", "alert1"]


async def test_without_its_shared_budget_a_limiter_paces_alone_and_asks_again_later(
    clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    budget = MemoryBudget(clock)
    budget.failing = True
    limiter = RateLimiter(2, clock, shared=budget.reserve)
    start = clock.monotonic()
    times: list[float] = []

    async def call() -> None:
        await limiter.acquire()
        times.append(clock.monotonic() - start)

    with caplog.at_level("WARNING", logger="kisbot.kis.limiter"):
        tasks = [asyncio.create_task(call()) for _ in range(4)]
        await until(lambda: len(times) == 1)
        await clock.advance(2)
        await asyncio.wait_for(asyncio.gather(*tasks), 5)
    assert times == pytest.approx([0, 0.5, 1.0, 1.5])  # still the key's spacing
    assert budget.asks == 1  # not asked again before SHARED_RETRY
    assert len([r for r in caplog.records if r.levelname == "WARNING"]) == 1
    assert "database went away" not in caplog.text  # the error's text may carry a DSN

    budget.failing = False
    await clock.advance(SHARED_RETRY)
    await asyncio.wait_for(limiter.acquire(), 1)
    assert budget.asks == 2
