"""`python -m kisbot.chat.botapi` as a process of its own, driven through its control API."""

from __future__ import annotations

import asyncio
import signal
import sys

import httpx
from telegram import Bot

from tests.chat.conftest import TOKEN


async def test_served_process_answers_the_bot_and_its_control_api_then_stops_on_sigterm() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "kisbot.chat.botapi",
        "--token",
        TOKEN,
        "--port",
        "0",
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        async with asyncio.timeout(10):
            root = (await process.stdout.readline()).decode().strip()
        async with httpx.AsyncClient(base_url=root) as control:
            user = (await control.post("/_control/users", json={"first_name": "민수"})).json()
            bot = Bot(TOKEN, base_url=f"{root}/bot", base_file_url=f"{root}/file/bot")
            async with bot:
                await bot.send_message(user["id"], "<b>알림</b>", parse_mode="HTML")
            transcript = (await control.get(f"/_control/transcript?chat_id={user['id']}")).json()
        assert [m["text"] for m in transcript] == ["알림"]
    finally:
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(5):
            assert await process.wait() == 0
