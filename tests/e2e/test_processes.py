"""Three `kisbot run` processes on one PostgreSQL, behind one webhook URL, against the sandbox.

Every app key is owned by one process (one WebSocket session each at the sandbox); alerts fire
once; a confirmation pressed at every process at once places one order, whose fill is told
once; a process killed with kill -9 has its keys taken over within seconds, and their alerts
keep firing. Needs KISBOT_TEST_DATABASE_URL (skipped without it, with the reason).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from handlers.callbacks import Confirm, decode
from kisbot.chat.botapi import LocalBotApi
from kisbot.chat.models import Message, User
from kisbot.config import load_settings
from kisbot.kis import Account, Credential, Environment
from kisbot.sandbox import Sandbox
from kisbot.store.database import open_database
from kisbot.store.status import OwnershipStatus, read_status
from kisbot.store.vault import generate_key
from tests.store.conftest import empty_postgres

TOKEN = "700000009:AAProcesses-Test-Token-Only_abcdefghi"
SECRET = "processes-secret_123"
PROCESSES = 3
USERS = 6
CODES = ["005930", "000660", "035720", "005380", "051910", "035420"]
HAMMER = 54  # three seconds of one real key's 18/s, sent at once
LATE_CODE = "068270"  # user 1's second alert: crossed only after its owner is killed


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Fleet:
    """The processes, the sandbox and the local Bot API, and ways to talk to each process."""

    def __init__(self, tmp_path: Path, database_url: str) -> None:
        self.tmp_path = tmp_path
        self.database_url = database_url
        self.master_key = generate_key()
        self.sandbox = Sandbox(
            real_rate=18,
            mock_rate=1,
            token_interval=0,
            approval_interval=0,
            walk_interval=0,
            ping_interval=0,
            seed=5,
        )
        self.api = LocalBotApi(TOKEN)
        # One client for every post: a client per post builds an SSL context each time, and
        # 54 at once would stall this process, which also runs the sandbox KIS counts calls in.
        self.http = httpx.AsyncClient(timeout=10)
        self.ports = [free_port() for _ in range(PROCESSES)]
        self.processes: list[asyncio.subprocess.Process | None] = [None] * PROCESSES
        self.credentials: list[Credential] = []
        self.users: list[User] = []

    def environment(self, port: int) -> dict[str, str]:
        return {
            **os.environ,
            **self.api.bot_env(),
            "KISBOT_KIS_REAL_URL": self.sandbox.real_url,
            "KISBOT_KIS_MOCK_URL": self.sandbox.mock_url,
            "KISBOT_KIS_REAL_WS_URL": self.sandbox.real_ws_url,
            "KISBOT_KIS_MOCK_WS_URL": self.sandbox.mock_ws_url,
            "KISBOT_SYMBOLS_URL": self.sandbox.files_url,
            "KISBOT_DATA_DIR": str(self.tmp_path / f"data-{port}"),
            "KISBOT_DATABASE_URL": self.database_url,
            "KISBOT_MASTER_KEY": self.master_key,
            "KISBOT_MARKET_HOURS_ONLY": "false",
            "KISBOT_ALERT_INTERVAL": "1",
            "KISBOT_WEBHOOK_URL": "https://bot.example.com/hook",
            "KISBOT_WEBHOOK_LISTEN": f"127.0.0.1:{port}",
            "KISBOT_WEBHOOK_SECRET": SECRET,
        }

    async def start(self, index: int) -> None:
        log = (self.tmp_path / f"process-{index}.log").open("ab")
        self.processes[index] = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "kisbot.cli",
            "run",
            env=self.environment(self.ports[index]),
            stdout=log,
            stderr=log,
        )

    async def stop_all(self) -> None:
        for process in self.processes:
            if process is not None and process.returncode is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            if process is None:
                continue
            try:
                await asyncio.wait_for(process.wait(), 15)
            except TimeoutError:
                process.kill()
                await process.wait()

    def settings(self) -> Any:
        return load_settings(self.environment(self.ports[0]))

    async def status(self) -> OwnershipStatus:
        return await read_status(self.settings())

    async def post(self, index: int, update: dict[str, Any]) -> int:
        answer = await self.http.post(
            f"http://127.0.0.1:{self.ports[index]}/hook",
            json=update,
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
        )
        return answer.status_code

    async def say(self, index: int, user: User, text: str) -> None:
        self.api.send_text(user, text)
        assert await self.post(index, self.api.pending_updates[-1]) == 200

    def messages(self, user: User, text: str = "") -> list[Message]:
        return [
            m
            for m in self.api.transcript(self.api.private_chat(user))
            if m.from_bot and text in (m.text or "")
        ]


async def eventually(condition: Callable[[], Any], timeout: float = 20.0) -> None:  # noqa: ASYNC109
    """Wait (bounded) for what other processes do; they send no signal to wait on."""
    async with asyncio.timeout(timeout):
        while not (await condition() if asyncio.iscoroutinefunction(condition) else condition()):  # noqa: ASYNC110
            await asyncio.sleep(0.1)


@pytest.fixture
async def fleet(tmp_path: Path, postgres_url: str) -> AsyncIterator[Fleet]:
    await empty_postgres(postgres_url)
    fleet = Fleet(tmp_path, postgres_url)
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(fleet.sandbox)
        await stack.enter_async_context(fleet.api)
        await stack.enter_async_context(fleet.http)
        database = await open_database(fleet.settings())
        try:
            for n in range(USERS):
                user = fleet.api.add_user(f"User{n}")
                credential = Credential(
                    f"K{n:03d}ProcKey000000000000000000000000",  # labels (key_id) differ
                    f"ProcSecret{n}",
                    Account.parse(f"5{n + 1:07d}-01"),
                    Environment.REAL,
                    hts_id=f"htsuser{n}",
                )
                await database.users.get_or_create(user.id, user.id)
                await database.credentials.put(user.id, credential)
                price = fleet.sandbox.set_price(CODES[n], fleet.sandbox.price(CODES[n]))
                await database.alerts.add(user.id, CODES[n], "above", Decimal(price + 500))
                fleet.users.append(user)
                fleet.credentials.append(credential)
            late = fleet.sandbox.price(LATE_CODE)
            await database.alerts.add(fleet.users[1].id, LATE_CODE, "above", Decimal(late + 500))
        finally:
            await database.close()
        for index in range(PROCESSES):
            await fleet.start(index)
        try:
            yield fleet
        finally:
            await fleet.stop_all()


def owners_of(status: OwnershipStatus) -> dict[str, list[str]]:
    owners: dict[str, list[str]] = {}
    for process in status.processes:
        for label in process.keys:
            owners.setdefault(label, []).append(process.name)
    return owners


async def test_three_processes_share_the_keys_and_do_everything_once(fleet: Fleet) -> None:
    labels = {credential.key_id for credential in fleet.credentials}

    async def balanced() -> bool:
        status = await fleet.status()
        owners = owners_of(status)
        return (
            len(status.processes) == PROCESSES
            and set(owners) == labels
            and all(len(names) == 1 for names in owners.values())
            and all(process.keys for process in status.processes)
        )

    await eventually(balanced, timeout=60)
    # One WebSocket session per app key at the sandbox, notices and ticks registered.
    await eventually(lambda: len(fleet.sandbox.sessions()) == USERS)
    assert len({session.appkey for session in fleet.sandbox.sessions()}) == USERS

    # Alerts: every user's crosses once, and is told once.
    for n in range(USERS):
        fleet.sandbox.set_price(CODES[n], fleet.sandbox.price(CODES[n]) + 1000)
    for user in fleet.users:
        await eventually(lambda user=user: len(fleet.messages(user, "알림 #1")) == 1)

    # An order: the 확인 press reaches every process at once; one order, one fill notice.
    buyer = fleet.users[0]
    await fleet.say(0, buyer, "/buy 005930 3 krx")  # a market order: KRX takes them at any hour
    await eventually(lambda: len(fleet.messages(buyer, "확인을 누르면")) == 1)
    (summary,) = fleet.messages(buyer, "확인을 누르면")
    accept = next(
        b.callback_data
        for b in summary.flat_buttons
        if isinstance(decode(b.callback_data), Confirm) and decode(b.callback_data).accept
    )
    fleet.api.press_button(buyer, summary, accept)
    press = fleet.api.pending_updates[-1]
    codes = await asyncio.gather(*(fleet.post(i, press) for i in range(PROCESSES)))
    assert codes == [200] * PROCESSES
    await eventually(lambda: len(fleet.messages(buyer, "체결완료 3/3주")) >= 1)
    await asyncio.sleep(2)  # time for any duplicate to show
    orders = [r for r in fleet.sandbox.requests("order-cash") if r.method == "POST"]
    assert len(orders) == 1
    assert len([m for m in fleet.messages(buyer, "체결완료 3/3주") if "📊" not in m.text]) == 1

    # Every process hammers one key: the budget is shared, so KIS never sees it past 18/s.
    hammered = fleet.users[2]
    before = len(fleet.sandbox.requests("inquire-price"))
    for round_ in range(HAMMER // PROCESSES):
        for index in range(PROCESSES):
            fleet.api.send_text(hammered, f"/price {CODES[(round_ + index) % len(CODES)]}")
    presses = fleet.api.pending_updates[-HAMMER:]
    codes = await asyncio.gather(
        *(fleet.post(i % PROCESSES, update) for i, update in enumerate(presses))
    )
    assert codes == [200] * HAMMER
    await eventually(lambda: len(fleet.messages(hammered, "거래량")) >= HAMMER, timeout=30)
    quotes = fleet.sandbox.requests("inquire-price")[before:]
    assert len(quotes) >= HAMMER
    arrivals = [(round((q.time - quotes[0].time).total_seconds(), 3), q.status) for q in quotes]
    assert [q for q in quotes if q.status != 200] == [], arrivals  # no EGW00201

    # kill -9 the owner of user 1's key: another process takes it within 10 s.
    status = await fleet.status()
    victim_name = owners_of(status)[fleet.credentials[1].key_id][0]
    victim = next(
        i for i, p in enumerate(fleet.processes) if p and victim_name.endswith(f":{p.pid}")
    )
    process = fleet.processes[victim]
    assert process is not None
    process.kill()
    await process.wait()
    started = asyncio.get_running_loop().time()

    async def taken_over() -> bool:
        owners = owners_of(await fleet.status())
        return set(owners) == labels and all(
            name != victim_name for o in owners.values() for name in o
        )

    await eventually(taken_over, timeout=15)
    assert asyncio.get_running_loop().time() - started < 10
    # Its alerts keep firing: user 1's second alert, crossed now.
    fleet.sandbox.set_price(LATE_CODE, fleet.sandbox.price(LATE_CODE) + 1000)
    await eventually(lambda: len(fleet.messages(fleet.users[1], "알림 #2")) == 1)
    await asyncio.sleep(1)
    assert len(fleet.messages(fleet.users[1], "알림 #2")) == 1
    assert [r.status for r in fleet.sandbox.requests() if r.status == 500] == []
