"""Alert delivery survives `kill -9`: a real `kisbot run` is killed mid-delivery and restarted.

200 fired alerts wait in the outbox; the local Bot API takes each sendMessage at once but
answers it late, so at every kill one send is in flight: Telegram has the message and the bot
does not know it yet. Counted at the Bot API: every alert arrives (0 lost), at most one twice
per kill, and every second copy says it may be a repeat; in the database, each kill leaves at
most one message marked as being sent. On SQLite, and on PostgreSQL with KISBOT_TEST_DATABASE_URL.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select

from kisbot.alerts.messages import FiredAlert
from kisbot.chat.botapi import LocalBotApi
from kisbot.chat.models import Chat
from kisbot.config import load_settings
from kisbot.sandbox import Sandbox
from kisbot.store.database import open_database
from kisbot.store.engine import create_engine
from kisbot.store.models import OutboxMessage
from kisbot.store.vault import generate_key
from tests.store.conftest import Backend

TOKEN = "700000003:AAKill-Nine-Test-Token-Only_abcdefghij"
USERS = 10
ALERTS_PER_USER = 20
KILLS = 2
SENT_BEFORE_EACH_KILL = 25
REPEAT_NOTE = "재전송"  # in the Korean note that marks a possible repeat
_NUMBER = re.compile(r"\(알림 #(\d+)\)")


async def fire_alerts(environ: dict[str, str], user_ids: list[int]) -> None:
    """ALERTS_PER_USER fired alerts per user, their messages waiting in the outbox."""
    database = await open_database(load_settings(environ))
    try:
        for user_id in user_ids:
            for _ in range(ALERTS_PER_USER):
                alert = await database.alerts.add(user_id, "005930", "above", 1000)
                fired = FiredAlert(
                    number=alert.number,
                    code="005930",
                    name="삼성전자",
                    kind="above",
                    threshold=Decimal(1000),
                    price=70_000,
                    prev_close=69_000,
                    repeat=False,
                    fired_at=datetime.now(UTC),
                )
                queued = await database.alerts.fire(
                    alert.id, user_id, fired.plain_text(), payload=fired.to_json()
                )
                assert queued is not None
    finally:
        await database.close()


async def run_bot_until(
    environ: dict[str, str], log: Path, api: LocalBotApi, done: Callable[[], bool], signum: int
) -> bool:
    """Start `kisbot run`, wait (up to 20 s) until `done()`, then send it `signum`; whether
    `done()` came true."""
    with log.open("ab") as output:  # a file, not a pipe nobody drains
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "kisbot.cli", "run", env=environ, stdout=output, stderr=output
        )
    try:
        reached = await api.changed.wait_until(done, 20)
        process.send_signal(signum)
        await asyncio.wait_for(process.wait(), timeout=15)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    return reached


async def marked_sending(url: str) -> int:
    """How many outbox messages a dead process left marked as being sent."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            query = select(func.count()).where(OutboxMessage.sending_at.is_not(None))
            return int(await connection.scalar(query) or 0)
    finally:
        await engine.dispose()


def received(api: LocalBotApi, chats: list[Chat]) -> list[tuple[tuple[int, int], str]]:
    """Every alert message the users got, in order, keyed by (chat, alert number)."""
    got = []
    for chat in chats:
        for message in api.transcript(chat):
            found = _NUMBER.search(message.text or "")
            assert found, message.text
            got.append(((chat.id, int(found.group(1))), message.text or ""))
    return got


async def test_kill_9_mid_delivery_loses_nothing_and_repeats_only_the_send_in_flight(
    backend: Backend, tmp_path: Path
) -> None:
    async with (
        Sandbox(real_rate=0, mock_rate=0, token_interval=0) as sandbox,
        LocalBotApi(TOKEN) as api,
    ):
        environ = {
            **os.environ,
            **api.bot_env(),
            "KISBOT_KIS_REAL_URL": sandbox.real_url,
            "KISBOT_KIS_MOCK_URL": sandbox.mock_url,
            "KISBOT_SYMBOLS_URL": sandbox.files_url,
            "KISBOT_DATA_DIR": str(backend.data_dir),
            "KISBOT_DATABASE_URL": backend.url,
            "KISBOT_MASTER_KEY": generate_key(),
            "KISBOT_ALERT_INTERVAL": "0.2",
            "KISBOT_MARKET_HOURS_ONLY": "false",  # no alert is active: spare the calendar
        }
        chats = [api.private_chat(api.add_user(f"U{n}", user_id=7001 + n)) for n in range(USERS)]
        await fire_alerts(environ, [chat.id for chat in chats])
        log = tmp_path / "kisbot.log"

        api.answer_slowly("sendMessage", 0.05)
        left_in_flight = []
        for kill in range(1, KILLS + 1):
            wanted = kill * SENT_BEFORE_EACH_KILL
            # Killed the moment the bot API has taken a message: its answer is 50 ms away.
            assert await run_bot_until(
                environ,
                log,
                api,
                lambda wanted=wanted: len(received(api, chats)) >= wanted,
                signal.SIGKILL,
            ), log.read_text()[-2000:]
            left_in_flight.append(await marked_sending(backend.url))
        api.answer_slowly("sendMessage", 0)
        total = USERS * ALERTS_PER_USER
        await run_bot_until(
            environ,
            log,
            api,
            lambda: len({key for key, _ in received(api, chats)}) >= total,
            signal.SIGTERM,
        )
        got = received(api, chats)

    assert all(count <= 1 for count in left_in_flight), left_in_flight  # one per kill at most
    copies = Counter(key for key, _ in got)
    lost = total - len(copies)
    duplicates = sum(count - 1 for count in copies.values())
    assert lost == 0, f"{lost} of {total} alerts never arrived ({duplicates} duplicates)"
    assert duplicates <= KILLS, f"{duplicates} duplicates after {KILLS} kills"
    for key in copies:
        first, *again = [text for k, text in got if k == key]
        assert REPEAT_NOTE not in first
        assert all(REPEAT_NOTE in text for text in again), again  # says it may be a repeat
    noted = [key for key, text in got if REPEAT_NOTE in text]
    assert len(noted) <= KILLS  # only the send in flight at each kill
