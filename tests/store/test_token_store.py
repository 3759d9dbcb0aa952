"""Access tokens shared through the database: reused across restarts, issued one at a time."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from sqlalchemy.pool import NullPool

from kisbot.clock import ManualClock
from kisbot.kis import KisService
from kisbot.kis.credentials import Environment
from kisbot.store.database import Database
from kisbot.store.engine import create_engine, create_session_factory
from kisbot.store.token_store import lock_connections
from kisbot.store.vault import load_vault
from tests.kis import payloads
from tests.store.conftest import Backend, Opener
from tests.store.factories import APP_KEY, credential, token


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


# -- issuance on a pool of a few connections -------------------------------------------------

SMALL_POOL = 3


async def _small_pool(backend: Backend, clock: ManualClock, size: int) -> Database:
    """The store on an engine of `size` connections and no overflow, failing fast when empty."""
    settings = backend.settings()
    engine = create_engine(
        settings.resolved_database_url, pool_size=size, max_overflow=0, pool_timeout=3
    )
    return Database(engine, create_session_factory(engine), load_vault(settings), clock)


async def test_load_and_save_under_the_lock_need_no_second_connection(
    backend: Backend, clock: ManualClock
) -> None:
    database = await _small_pool(backend, clock, size=1)
    try:
        async with asyncio.timeout(10):
            async with database.tokens.issuance_lock(APP_KEY, Environment.MOCK) as tokens:
                assert await tokens.load(APP_KEY, Environment.MOCK) is None
                await tokens.save(APP_KEY, Environment.MOCK, token(clock, "under-the-lock"))
                loaded = await tokens.load(APP_KEY, Environment.MOCK)
                assert loaded is not None and loaded.value == "under-the-lock"
            loaded = await database.tokens.load(APP_KEY, Environment.MOCK)
        assert loaded is not None and loaded.value == "under-the-lock"
    finally:
        await database.close()


async def test_the_next_holder_of_the_lock_sees_the_token_saved_under_it(
    opened: Opener, clock: ManualClock
) -> None:
    first, second = await opened(clock), await opened(clock)
    saved = asyncio.Event()

    async def issue_and_hold() -> None:
        async with first.tokens.issuance_lock(APP_KEY, Environment.MOCK) as tokens:
            await tokens.save(APP_KEY, Environment.MOCK, token(clock, "first-process"))
            saved.set()
            await asyncio.sleep(0.2)  # the other process queues on the lock meanwhile

    holder = asyncio.create_task(issue_and_hold())
    async with asyncio.timeout(10):
        await saved.wait()
        async with second.tokens.issuance_lock(APP_KEY, Environment.MOCK) as tokens:
            loaded = await tokens.load(APP_KEY, Environment.MOCK)
        await holder
    assert loaded is not None and loaded.value == "first-process"


async def test_many_keys_issue_at_once_on_a_small_pool_while_other_queries_go_on(
    backend: Backend, clock: ManualClock
) -> None:
    database = await _small_pool(backend, clock, size=SMALL_POOL)
    keys = [f"PSpoolKEY{n:02d}" for n in range(32)]
    first_arrived, release = asyncio.Event(), asyncio.Event()
    in_flight = most_in_flight = 0

    async def kis(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, most_in_flight
        assert request.url.path == "/oauth2/tokenP"
        in_flight += 1
        most_in_flight = max(most_in_flight, in_flight)
        first_arrived.set()
        await release.wait()
        in_flight -= 1
        return payloads.token_ok()

    http = httpx.AsyncClient(transport=httpx.MockTransport(kis))
    service = KisService(
        real_url=payloads.REAL, real_rate=0, token_store=database.tokens, clock=clock, http=http
    )
    issuing = [
        asyncio.create_task(service.client(credential(Environment.REAL, key)).ensure_token())
        for key in keys
    ]
    try:
        async with asyncio.timeout(10):
            await first_arrived.wait()
        for _ in range(20):  # the read every update makes, while issuances hold their locks
            await asyncio.wait_for(database.credentials.user_at_start(1), timeout=5)
            await asyncio.sleep(0.01)
        release.set()
        async with asyncio.timeout(30):
            issued = await asyncio.gather(*issuing)
        stored = [await database.tokens.load(key, Environment.REAL) for key in keys]
    finally:
        release.set()
        for task in issuing:
            task.cancel()
        await service.aclose()
        await http.aclose()
        await database.close()
    assert [t.value for t in issued] == [payloads.ACCESS_TOKEN] * len(keys)
    assert all(t is not None and t.value == payloads.ACCESS_TOKEN for t in stored)
    if backend.name == "postgresql":
        assert most_in_flight < SMALL_POOL  # each holds a connection for its lock


async def test_issuances_hold_fewer_connections_than_the_pool_keeps(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'kisbot.db'}"
    engines = {
        "pool of 5": create_engine(url, pool_size=5, max_overflow=10),
        "pool of 1": create_engine(url, pool_size=1),
        "no pool": create_engine(url, poolclass=NullPool),
    }
    try:
        bounds = {name: lock_connections(engine) for name, engine in engines.items()}
    finally:
        for engine in engines.values():
            await engine.dispose()
    assert bounds == {"pool of 5": 4, "pool of 1": 1, "no pool": None}
