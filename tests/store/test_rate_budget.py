"""Call slots shared through PostgreSQL: every process's slots of one budget are one interval
apart, and the row never names the app key. On SQLite there is no shared budget (one process)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from kisbot.clock import ManualClock
from kisbot.kis import Environment, KisService
from kisbot.store.models import RateBudgetRow
from kisbot.store.rate_budget import HORIZON, KisKeyBudget, RateBudget
from tests.store.conftest import Backend, Opener
from tests.store.factories import APP_KEY, credential


async def test_sqlite_has_no_shared_budget(opened: Opener, backend: Backend) -> None:
    db = await opened()
    if backend.name == "postgresql":
        assert isinstance(db.rate_budget(), RateBudget)
        assert isinstance(db.kis_key_budget(), KisKeyBudget)
    else:
        assert db.rate_budget() is None and db.kis_key_budget() is None


# The shared budget exists on PostgreSQL only (skipped, with the reason, without it).
postgres_only = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)


@postgres_only
async def test_slots_from_several_processes_are_one_interval_apart(
    opened: Opener, clock: ManualClock
) -> None:
    # Three databases opened separately stand for three processes (three engines, three pools).
    processes = [await opened(clock) for _ in range(3)]
    budgets = [db.rate_budget() for db in processes]
    assert all(budget is not None for budget in budgets)
    interval = 1 / 18

    waits = await asyncio.gather(
        *(budget.reserve("kis:one", interval) for budget in budgets for _ in range(10) if budget)
    )

    assert sorted(waits) == pytest.approx([n * interval for n in range(30)], abs=1e-6)


@postgres_only
async def test_the_budget_refills_as_time_passes_and_budgets_are_separate(
    opened: Opener, clock: ManualClock
) -> None:
    budget = (await opened(clock)).rate_budget()
    assert budget is not None
    assert await budget.reserve("kis:a", 1.0) == pytest.approx(0)
    assert await budget.reserve("kis:a", 1.0) == pytest.approx(1)
    assert await budget.reserve("kis:b", 1.0) == pytest.approx(0)  # another key: its own slots
    await clock.advance(5)
    assert await budget.reserve("kis:a", 1.0) == pytest.approx(0)  # unused slots do not pile up
    assert await budget.reserve("kis:a", 1.0) == pytest.approx(1)


@postgres_only
async def test_a_budget_booked_far_ahead_by_a_wrong_clock_delays_by_the_horizon_at_most(
    opened: Opener, clock: ManualClock
) -> None:
    ahead = ManualClock(clock.now())
    await ahead.advance(3600)  # a process whose clock runs an hour ahead
    await (await opened(ahead)).rate_budget().reserve("kis:a", 0.1)  # type: ignore[union-attr]

    wait = await (await opened(clock)).rate_budget().reserve("kis:a", 0.1)  # type: ignore[union-attr]

    assert wait == pytest.approx(HORIZON * 0.1)


@postgres_only
async def test_a_key_budget_row_is_named_by_the_keyed_hash_not_the_app_key(
    opened: Opener, clock: ManualClock
) -> None:
    db = await opened(clock)
    budget = db.kis_key_budget()
    assert budget is not None
    assert await budget.reserve(credential(), 1.0) == pytest.approx(0)
    async with db.sessions() as session:
        names = list(await session.scalars(select(RateBudgetRow.name)))
    assert len(names) == 1 and names[0].startswith("kis:")
    assert APP_KEY not in names[0]


@postgres_only
async def test_two_kis_services_on_one_budget_space_a_keys_calls_together(
    opened: Opener, clock: ManualClock
) -> None:
    """The limiter of each service reserves its slots in the shared budget."""
    services = [
        KisService(
            real_url="http://127.0.0.1:9",
            mock_url="http://127.0.0.1:9",
            mock_rate=2,
            clock=clock,
            shared_budget=(await opened(clock)).kis_key_budget(),
        )
        for _ in range(2)
    ]
    mock = credential(environment=Environment.MOCK)
    granted: list[float] = []
    start = clock.monotonic()

    async def call(service: KisService) -> None:
        await service.limiter(mock).acquire()
        granted.append(clock.monotonic() - start)

    tasks = [asyncio.create_task(call(service)) for service in services for _ in range(3)]
    for _ in range(40):  # each grant needs a database round trip before the clock may move
        await asyncio.sleep(0.02)
        await clock.advance(0.25)
    await asyncio.wait_for(asyncio.gather(*tasks), 10)
    for service in services:
        await service.aclose()

    assert sorted(granted)[-1] >= 2.5  # six calls at 2/s: the last one 2.5 s after the first
    gaps = [b - a for a, b in zip(sorted(granted), sorted(granted)[1:], strict=False)]
    assert min(gaps) >= 0.5 - 1e-6
