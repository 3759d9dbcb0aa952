"""The run lock: running bots hold it together; key rotation needs it alone."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy import text

from kisbot.store.engine import create_engine
from kisbot.store.errors import DatabaseInUseError
from kisbot.store.runlock import RUN_LOCK_ID, exclusive_run_lock, hold_run_lock
from tests.store.conftest import Backend


async def test_bots_share_the_lock_and_rotation_is_refused_while_one_holds_it(
    backend: Backend,
) -> None:
    async with hold_run_lock(backend.url), hold_run_lock(backend.url):
        with pytest.raises(DatabaseInUseError):
            async with exclusive_run_lock(backend.url):
                pytest.fail("rotation ran under a running bot")
    async with hold_run_lock(backend.url):
        pass
    async with exclusive_run_lock(backend.url):  # every bot gone: rotation may run
        pass


async def test_a_second_rotation_is_refused_while_one_runs(backend: Backend) -> None:
    async with exclusive_run_lock(backend.url):
        with pytest.raises(DatabaseInUseError):
            async with exclusive_run_lock(backend.url):
                pytest.fail("two rotations at once")


async def test_a_bot_starting_during_a_rotation_waits_for_it(
    backend: Backend, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="kisbot.store.runlock")
    started = asyncio.Event()

    async def bot() -> None:
        async with hold_run_lock(backend.url):
            started.set()

    async with exclusive_run_lock(backend.url):
        waiting = asyncio.create_task(bot())
        for _ in range(100):  # until it has tried and is waiting
            if "rotate-key" in caplog.text:
                break
            await asyncio.sleep(0.05)
        assert "rotate-key" in caplog.text
        assert not started.is_set()
    await asyncio.wait_for(waiting, timeout=30)
    assert started.is_set()


async def test_postgres_lock_is_taken_again_after_its_connection_dropped(
    backend: Backend, caplog: pytest.LogCaptureFixture
) -> None:
    if backend.name != "postgresql":
        pytest.skip("a SQLite flock does not depend on a connection")
    regained = asyncio.Event()

    async def on_regained() -> None:
        regained.set()

    engine = create_engine(backend.url)
    try:
        async with hold_run_lock(backend.url, on_regained=on_regained, check_every=0.05):
            async with engine.begin() as connection:
                killed = await connection.scalar(
                    text(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_locks "
                        "WHERE locktype = 'advisory' AND mode = 'ShareLock' "
                        "AND database = (SELECT oid FROM pg_database "
                        "WHERE datname = current_database()) "
                        "AND ((classid::bigint << 32) | objid::bigint) = :id"
                    ),
                    {"id": RUN_LOCK_ID},
                )
            assert killed == 1
            await asyncio.wait_for(regained.wait(), timeout=30)
            with pytest.raises(DatabaseInUseError):
                async with exclusive_run_lock(backend.url):
                    pytest.fail("rotation ran under a running bot")
    finally:
        await engine.dispose()
    assert "dropped" in caplog.text
