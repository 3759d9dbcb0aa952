"""`kisbot rotate-key` against the database of a running `kisbot run` (issue #10).

Rotating under a running bot left that bot with a key that no longer fit: every command that
read a secret answered "처리 중 오류", and what it wrote went under the old key. Now rotate-key
refuses while a bot holds the database, says to stop the bot first, and changes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from kisbot import runner
from kisbot.app import open_bot
from kisbot.chat.botapi import LocalBotApi
from kisbot.chat.models import User
from kisbot.config import load_settings
from kisbot.sandbox import Sandbox
from kisbot.store.database import open_database
from kisbot.store.engine import create_engine
from kisbot.store.errors import DatabaseInUseError
from kisbot.store.rotation import rotate_secrets
from kisbot.store.runlock import RUN_LOCK_ID, exclusive_run_lock, hold_run_lock
from kisbot.store.vault import Vault, generate_key
from tests.e2e.process import KisbotProcess, bot_env
from tests.store.conftest import PG_URL_VARIABLE, empty_postgres, migrate_once

TOKEN = "700000004:AARotate-Test-Token-Only_abcdefghijklm"
SETKEY = "/setkey PSkisbotRotateKey0001 RotateSecretValue0001 50012345-01"
INTERNAL_ERROR = "처리 중 오류"


@pytest.fixture
def pg_url() -> str:
    url = os.environ.get(PG_URL_VARIABLE)
    if not url:
        pytest.skip(f"the PostgreSQL run lock test needs {PG_URL_VARIABLE} (a scratch database)")
    migrate_once(url)
    return url


async def reply_to(api: LocalBotApi, user: User, text: str) -> str:
    chat = api.private_chat(user)
    before = len([m for m in api.transcript(chat) if m.sender.id != user.id])
    api.send_text(user, text)
    messages = await api.wait_for_messages(chat, before + 1, timeout=20)
    return messages[before].text or messages[before].caption or ""


async def stored_key_ids(data_dir: Path) -> set[str]:
    engine = create_engine(f"sqlite+aiosqlite:///{data_dir / 'kisbot.db'}")
    try:
        async with engine.connect() as connection:
            rows = await connection.scalars(
                text("SELECT key_id FROM credentials UNION SELECT key_id FROM access_tokens")
            )
            return set(rows)
    finally:
        await engine.dispose()


async def test_rotate_key_is_refused_while_the_bot_runs_and_works_once_it_stopped(
    tmp_path: Path,
) -> None:
    old, new = generate_key(), generate_key()
    data_dir = tmp_path / "data"
    async with (
        Sandbox(real_rate=0, mock_rate=0, token_interval=0) as sandbox,
        LocalBotApi(TOKEN) as api,
    ):
        env = bot_env(api, sandbox, str(data_dir), KISBOT_MASTER_KEY=old)
        rotate_env = {**env, "KISBOT_MASTER_KEY": f"{new},{old}"}
        user = api.add_user("Rotator")
        async with KisbotProcess("run", env=env) as bot:
            await api.wait_until_polling(timeout=30)
            assert "모의투자" in await reply_to(api, user, SETKEY)
            assert INTERNAL_ERROR not in await reply_to(api, user, "/balance")

            async with KisbotProcess("rotate-key", env=rotate_env) as rotate:
                assert await rotate.wait() == 1, rotate.output
            assert "stop" in rotate.output.lower()
            assert "nothing was changed" in rotate.output.lower()
            assert old not in rotate.output and new not in rotate.output
            assert await stored_key_ids(data_dir) == {Vault.from_text(old).key_id}
            assert INTERNAL_ERROR not in await reply_to(api, user, "/balance")
            assert await bot.terminate() == 0

        async with KisbotProcess("rotate-key", env=rotate_env) as rotate:
            assert await rotate.wait() == 0, rotate.output
        assert await stored_key_ids(data_dir) == {Vault.from_text(new).key_id}

        async with KisbotProcess("run", env={**env, "KISBOT_MASTER_KEY": new}) as bot:
            await api.wait_until_polling(timeout=30)
            assert INTERNAL_ERROR not in await reply_to(api, user, "/balance")
            assert await bot.terminate() == 0


async def test_a_bot_that_lost_its_run_lock_to_a_rotation_stops_with_a_message(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL: the lock lives on a connection; if it drops, a rotation can slip in."""
    await empty_postgres(pg_url)
    old, new = generate_key(), generate_key()
    monkeypatch.setattr(runner, "hold_run_lock", functools.partial(hold_run_lock, check_every=0.5))
    async with (
        Sandbox(real_rate=0, mock_rate=0, token_interval=0) as sandbox,
        LocalBotApi(TOKEN) as api,
    ):
        env = bot_env(
            api, sandbox, str(tmp_path), KISBOT_MASTER_KEY=old, KISBOT_DATABASE_URL=pg_url
        )
        settings = load_settings(env)
        serving = asyncio.create_task(runner.serve(settings, lambda: open_bot(settings)))
        try:
            await api.wait_until_polling(timeout=30)
            assert "모의투자" in await reply_to(api, api.add_user("Lost"), SETKEY)

            rotating = load_settings({**env, "KISBOT_MASTER_KEY": f"{new},{old}"})
            async with _rotation_lock_after_dropping_the_bots(pg_url):
                database = await open_database(rotating)
                try:
                    await rotate_secrets(database.sessions, database.vault)
                finally:
                    await database.close()
            with pytest.raises(runner.KeysChanged) as stopped:
                await asyncio.wait_for(serving, timeout=30)
        finally:
            if not serving.done():
                serving.cancel()
    assert "KISBOT_MASTER_KEY" in str(stopped.value)
    assert Vault.from_text(new).key_id in str(stopped.value)


@contextlib.asynccontextmanager
async def _rotation_lock_after_dropping_the_bots(url: str) -> AsyncIterator[None]:
    """The run lock, exclusively, after cutting the bot's lock connection (as many times as it
    takes: the bot takes the lock back within its check interval)."""
    engine = create_engine(url)
    try:
        for _ in range(50):
            async with engine.begin() as connection:
                await connection.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_locks "
                        "WHERE locktype = 'advisory' AND mode = 'ShareLock' "
                        "AND database = (SELECT oid FROM pg_database "
                        "WHERE datname = current_database()) "
                        "AND ((classid::bigint << 32) | objid::bigint) = :id"
                    ),
                    {"id": RUN_LOCK_ID},
                )
            try:
                async with exclusive_run_lock(url):
                    yield
                    return
            except DatabaseInUseError:
                continue
    finally:
        await engine.dispose()
    raise AssertionError("the bot kept its run lock")
