"""Access tokens shared through the database: reused across restarts, issued one at a time."""

from __future__ import annotations

import asyncio

from kisbot.clock import ManualClock
from kisbot.kis.credentials import Environment
from tests.store.conftest import Opener
from tests.store.factories import APP_KEY, token


async def test_token_is_reused_after_the_engine_restarts(
    opened: Opener, clock: ManualClock
) -> None:
    before = await opened(clock)
    await before.tokens.save(APP_KEY, Environment.MOCK, token(clock))
    await before.close()

    after = await opened(clock)
    loaded = await after.tokens.load(APP_KEY, Environment.MOCK)
    assert loaded == token(clock)
    assert loaded.expires_at.tzinfo is not None
    assert await after.tokens.load(APP_KEY, Environment.REAL) is None
    assert await after.tokens.load("ANOTHERKEY", Environment.MOCK) is None


async def test_saving_again_replaces_the_token(opened: Opener, clock: ManualClock) -> None:
    db = await opened(clock)
    await db.tokens.save(APP_KEY, Environment.MOCK, token(clock, "first"))
    await clock.advance(3600)
    await db.tokens.save(APP_KEY, Environment.MOCK, token(clock, "second"))
    loaded = await db.tokens.load(APP_KEY, Environment.MOCK)
    assert loaded is not None and loaded.value == "second"


async def test_discard_forgets_that_token_and_keeps_a_newer_one(
    opened: Opener, clock: ManualClock
) -> None:
    db = await opened(clock)
    revoked = token(clock, "revoked")
    await db.tokens.save(APP_KEY, Environment.MOCK, revoked)
    await db.tokens.discard(APP_KEY, Environment.MOCK, revoked)
    assert await db.tokens.load(APP_KEY, Environment.MOCK) is None

    await db.tokens.save(APP_KEY, Environment.MOCK, token(clock, "newer"))
    await db.tokens.discard(APP_KEY, Environment.MOCK, revoked)  # another process's, older
    loaded = await db.tokens.load(APP_KEY, Environment.MOCK)
    assert loaded is not None and loaded.value == "newer"


async def test_issuance_lock_lets_one_process_at_a_time_issue(opened: Opener) -> None:
    first, second = await opened(), await opened()
    events: list[str] = []
    holding = asyncio.Event()

    async def issue(store_name: str, store: object, hold: bool) -> None:
        async with store.issuance_lock(APP_KEY, Environment.MOCK):  # type: ignore[attr-defined]
            events.append(f"{store_name} in")
            if hold:
                holding.set()
                # Give the other process ample time to (wrongly) get in.
                await asyncio.sleep(0.3)
            events.append(f"{store_name} out")

    first_task = asyncio.create_task(issue("first", first.tokens, hold=True))
    await asyncio.wait_for(holding.wait(), timeout=10)
    await asyncio.wait_for(
        asyncio.gather(first_task, issue("second", second.tokens, hold=False)), timeout=10
    )
    assert events == ["first in", "first out", "second in", "second out"]


async def test_issuance_lock_does_not_hold_up_other_app_keys(opened: Opener) -> None:
    first, second = await opened(), await opened()
    async with first.tokens.issuance_lock(APP_KEY, Environment.MOCK):
        async with asyncio.timeout(10):
            async with second.tokens.issuance_lock(APP_KEY, Environment.REAL):
                pass
            async with second.tokens.issuance_lock("ANOTHERKEY", Environment.MOCK):
                pass
