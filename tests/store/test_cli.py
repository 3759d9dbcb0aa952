"""`kisbot db upgrade`, `kisbot keygen` and `kisbot rotate-key` as an operator runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from kisbot.clock import ManualClock
from kisbot.kis.credentials import Environment
from kisbot.store.cli import rotate_key_main
from kisbot.store.engine import create_engine
from kisbot.store.vault import Vault
from tests.store.conftest import KEY_A, KEY_B, Backend, Opener
from tests.store.factories import APP_KEY, credential, token


def _kisbot(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("KISBOT_")} | env
    return subprocess.run(
        [sys.executable, "-m", "kisbot.cli", *args],
        capture_output=True,
        text=True,
        env=environ,
        timeout=60,
        check=False,
    )


def test_keygen_prints_a_usable_master_key() -> None:
    result = _kisbot("keygen", env={})
    assert result.returncode == 0
    key = result.stdout.strip()
    assert Fernet(key).decrypt(Fernet(key).encrypt(b"x")) == b"x"
    assert _kisbot("keygen", env={}).stdout.strip() != key


async def test_db_upgrade_creates_the_database_from_kisbot_database_url(tmp_path: Path) -> None:
    result = _kisbot("db", "upgrade", env={"KISBOT_DATA_DIR": str(tmp_path / "data")})
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'data' / 'kisbot.db'}")
    try:
        async with engine.connect() as connection:
            assert await connection.scalar(text("SELECT count(*) FROM confirmations")) == 0
    finally:
        await engine.dispose()


def test_db_without_an_action_explains_itself(capsys: pytest.CaptureFixture[str]) -> None:
    from kisbot.store.cli import db_main

    with pytest.raises(SystemExit):
        db_main([])
    assert "upgrade" in capsys.readouterr().err


async def test_rotate_key_command_reencrypts_and_reports(
    backend: Backend,
    opened: Opener,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db = await opened(clock, KEY_A)
    await db.credentials.put(1, credential())
    await db.tokens.save(APP_KEY, Environment.MOCK, token(clock))
    await db.close()
    monkeypatch.setenv("KISBOT_DATA_DIR", str(backend.data_dir))
    monkeypatch.setenv("KISBOT_DATABASE_URL", backend.url)

    monkeypatch.setenv("KISBOT_MASTER_KEY", KEY_B)  # the old key forgotten: refused
    assert await _in_thread(rotate_key_main) == 1
    assert "KISBOT_MASTER_KEY" in capsys.readouterr().err

    monkeypatch.setenv("KISBOT_MASTER_KEY", f"{KEY_B},{KEY_A}")
    assert await _in_thread(rotate_key_main) == 0
    out = capsys.readouterr().out
    assert "1 credential(s) and 1 token(s)" in out
    assert Vault.from_text(KEY_B).key_id in out
    assert KEY_A not in out and KEY_B not in out
    after = await opened(clock, KEY_B)
    assert await after.credentials.get(1, Environment.MOCK) == credential()


async def _in_thread(main: object) -> int:
    # The command runs its own event loop, as it does from the console script.
    import asyncio

    return await asyncio.to_thread(main, [])  # type: ignore[arg-type]


async def test_rotate_key_is_refused_while_a_bot_holds_the_database(
    backend: Backend,
    opened: Opener,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from kisbot.store.runlock import hold_run_lock

    db = await opened(clock, KEY_A)
    await db.credentials.put(1, credential())
    await db.close()
    monkeypatch.setenv("KISBOT_DATA_DIR", str(backend.data_dir))
    monkeypatch.setenv("KISBOT_DATABASE_URL", backend.url)
    monkeypatch.setenv("KISBOT_MASTER_KEY", f"{KEY_B},{KEY_A}")

    async with hold_run_lock(backend.url):  # what `kisbot run` holds while it runs
        assert await _in_thread(rotate_key_main) == 1
    err = capsys.readouterr().err
    assert "Stop every `kisbot run`" in err and "Nothing was changed" in err
    assert await (await opened(clock, KEY_A)).credentials.get(1, Environment.MOCK) == credential()

    assert await _in_thread(rotate_key_main) == 0  # the bot stopped: now it works
    assert await (await opened(clock, KEY_B)).credentials.get(1, Environment.MOCK) == credential()


async def test_rotate_key_says_what_to_do_with_the_old_key_and_an_old_master_key_file(
    backend: Backend,
    opened: Opener,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db = await opened(clock, KEY_A)
    await db.credentials.put(1, credential())
    await db.close()
    # The bot used to run on a generated master.key; the operator moves to KISBOT_MASTER_KEY.
    key_file = backend.data_dir / "master.key"
    key_file.write_text(KEY_A + "\n")
    monkeypatch.setenv("KISBOT_DATA_DIR", str(backend.data_dir))
    monkeypatch.setenv("KISBOT_DATABASE_URL", backend.url)

    monkeypatch.setenv("KISBOT_MASTER_KEY", KEY_B)  # the file's key left out: refused
    assert await _in_thread(rotate_key_main) == 1
    err = capsys.readouterr().err
    assert str(key_file) in err and "KISBOT_MASTER_KEY=NEW,KEY_FROM_FILE" in err

    monkeypatch.setenv("KISBOT_MASTER_KEY", f"{KEY_B},{KEY_A}")
    assert await _in_thread(rotate_key_main) == 0
    out = capsys.readouterr().out
    assert "keep only that key in KISBOT_MASTER_KEY" in out
    assert f"{key_file} is not read while KISBOT_MASTER_KEY is set" in out
    assert "backups" in out
    assert KEY_A not in out and KEY_B not in out


async def test_rotate_key_with_the_current_key_left_out_says_how_to_list_the_keys(
    backend: Backend,
    opened: Opener,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db = await opened(clock, KEY_A)
    await db.credentials.put(1, credential())
    await db.close()
    monkeypatch.setenv("KISBOT_DATA_DIR", str(backend.data_dir))
    monkeypatch.setenv("KISBOT_DATABASE_URL", backend.url)
    monkeypatch.setenv("KISBOT_MASTER_KEY", KEY_B)
    assert await _in_thread(rotate_key_main) == 1
    assert "KISBOT_MASTER_KEY=NEW,CURRENT" in capsys.readouterr().err


async def test_rotate_key_from_a_master_key_file_says_to_trim_the_file(
    backend: Backend,
    opened: Opener,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db = await opened(clock, KEY_A)
    await db.credentials.put(1, credential())
    await db.close()
    key_file = backend.data_dir / "master.key"
    key_file.write_text(f"{KEY_B},{KEY_A}\n")
    monkeypatch.delenv("KISBOT_MASTER_KEY", raising=False)
    monkeypatch.setenv("KISBOT_DATA_DIR", str(backend.data_dir))
    monkeypatch.setenv("KISBOT_DATABASE_URL", backend.url)
    assert await _in_thread(rotate_key_main) == 0
    out = capsys.readouterr().out
    assert f"keep only that key in {key_file}" in out
    assert "is not read" not in out
