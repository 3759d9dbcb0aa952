"""App-key ownership: every key in use has exactly one owner among the bots on one database."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import random
import signal
import sys
import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from kisbot.clock import ManualClock
from kisbot.kis.credentials import Environment
from kisbot.store.database import Database
from kisbot.store.engine import create_engine
from kisbot.store.ownership import (
    APPLICATION_PREFIX,
    KeyOwnership,
    SharedOwnership,
    key_hash,
    key_labels,
    key_ownership,
    lock_object,
    read_census,
)
from tests.store.conftest import Backend
from tests.store.factories import APP_KEY, APP_SECRET, credential

KEYS = [hashlib.sha256(f"app key {n}".encode()).hexdigest() for n in range(30)]


@pytest.fixture
def postgres(backend: Backend) -> Backend:
    if backend.name != "postgresql":
        pytest.skip("sharing keys between processes needs PostgreSQL")
    return backend


@pytest.fixture
async def processes(backend: Backend, clock: ManualClock) -> AsyncIterator[list[KeyOwnership]]:
    """Ownerships started on the backend, each with its own engine like a process; all stopped."""
    started: list[KeyOwnership] = []
    yield started
    for ownership in started:
        await ownership.stop()


async def start(
    backend: Backend, clock: ManualClock, started: list[KeyOwnership], n: int = 1
) -> list[KeyOwnership]:
    for _ in range(n):
        ownership = key_ownership(backend.url, clock)
        await ownership.start()
        started.append(ownership)
    return started[-n:]


async def rebalance_all(
    owners: list[KeyOwnership], keys: list[str] = KEYS, rounds: int = 1
) -> None:
    for _ in range(rounds):
        for ownership in owners:
            await ownership.rebalance(keys)


def assert_partition(owners: list[KeyOwnership], keys: list[str] = KEYS) -> None:
    sets = [ownership.owned() for ownership in owners]
    assert sum(len(owned) for owned in sets) == len(keys), [len(owned) for owned in sets]
    assert frozenset().union(*sets) == frozenset(keys)


async def test_three_processes_own_disjoint_thirds_of_thirty_keys(
    postgres: Backend, clock: ManualClock, processes: list[KeyOwnership]
) -> None:
    owners = await start(postgres, clock, processes, 3)
    await rebalance_all(owners)
    assert_partition(owners)
    assert [len(ownership.owned()) for ownership in owners] == [10, 10, 10]
    for key in KEYS:
        assert sum(ownership.owns(key) for ownership in owners) == 1


async def test_processes_started_one_after_another_spread_the_keys(
    postgres: Backend, clock: ManualClock, processes: list[KeyOwnership]
) -> None:
    (first,) = await start(postgres, clock, processes)
    assert await first.rebalance(KEYS) == frozenset(KEYS)  # alone, it owns everything
    await start(postgres, clock, processes, 2)
    await rebalance_all(processes, rounds=2)
    assert_partition(processes)
    assert sorted(len(ownership.owned()) for ownership in processes) == [10, 10, 10]


async def test_repeated_rebalances_move_no_key(
    postgres: Backend, clock: ManualClock, processes: list[KeyOwnership]
) -> None:
    owners = await start(postgres, clock, processes, 3)
    keys = KEYS[: 31 - 3]  # 28 keys: shares of 10, 10 and 8, so not all at their share
    await rebalance_all(owners, keys, rounds=2)
    before = [ownership.owned() for ownership in owners]
    for _ in range(20):
        for ownership in random.sample(owners, len(owners)):
            await ownership.rebalance(keys)
    assert [ownership.owned() for ownership in owners] == before
    assert_partition(owners, keys)


async def test_a_stopped_process_s_keys_are_taken_at_the_next_rebalance(
    postgres: Backend, clock: ManualClock, processes: list[KeyOwnership]
) -> None:
    owners = await start(postgres, clock, processes, 3)
    await rebalance_all(owners)
    leaving = owners.pop()
    gone = leaving.owned()
    await leaving.stop()
    assert leaving.owned() == frozenset()
    await rebalance_all(owners)
    assert_partition(owners)
    assert [len(ownership.owned()) for ownership in owners] == [15, 15]
    assert gone <= owners[0].owned() | owners[1].owned()


async def test_keys_no_longer_in_use_are_released(
    postgres: Backend, clock: ManualClock, processes: list[KeyOwnership]
) -> None:
    first, _ = await start(postgres, clock, processes, 2)
    assert len(await first.rebalance(KEYS)) == 15  # two processes: a share of 15
    await first.rebalance(KEYS[:10])
    assert first.owned() <= frozenset(KEYS[:10])
    assert len(first.owned()) == 5
    assert await held_locks(postgres) == {lock_object(key) for key in first.owned()}


async def held_locks(backend: Backend) -> set[int]:
    """The key locks held in the database, as another connection sees them."""
    engine = create_engine(backend.url)
    try:
        async with engine.connect() as connection:
            return set((await read_census(connection)).holders)
    finally:
        await engine.dispose()


async def test_a_killed_connection_s_keys_are_taken_and_reclaimed_after_reconnect(
    postgres: Backend,
    clock: ManualClock,
    processes: list[KeyOwnership],
    caplog: pytest.LogCaptureFixture,
) -> None:
    first, second = (
        SharedOwnership(postgres.url, clock, name=f"{APPLICATION_PREFIX}{n}") for n in "ab"
    )
    victim = SharedOwnership(postgres.url, clock, name=f"{APPLICATION_PREFIX}victim")
    owners = [first, second, victim]
    for ownership in owners:
        await ownership.start()
        processes.append(ownership)
    await rebalance_all(owners)
    assert len(victim.owned()) == 10

    engine = create_engine(postgres.url)
    try:
        async with engine.begin() as connection:
            killed = await connection.scalar(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE application_name = :name AND datname = current_database()"
                ),
                {"name": f"{APPLICATION_PREFIX}victim"},
            )
        assert killed == 1
    finally:
        await engine.dispose()

    assert await victim.rebalance(KEYS) == frozenset()  # it notices, and owns nothing
    assert not victim.owns(KEYS[0]) and victim.owned() == frozenset()
    assert "lost" in caplog.text
    await rebalance_all([first, second])
    assert_partition([first, second])

    await clock.advance(60)  # past any backoff: it reconnects and counts again
    for _ in range(2):
        await rebalance_all(owners)
    assert_partition(owners)
    assert sorted(len(ownership.owned()) for ownership in owners) == [10, 10, 10]


async def test_reconnecting_waits_out_a_backoff_while_the_database_is_away(
    postgres: Backend, clock: ManualClock
) -> None:
    nowhere = make_url(postgres.url).set(host="127.0.0.1", port=9)  # the discard port: refused
    ownership = SharedOwnership(nowhere.render_as_string(hide_password=False), clock)
    try:
        assert await ownership.rebalance(KEYS) == frozenset()
        connects = 0
        original = ownership._connect

        async def counted() -> None:
            nonlocal connects
            connects += 1
            await original()

        ownership._connect = counted  # type: ignore[method-assign]
        assert await ownership.rebalance(KEYS) == frozenset()
        assert connects == 0  # too soon after the failure
        await clock.advance(60)
        assert await ownership.rebalance(KEYS) == frozenset()
        assert connects == 1
    finally:
        await ownership.stop()


async def test_an_issuance_lock_on_a_key_does_not_keep_its_owner_from_claiming_it(
    postgres: Backend, db: Database, processes: list[KeyOwnership], clock: ManualClock
) -> None:
    (ownership,) = await start(postgres, clock, processes)
    mine = key_hash(db.vault, credential())
    async with db.tokens.issuance_lock(APP_KEY, Environment.MOCK):
        assert await asyncio.wait_for(ownership.rebalance([mine]), 5) == {mine}


async def test_on_sqlite_the_process_owns_every_key(
    backend: Backend, clock: ManualClock, processes: list[KeyOwnership]
) -> None:
    if backend.name != "sqlite":
        pytest.skip("the one-process case")
    first, second = await start(backend, clock, processes, 2)
    assert not isinstance(first, SharedOwnership)
    assert await first.rebalance(KEYS) == frozenset(KEYS)
    assert await second.rebalance(KEYS) == frozenset(KEYS)
    assert first.owns("anything") and first.owned() == frozenset(KEYS)


async def test_key_labels_name_keys_without_their_secrets(db: Database) -> None:
    real = credential(Environment.REAL)
    labels = key_labels(db.vault, [credential(), real])
    assert sorted(labels.values()) == ["PSap…mock", "PSap…real"]
    assert key_hash(db.vault, real) in labels
    assert not any(APP_KEY in key or APP_SECRET in key for key in labels)


async def test_the_owned_keys_are_logged_at_start_and_on_each_change_only(
    backend: Backend, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="kisbot.store.ownership")
    ownership = KeyOwnership()
    labels = {KEYS[0]: "APPK…real", KEYS[1]: "BCDE…mock"}
    ownership.announce(labels)
    await ownership.rebalance(KEYS[:2])
    ownership.announce(labels)
    ownership.announce(labels)
    lines = [record.getMessage() for record in caplog.records]
    assert lines == [
        "this process owns 0 keys",
        "this process owns 2 keys: APPK…real, BCDE…mock",
    ]


class Bot:
    """A real process holding ownership (tests.store.owner_process), and what it last said."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.owned: set[int] = set()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.process.stdout is not None
        async for line in self.process.stdout:
            self.owned = set(json.loads(line))

    async def end(self, signal_number: int) -> None:
        self.process.send_signal(signal_number)
        await self.process.wait()
        await self._reader
        self.owned = set()


async def until_shared(bots: list[Bot], count: int, sizes: list[int], within: float) -> float:
    """Seconds until the bots' owned sets split `count` keys in sets of these sizes; fails
    after `within` seconds."""
    began = time.monotonic()
    while time.monotonic() - began < within:
        sets = [bot.owned for bot in bots]
        if sorted(map(len, sets)) == sizes and set().union(*sets) == set(range(count)):
            return time.monotonic() - began
        await asyncio.sleep(0.05)
    pytest.fail(f"not shared after {within} s: {[sorted(bot.owned) for bot in bots]}")


async def test_real_processes_take_over_a_killed_one_s_keys_within_seconds(
    postgres: Backend,
) -> None:
    bots = []
    try:
        for _ in range(3):
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "tests.store.owner_process", postgres.url, "12",
                stdout=asyncio.subprocess.PIPE,
            )  # fmt: skip
            bots.append(Bot(process))
        await until_shared(bots, 12, [4, 4, 4], within=30)  # includes starting Python 3 times
        await asyncio.sleep(0.5)  # a few more rebalances each: nothing moves
        await until_shared(bots, 12, [4, 4, 4], within=0.01)

        killed = bots.pop()
        await killed.end(signal.SIGKILL)  # kill -9: no chance to release anything
        assert await until_shared(bots, 12, [6, 6], within=10) < 10

        stopped = bots.pop()
        await stopped.end(signal.SIGTERM)  # a clean stop releases at once
        assert await until_shared(bots, 12, [12], within=10) < 2
    finally:
        for bot in bots:
            await bot.end(signal.SIGKILL)
