"""`kisbot run` as a real process: it polls, answers, is healthy, and stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

from kisbot.chat.botapi import LocalBotApi
from kisbot.sandbox import Sandbox
from kisbot.store.vault import generate_key
from tests.e2e.dockerfile import healthcheck_command

TOKEN = "700000002:AAProcess-Test-Token-Only_abcdefghijk"


async def test_kisbot_run_answers_and_stops_on_sigterm_without_leaking_the_token(
    tmp_path: Path,
) -> None:
    async with (
        Sandbox(real_rate=0, mock_rate=0, token_interval=0) as sandbox,
        LocalBotApi(TOKEN) as api,
    ):
        env = {
            **os.environ,
            **api.bot_env(),
            "KISBOT_KIS_REAL_URL": sandbox.real_url,
            "KISBOT_KIS_MOCK_URL": sandbox.mock_url,
            "KISBOT_SYMBOLS_URL": sandbox.files_url,
            "KISBOT_DATA_DIR": str(tmp_path / "data"),
            "KISBOT_MASTER_KEY": generate_key(),
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "kisbot.cli",
            "run",
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            await api.wait_until_polling(timeout=30)
            user = api.add_user("Process")
            api.send_text(user, "/frobnicate")
            (reply,) = await api.wait_for_messages(api.private_chat(user), 1, timeout=15)
            assert "/help" in (reply.text or "")
            # The update came with an answered poll: Docker's health check says healthy.
            health = await asyncio.create_subprocess_exec(
                *healthcheck_command(), env=env, stdout=asyncio.subprocess.PIPE
            )
            health_out, _ = await asyncio.wait_for(health.communicate(), timeout=30)
            assert (health.returncode, health_out) == (0, b"healthy\n")

            started = time.monotonic()
            process.send_signal(signal.SIGTERM)
            stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=15)
            assert time.monotonic() - started < 5
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    assert process.returncode == 0, stderr.decode()
    output = (stdout + stderr).decode()
    assert TOKEN not in output
    assert TOKEN.split(":")[1] not in output
    assert "outcome=ok" in output  # one log line per command
    assert "KISBOT_ALLOWED_USERS is empty" in output  # anyone could use it: said at start


async def test_kisbot_run_without_a_token_says_which_variable(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KISBOT_")}
    env["KISBOT_DATA_DIR"] = str(tmp_path)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "kisbot.cli", "run", env=env, stderr=asyncio.subprocess.PIPE
    )
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 2
    assert b"KISBOT_TELEGRAM_TOKEN" in stderr
