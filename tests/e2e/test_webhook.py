"""`kisbot run` with KISBOT_WEBHOOK_URL: it registers the webhook and answers what is posted."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import httpx

from kisbot.chat.botapi import LocalBotApi
from kisbot.sandbox import Sandbox
from kisbot.store.vault import generate_key
from tests.e2e.dockerfile import healthcheck_command

TOKEN = "700000003:AAWebhook-Test-Token-Only_abcdefghijkl"
SECRET = "webhook-secret_123"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_webhook_mode_answers_posted_updates_and_refuses_a_wrong_secret(
    tmp_path: Path,
) -> None:
    port = free_port()
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
            "KISBOT_MARKET_HOURS_ONLY": "false",
            "KISBOT_WEBHOOK_URL": "https://bot.example.com/hook",
            "KISBOT_WEBHOOK_LISTEN": f"127.0.0.1:{port}",
            "KISBOT_WEBHOOK_SECRET": SECRET,
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "kisbot.cli", "run", env=env, stderr=asyncio.subprocess.PIPE
        )
        try:
            (registered,) = await api.wait_for_calls("setWebhook", timeout=30)
            assert registered.params["url"] == "https://bot.example.com/hook"
            assert registered.params["secret_token"] == SECRET

            user = api.add_user("Hooked")
            api.send_text(user, "/frobnicate")
            update = api.pending_updates[-1]
            hook = f"http://127.0.0.1:{port}/hook"
            async with httpx.AsyncClient() as http:
                refused = await http.post(
                    hook, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}
                )
                accepted = await http.post(
                    hook, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
                )
            assert refused.status_code == 403
            assert accepted.status_code == 200
            (reply,) = await api.wait_for_messages(api.private_chat(user), 1, timeout=15)
            assert "/help" in (reply.text or "")
            health = await asyncio.create_subprocess_exec(
                *healthcheck_command(), env=env, stdout=asyncio.subprocess.PIPE
            )
            health_out, _ = await asyncio.wait_for(health.communicate(), timeout=30)
            assert (health.returncode, health_out) == (0, b"healthy\n")

            process.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(process.communicate(), timeout=15)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    assert process.returncode == 0, stderr.decode()
    assert SECRET not in stderr.decode()
    assert TOKEN not in stderr.decode()
