"""`kisbot status`: the running bots and the app keys each owns, as an operator reads them."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from kisbot.clock import ManualClock
from kisbot.kis.credentials import Environment
from kisbot.store.database import Database
from kisbot.store.ownership import APPLICATION_PREFIX, KeyOwnership, SharedOwnership, key_hash
from kisbot.store.status import read_status, render_status
from tests.store.conftest import KEY_A, Backend
from tests.store.factories import APP_SECRET, credential

APP_KEYS = [f"{prefix}{APP_SECRET[:32]}" for prefix in ("AAAA", "BBBB", "CCCC")]


def kisbot_status(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("KISBOT_")} | env
    return subprocess.run(
        [sys.executable, "-m", "kisbot.cli", "status"],
        capture_output=True,
        text=True,
        env=environ,
        timeout=60,
        check=False,
    )


def environment(backend: Backend) -> dict[str, str]:
    return {
        "KISBOT_DATA_DIR": str(backend.data_dir),
        "KISBOT_DATABASE_URL": backend.url,
        "KISBOT_MASTER_KEY": KEY_A,
    }


async def store_three_keys(db: Database) -> list[str]:
    """Three users' credentials with distinct app keys; their key hashes."""
    hashes = []
    for user_id, app_key in enumerate(APP_KEYS, start=1):
        stored = credential(Environment.REAL, app_key=app_key)
        await db.credentials.put(user_id, stored)
        hashes.append(key_hash(db.vault, stored))
    return hashes


@pytest.fixture
async def bots(backend: Backend, clock: ManualClock) -> AsyncIterator[list[KeyOwnership]]:
    if backend.name != "postgresql":
        pytest.skip("running bots share keys only on PostgreSQL")
    started = [SharedOwnership(backend.url, clock, name=f"{APPLICATION_PREFIX}{n}") for n in "xy"]
    for ownership in started:
        await ownership.start()
    yield started
    for ownership in started:
        await ownership.stop()


async def test_status_names_each_bot_s_keys_and_the_unowned_ones(
    backend: Backend, db: Database, bots: list[KeyOwnership]
) -> None:
    hashes = await store_three_keys(db)
    for ownership in bots:
        await ownership.rebalance(hashes[:2])  # the third key is in no one's use
    status = await read_status(backend.settings())
    assert [process.name for process in status.processes] == ["kisbot x", "kisbot y"]
    assert sorted(label for p in status.processes for label in p.keys) == [
        "AAAA…real",
        "BBBB…real",
    ]
    assert [len(process.keys) for process in status.processes] == [1, 1]
    assert status.unowned == ["CCCC…real"]
    shown = render_status(status)
    assert "2 kisbot process(es) running" in shown
    assert "no process owns: 1 key(s): CCCC…real" in shown

    result = kisbot_status(environment(backend))  # its own connection is not a bot
    assert result.returncode == 0, result.stderr
    assert "2 kisbot process(es) running" in result.stdout
    assert "kisbot x" in result.stdout and "kisbot y" in result.stdout
    for secret in [*APP_KEYS, APP_SECRET]:
        assert secret not in result.stdout + result.stderr


async def test_status_counts_keys_of_a_deleted_credential_without_naming_them(
    backend: Backend, db: Database, bots: list[KeyOwnership]
) -> None:
    hashes = await store_three_keys(db)
    assert await bots[0].rebalance(hashes[:1]) == {hashes[0]}
    await db.forget_user(1)  # AAAA…'s only user
    status = await read_status(backend.settings())
    assert (status.processes[0].keys, status.processes[0].unnamed) == ([], 1)
    shown = render_status(status)
    assert "owns 0 key(s) and 1 key(s) no longer stored" in shown
    assert "AAAA" not in shown


async def test_status_on_sqlite_says_one_process_owns_every_key(
    backend: Backend, db: Database
) -> None:
    if backend.name != "sqlite":
        pytest.skip("the one-process case")
    await store_three_keys(db)
    result = kisbot_status(environment(backend))
    assert result.returncode == 0, result.stderr
    assert "owns every app key (3 key(s): AAAA…real, BBBB…real, CCCC…real)" in result.stdout
    for secret in [*APP_KEYS, APP_SECRET]:
        assert secret not in result.stdout + result.stderr


def test_status_without_a_master_key_generates_none(tmp_path: Path) -> None:
    result = kisbot_status({"KISBOT_DATA_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert "No master key is configured" in result.stdout
    assert not (tmp_path / "master.key").exists()
