"""Exactly-once state moves under concurrency, across two engines (two "processes")."""

from __future__ import annotations

import asyncio

from kisbot.clock import ManualClock
from tests.store.conftest import Opener

ATTEMPTS = 50
USER = 7


async def test_one_of_fifty_concurrent_confirm_presses_wins(
    opened: Opener, clock: ManualClock
) -> None:
    first, second = await opened(clock), await opened(clock)
    intent = await first.confirmations.create(
        USER, "order", 60, side="buy", code="005930", quantity=1
    )
    presses = [
        (first if n % 2 else second).confirmations.claim(intent.id, USER) for n in range(ATTEMPTS)
    ]
    results = await asyncio.gather(*presses)
    assert results.count(True) == 1
    stored = await second.confirmations.get(intent.id)
    assert stored is not None and stored.state == "submitting"


async def test_confirm_press_after_expiry_loses(opened: Opener, clock: ManualClock) -> None:
    db = await opened(clock)
    intent = await db.confirmations.create(USER, "order", 60, side="buy", code="005930", quantity=1)
    await clock.advance(60)
    assert await db.confirmations.claim(intent.id, USER) is False
    stored = await db.confirmations.get(intent.id)
    assert stored is not None and stored.state == "pending"


async def test_someone_elses_press_does_not_confirm(opened: Opener, clock: ManualClock) -> None:
    db = await opened(clock)
    intent = await db.confirmations.create(USER, "order", 60, side="buy", code="005930", quantity=1)
    assert await db.confirmations.claim(intent.id, USER + 1) is False
    assert await db.confirmations.claim(intent.id, USER) is True


async def test_one_of_fifty_concurrent_firings_wins_and_one_message_is_queued(
    opened: Opener, clock: ManualClock
) -> None:
    first, second = await opened(clock), await opened(clock)
    alert = await first.alerts.add(USER, "005930", "above", 70000)
    other = await first.alerts.add(USER, "000660", "below", 100000)
    fires = [
        (first if n % 2 else second).alerts.fire(alert.id, chat_id=USER, text="fired")
        for n in range(ATTEMPTS // 2)
    ] + [(first if n % 2 else second).alerts.mark_fired(other.id) for n in range(ATTEMPTS // 2)]
    results = await asyncio.gather(*fires)
    assert sum(result is not None for result in results[: ATTEMPTS // 2]) == 1
    assert results[ATTEMPTS // 2 :].count(True) == 1
    assert len(await second.outbox.pending()) == 1
    assert await second.alerts.list_active() == []
