"""Benchmark: 1, 2 and 3 `kisbot run` processes on one PostgreSQL, with many users and alerts.

Each configuration starts N real `kisbot run` processes (webhook mode, one port each; the bench
spreads updates over them round-robin, as a reverse proxy would) on one scratch PostgreSQL,
against the KIS sandbox with its per-app-key rate limit ON (18/s real, rolling second) and the
local Bot API. The users: `--users` (5,000) real-key users with `--alerts` (20) alerts each,
written through the store in bulk with a token already stored for every key (issued by the
sandbox), so no round waits for tokenP. Every alert is out of reach except alert #1 of every
`FIRING_EVERY`-th user, which is crossed once in the middle of the measured window.

Before the runs, the reads every process makes each round are timed alone here. Measured over
`--seconds` (60) once every process owns its share of the keys and has ticked:
- per process: CPU (psutil, user + system, over the window), RSS, and alert tick wall time and CPU
  (each `AlertEngine.tick` timed by a few lines wrapped around it in the bot process, see
  `bot_main`; kisbot logs no timing of its own), with the part spent loading every alert,
  chat and credential of every user before filtering by owner;
- /price throughput: `--price-users` users each sending /price again as soon as the last
  answer came, plus `--hot` streams of /price by ONE user (one app key hammered from every
  process at once); answers counted at the local Bot API;
- EGW00201 answered by the sandbox (its rate limiter wrapped to count refusals), Bot API calls
  (most in a rolling second), PostgreSQL sessions opened and transactions (pg_stat_database);
- duplicate alerts (an alert's message sent twice) and duplicate orders (`--orders` /buy, each
  confirmation pressed at every process at once; order-cash POSTs at the sandbox beyond one per
  confirmation);
- with N >= 2, takeover: one process killed with SIGKILL, seconds until `kisbot status` shows
  every key owned by a live process, and until the killed process's keys are polled again.

The last line sums the runs (duplicates and EGW00201 over every configuration; takeover of the
largest):  processes=N egw00201=0 duplicate_alerts=0 duplicate_orders=0 takeover_s=X

    ./dev bench scale_out --postgres postgresql+asyncpg://postgres@127.0.0.1:5432/SCRATCH
        [--processes 1,2,3] [--users 5000] [--alerts 20] [--seconds 60] [--alert-interval 15]
        [--price-users 10] [--hot 20] [--orders 5] [--keep-logs DIR] [--quick] [--only-loading]

The scratch database is emptied. The sandbox runs in a child process (its CPU is not the
bots'); the local Bot API and the load run in this one. Real time (KISBOT_REALTIME) is off: 5,000
WebSocket sessions would measure the sandbox (bench/realtime.py measures real time). Not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import itertools
import multiprocessing
import os
import random
import re
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx
import psutil
from sqlalchemy import insert, text

from kisbot.chat.botapi import LocalBotApi
from kisbot.chat.models import ApiCall, Message, User
from kisbot.config import load_settings
from kisbot.kis import Account, Credential, Environment
from kisbot.kis.tokens import AccessToken
from kisbot.store.database import Database, open_database
from kisbot.store.engine import create_engine
from kisbot.store.migrations import upgrade_database
from kisbot.store.models import Alert, Base, CredentialRow
from kisbot.store.models import User as UserRow
from kisbot.store.repos.credentials import encrypt_into
from kisbot.store.status import read_status
from kisbot.store.vault import generate_key

BOT_TOKEN = "700000013:AAScaleOut-Bench-Token-Only_abcdefghijk"
SECRET = "scale-out-secret_123"
CROSS_CODE = "005930"  # alert #1 of every FIRING_EVERY-th user watches it; crossed mid-window
FIRING_EVERY = 20
PRICE_CODE = "000660"
ORDER_CODE = "035720"
TICK_LINE = re.compile(
    r"^BENCH tick t=(?P<t>[\d.]+) wall=(?P<wall>[\d.]+) cpu=(?P<cpu>[\d.]+) "
    r"load=(?P<load>[\d.]+) alerts=(?P<alerts>\d+) keys=(?P<keys>\d+) calls=(?P<calls>\d+) "
    r"fired=(?P<fired>\d+)"
)


# -- the bot process: `kisbot run` with its alert tick timed ------------------------------------


def bot_main() -> int:
    """`kisbot run`, with each alert tick's wall and CPU time (and the part spent loading every
    user's alerts, chats and credentials) written to stderr as one `BENCH tick` line."""
    from kisbot import cli
    from kisbot.accounts.service import Accounts
    from kisbot.alerts.engine import AlertEngine
    from kisbot.store.repos.alerts import AlertRepo

    loading = [0.0]

    def timed(method: Callable[..., Any]) -> Callable[..., Any]:
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await method(*args, **kwargs)
            finally:
                loading[0] += time.perf_counter() - started

        return wrapper

    AlertRepo.list_watched = timed(AlertRepo.list_watched)  # type: ignore[method-assign]
    AlertRepo.chat_ids = timed(AlertRepo.chat_ids)  # type: ignore[method-assign]
    Accounts.active_clients = timed(Accounts.active_clients)  # type: ignore[method-assign]
    tick = AlertEngine.tick

    async def timed_tick(self: AlertEngine, *args: Any, **kwargs: Any) -> Any:
        loading[0] = 0.0
        wall, cpu = time.perf_counter(), time.process_time()
        report = await tick(self, *args, **kwargs)
        print(
            f"BENCH tick t={time.time():.3f} wall={time.perf_counter() - wall:.4f} "
            f"cpu={time.process_time() - cpu:.4f} load={loading[0]:.4f} alerts={report.alerts} "
            f"keys={report.keys} calls={report.calls} fired={report.fired}",
            file=sys.stderr,
            flush=True,
        )
        return report

    AlertEngine.tick = timed_tick  # type: ignore[method-assign]
    return cli.main(["run"])


# -- the sandbox process ------------------------------------------------------------------------


def world_process(conn: Connection, seed: int) -> None:
    asyncio.run(world_main(conn, seed))


async def world_main(conn: Connection, seed: int) -> None:
    """The KIS sandbox with counters on its rate limiter and request log, driven over `conn`."""
    from kisbot.sandbox import Sandbox
    from kisbot.sandbox.faults import LoggedRequest, RequestLog

    sandbox = Sandbox(
        real_rate=18,
        mock_rate=1,
        token_interval=0,
        approval_interval=0,
        walk_interval=0,  # prices move only when the bench moves them
        ping_interval=0,
        seed=seed,
    )
    refused: collections.Counter[str] = collections.Counter()
    calls: list[tuple[float, str]] = []  # (time.time(), app key) of every call let through
    orders = [0]

    class CountingLimiter:
        def __init__(self, inner: Any) -> None:
            self.inner = inner

        def allow(self, appkey: str) -> bool:
            allowed = bool(self.inner.allow(appkey))
            if allowed:
                calls.append((time.time(), appkey))
            else:
                refused[appkey] += 1
            return allowed

        def reset(self) -> None:
            self.inner.reset()

    class CountingLog(RequestLog):
        def append(self, entry: LoggedRequest) -> None:
            if entry.method == "POST" and entry.path.endswith("order-cash"):
                orders[0] += 1
            super().append(entry)

    host = sandbox.state.hosts["real"]
    host.limiter = CountingLimiter(host.limiter)  # type: ignore[assignment]
    sandbox.state.log = CountingLog()
    async with sandbox:
        env = {
            "KISBOT_KIS_REAL_URL": sandbox.real_url,
            "KISBOT_KIS_MOCK_URL": sandbox.mock_url,
            "KISBOT_KIS_REAL_WS_URL": sandbox.real_ws_url,
            "KISBOT_KIS_MOCK_WS_URL": sandbox.mock_ws_url,
            "KISBOT_SYMBOLS_URL": sandbox.files_url,
        }
        conn.send((env, os.getpid()))
        while True:
            order, *args = await asyncio.to_thread(conn.recv)
            if order == "stop":
                break
            if order == "tokens":
                tokens = {}
                for appkey in args[0]:
                    token = host.tokens.issue(appkey)
                    tokens[appkey] = (token.value, token.expires_at, token.issued_at)  # type: ignore[union-attr]
                conn.send(tokens)
            elif order == "price":
                conn.send(sandbox.price(args[0]))
            elif order == "set_price":
                conn.send(sandbox.set_price(args[0], args[1]))
            elif order == "reset":
                refused.clear()
                calls.clear()
                orders[0] = 0
                conn.send(None)
            elif order == "stats":
                conn.send(
                    {"refused": sum(refused.values()), "calls": len(calls), "orders": orders[0]}
                )
            elif order == "first_calls":  # the first call of each of these keys after `since`
                since, keys = args[0], set(args[1])
                first: dict[str, float] = {}
                for at, appkey in calls:
                    if at >= since and appkey in keys and appkey not in first:
                        first[appkey] = at
                conn.send(first)


class World:
    """This process's handle on the sandbox process."""

    def __init__(self, seed: int) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, theirs = context.Pipe()
        self._process = context.Process(target=world_process, args=(theirs, seed), daemon=True)
        self._lock = asyncio.Lock()
        self.env: dict[str, str] = {}
        self.pid = 0

    async def start(self) -> None:
        self._process.start()
        self.env, self.pid = await asyncio.to_thread(self._conn.recv)

    async def ask(self, *order: Any) -> Any:
        async with self._lock:
            self._conn.send(order)
            return await asyncio.to_thread(self._conn.recv)

    async def stop(self) -> None:
        self._conn.send(("stop",))
        await asyncio.to_thread(self._process.join, 10)


# -- the Telegram side ------------------------------------------------------------------------


class CountingBotApi(LocalBotApi):
    """The local Bot API, waking whoever waits for the next message to a chat."""

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.waiters: dict[int, collections.deque[asyncio.Future[str]]] = {}
        self.call_times: list[float] = []  # every Bot API call, for the flood limit

    def record(self, call: ApiCall) -> None:
        self.call_times.append(time.time())
        if call.method == "sendMessage" and call.status == 200:
            waiting = self.waiters.get(int(call.params["chat_id"]))
            while waiting:
                future = waiting.popleft()
                if not future.done():
                    future.set_result(str(call.params.get("text", "")))
                    break
        super().record(call)

    def next_message(self, chat_id: int) -> asyncio.Future[str]:
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self.waiters.setdefault(chat_id, collections.deque()).append(future)
        return future

    def sent_texts(self) -> list[tuple[int, str]]:
        return [
            (int(call.params["chat_id"]), str(call.params.get("text", "")))
            for call in self.calls
            if call.method == "sendMessage" and call.status == 200
        ]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- the fleet of bot processes -----------------------------------------------------------------


@dataclass(slots=True)
class Bot:
    index: int
    port: int
    log_path: Path
    process: asyncio.subprocess.Process | None = None
    ps: psutil.Process | None = None

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.returncode is None

    def ticks(self) -> list[dict[str, float]]:
        found = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            match = TICK_LINE.match(line)
            if match:
                found.append({name: float(value) for name, value in match.groupdict().items()})
        return found

    def cpu(self) -> float:
        assert self.ps is not None
        times = self.ps.cpu_times()
        return times.user + times.system


class Fleet:
    def __init__(
        self, tmp: Path, database_url: str, master_key: str, world: World, api: LocalBotApi
    ) -> None:
        self.tmp = tmp
        self.database_url = database_url
        self.master_key = master_key
        self.world = world
        self.api = api
        self.bots: list[Bot] = []
        self.http = httpx.AsyncClient(timeout=30)
        self._turn = itertools.count()

    def environment(self, port: int, alert_interval: float) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KISBOT_")}
        return {
            **env,
            **self.api.bot_env(),
            **self.world.env,
            "KISBOT_DATA_DIR": str(self.tmp / f"data-{port}"),
            "KISBOT_DATABASE_URL": self.database_url,
            "KISBOT_MASTER_KEY": self.master_key,
            "KISBOT_MARKET_HOURS_ONLY": "false",
            "KISBOT_ALERT_INTERVAL": str(alert_interval),
            "KISBOT_REALTIME": "false",
            "KISBOT_WEBHOOK_URL": "https://bot.example.com/hook",
            "KISBOT_WEBHOOK_LISTEN": f"127.0.0.1:{port}",
            "KISBOT_WEBHOOK_SECRET": SECRET,
        }

    def settings(self) -> Any:
        return load_settings(self.environment(1, 30))  # reads only what every process reads

    async def start(self, count: int, alert_interval: float) -> None:
        self.bots = []
        for index in range(count):
            port = free_port()
            bot = Bot(index, port, self.tmp / f"bot-{count}-{index}.log")
            log = bot.log_path.open("ab")
            bot.process = await asyncio.create_subprocess_exec(
                sys.executable,
                __file__,
                "--bot",
                env=self.environment(port, alert_interval),
                stdout=log,
                stderr=log,
            )
            bot.ps = psutil.Process(bot.process.pid)
            self.bots.append(bot)

    async def stop(self) -> None:
        for bot in self.bots:
            if bot.alive:
                assert bot.process is not None
                bot.process.send_signal(signal.SIGTERM)
        for bot in self.bots:
            assert bot.process is not None
            try:
                await asyncio.wait_for(bot.process.wait(), 30)
            except TimeoutError:
                bot.process.kill()
                await bot.process.wait()

    def live(self) -> list[Bot]:
        return [bot for bot in self.bots if bot.alive]

    async def post(self, bot: Bot, update: dict[str, Any]) -> int:
        answer = await self.http.post(
            f"http://127.0.0.1:{bot.port}/hook",
            json=update,
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
        )
        return answer.status_code

    def next_bot(self) -> Bot:
        live = self.live()
        return live[next(self._turn) % len(live)]

    def update_of(self, make: Callable[[], Any]) -> dict[str, Any]:
        make()
        update = self.api.pending_updates[-1]
        self.api.drop_pending_updates()  # nobody polls: each update goes out by webhook
        return update

    async def say(self, user: User, text: str, bot: Bot | None = None) -> Bot:
        target = bot or self.next_bot()
        update = self.update_of(lambda: self.api.send_text(user, text))
        status = await self.post(target, update)
        if status != 200:
            raise RuntimeError(f"the webhook answered {status}")
        return target


async def wait_until(condition: Callable[[], Any], timeout: float, what: str) -> float:  # noqa: ASYNC109
    """Poll `condition` (sync or async) until true; the seconds it took."""
    started = time.monotonic()
    while True:
        result = condition()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"{what}: not within {timeout:.0f} s")
        await asyncio.sleep(0.2)


# -- the database -------------------------------------------------------------------------------


@dataclass(slots=True)
class People:
    users: list[User]
    credentials: dict[int, Credential]  # by user id
    firing: list[User]  # whose alert #1 watches CROSS_CODE
    price_users: list[User]
    hot: User
    buyers: list[User]


async def empty_database(url: str) -> None:
    await upgrade_database(url)
    engine = create_engine(url)
    names = ", ".join(table.name for table in Base.metadata.sorted_tables)
    async with engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    await engine.dispose()


def credential_of(n: int) -> Credential:
    # The first four characters differ: they are the key's label (APPK…real) in `kisbot status`.
    return Credential(
        f"{n:04d}ScaleOutBenchKey{n:019d}",
        f"ScaleOutSecret{n}",
        Account.parse(f"7{n:07d}-01"),
        Environment.REAL,
    )


async def seed(
    database: Database, world: World, api: LocalBotApi, args: argparse.Namespace
) -> tuple[People, float]:
    """Users, credentials, alerts and tokens written in bulk; the seconds it took."""
    started = time.perf_counter()
    users = [api.add_user(f"U{n}") for n in range(args.users)]
    credentials = {user.id: credential_of(n) for n, user in enumerate(users)}
    cross = await world.ask("price", CROSS_CODE)
    codes = [c for c in await codes_of(world) if c != CROSS_CODE]
    now = database.clock.now()
    rng = random.Random(args.seed)
    user_rows, credential_rows, alert_rows = [], [], []
    firing = []
    for n, user in enumerate(users):
        user_rows.append(
            {
                "id": user.id,
                "chat_id": user.id,
                "active_env": "real",
                "alert_seq": args.alerts,
                "created_at": now,
                "updated_at": now,
            }
        )
        row = CredentialRow(user_id=user.id, environment="real", created_at=now, updated_at=now)
        encrypt_into(row, credentials[user.id], database.vault)
        credential_rows.append(row)
        for number in range(1, args.alerts + 1):
            fires = number == 1 and n % FIRING_EVERY == 0
            code = CROSS_CODE if fires else rng.choice(codes)
            threshold = cross + 1000 if fires else 100_000_000  # the rest never fire
            alert_rows.append(
                {
                    "user_id": user.id,
                    "number": number,
                    "code": code,
                    "kind": "above",
                    "threshold": Decimal(threshold),
                    "repeat": False,
                    "state": "active",
                    "cooldown_seconds": 0,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        if n % FIRING_EVERY == 0:
            firing.append(user)
    async with database.sessions.begin() as session:
        await session.execute(insert(UserRow), user_rows)
        session.add_all(credential_rows)
    async with database.sessions.begin() as session:
        for chunk in range(0, len(alert_rows), 10_000):
            await session.execute(insert(Alert), alert_rows[chunk : chunk + 10_000])
    tokens = await world.ask("tokens", [c.app_key for c in credentials.values()])
    gate = asyncio.Semaphore(8)

    async def save(credential: Credential) -> None:
        value, expires_at, issued_at = tokens[credential.app_key]
        async with gate:
            await database.tokens.save(
                credential.app_key,
                credential.environment,
                AccessToken(value, expires_at, issued_at),
            )

    await asyncio.gather(*(save(c) for c in credentials.values()))
    quiet = [u for n, u in enumerate(users) if n % FIRING_EVERY != 0]
    people = People(
        users=users,
        credentials=credentials,
        firing=firing,
        price_users=quiet[: args.price_users],
        hot=quiet[args.price_users],
        buyers=quiet[args.price_users + 1 : args.price_users + 1 + args.orders],
    )
    return people, time.perf_counter() - started


async def codes_of(world: World) -> list[str]:
    from kisbot.sandbox.catalog import LISTINGS

    return [listing.code for listing in LISTINGS if listing.code.isdigit()]


async def rearm(database: Database) -> None:
    """Between configurations: every alert active again, nothing left to deliver or confirm."""
    async with database.engine.begin() as connection:
        await connection.execute(
            text("UPDATE alerts SET state = 'active', last_fired_at = NULL WHERE state <> 'active'")
        )
        await connection.execute(text("TRUNCATE alert_outbox, confirmations, rate_budgets"))


def max_in_rolling_second(times: list[float]) -> int:
    most, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


async def database_activity(database: Database) -> tuple[int, int]:
    """Sessions opened and transactions ended on this database so far (pg_stat_database)."""
    async with database.engine.connect() as connection:
        await connection.execute(text("SELECT pg_stat_clear_snapshot()"))
        row = (
            await connection.execute(
                text(
                    "SELECT sessions, xact_commit + xact_rollback FROM pg_stat_database "
                    "WHERE datname = current_database()"
                )
            )
        ).one()
    return int(row[0]), int(row[1])


async def time_loading(database: Database, people: People) -> None:
    """What each process reads at every round before keeping its share, timed alone here."""
    user_ids = [user.id for user in people.users]
    steps: list[tuple[str, Callable[[], Any]]] = [
        ("alerts.list_watched (every alert)", database.alerts.list_watched),
        ("alerts.chat_ids (every user)", lambda: database.alerts.chat_ids(user_ids)),
        ("credentials.active_for (decrypted)", lambda: database.credentials.active_for(user_ids)),
    ]
    print("loading alone, as each process does every round (best of 3):")
    for what, step in steps:
        best = (float("inf"), float("inf"))
        for _ in range(3):
            wall, cpu = time.perf_counter(), time.process_time()
            found = await step()
            best = min(best, (time.perf_counter() - wall, time.process_time() - cpu))
        print(f"  {what:<38}{len(found):>8,} rows {best[0]:6.2f} s wall {best[1]:6.2f} s CPU")


# -- one configuration ----------------------------------------------------------------------------


@dataclass(slots=True)
class Result:
    processes: int
    window: float
    cpu: list[float] = field(default_factory=list)  # per process, CPU seconds in the window
    rss: list[float] = field(default_factory=list)  # per process, MB at the window's end
    ticks: list[list[dict[str, float]]] = field(default_factory=list)
    price_answers: int = 0
    price_latencies: list[float] = field(default_factory=list)
    hot_answers: int = 0
    hot_streams: int = 0
    alerts_expected: int = 0
    alerts_sent: int = 0
    alert_delivery_s: float = 0.0
    duplicate_alerts: int = 0
    orders_confirmed: int = 0
    order_posts: int = 0
    refused: int = 0
    kis_calls: int = 0
    takeover_s: float | None = None
    repolled_s: float | None = None
    victim_keys: int = 0
    balanced_s: float = 0.0
    bench_cpu: float = 0.0  # this process (Bot API, load) in the window
    sandbox_cpu: float = 0.0
    bot_api_calls: int = 0
    bot_api_max_1s: int = 0
    sessions: int = 0  # PostgreSQL sessions opened on the scratch database in the window
    transactions: int = 0

    @property
    def duplicate_orders(self) -> int:
        return max(0, self.order_posts - self.orders_confirmed)


async def owned_counts(fleet: Fleet) -> dict[str, int]:
    status = await read_status(fleet.settings())
    return {p.name: len(p.keys) + p.unnamed for p in status.processes}


async def balanced(fleet: Fleet, keys: int) -> bool:
    counts = await owned_counts(fleet)
    live = len(fleet.live())
    return len(counts) == live and sum(counts.values()) == keys and all(counts.values())


async def price_loop(
    fleet: Fleet, user: User, stop: asyncio.Event, latencies: list[float] | None, answers: list[int]
) -> None:
    """/price again as soon as the last answer came, until `stop`."""
    api: CountingBotApi = fleet.api  # type: ignore[assignment]
    while not stop.is_set():
        reply = api.next_message(user.id)
        started = time.perf_counter()
        await fleet.say(user, f"/price {PRICE_CODE}")
        try:
            await asyncio.wait_for(reply, 60)
        except TimeoutError:
            continue
        if latencies is not None:
            latencies.append(time.perf_counter() - started)
        answers[0] += 1


async def place_order(fleet: Fleet, user: User) -> bool:
    """/buy, then the confirmation's 확인 pressed at every live process at once."""
    from handlers.callbacks import Confirm, decode

    api = fleet.api
    chat = api.private_chat(user)
    await fleet.say(user, f"/buy {ORDER_CODE} 1 krx")  # a market order: KRX at any hour

    def summary() -> Message | None:
        for message in api.transcript(chat):
            if any(isinstance(decode(b.callback_data), Confirm) for b in message.flat_buttons):
                return message
        return None

    await wait_until(lambda: summary() is not None, 30, "the order's confirmation")
    message = summary()
    assert message is not None
    accept = next(
        b.callback_data
        for b in message.flat_buttons
        if isinstance(decode(b.callback_data), Confirm) and decode(b.callback_data).accept
    )
    press = fleet.update_of(lambda: api.press_button(user, message, accept))
    codes = await asyncio.gather(*(fleet.post(bot, press) for bot in fleet.live()))
    return all(code == 200 for code in codes)


def alert_messages(api: CountingBotApi) -> collections.Counter[tuple[int, str]]:
    return collections.Counter(
        (chat_id, match.group(0))
        for chat_id, text_ in api.sent_texts()
        if (match := re.search(r"\(알림 #\d+\)", text_))
    )


async def run_configuration(
    fleet: Fleet, database: Database, people: People, count: int, args: argparse.Namespace
) -> Result:
    api: CountingBotApi = fleet.api  # type: ignore[assignment]
    world = fleet.world
    result = Result(count, args.seconds, hot_streams=args.hot)
    await rearm(database)
    cross = await world.ask("price", CROSS_CODE)
    await fleet.start(count, args.alert_interval)
    try:
        result.balanced_s = await wait_until(
            lambda: balanced(fleet, len(people.users)), 300, "every key owned"
        )
        # Steady state: every process has ticked at least once with its share.
        since = time.time()
        await wait_until(
            lambda: all(any(t["t"] > since for t in bot.ticks()) for bot in fleet.bots),
            args.alert_interval * 4 + 300,
            "a tick in every process",
        )
        await world.ask("reset")
        alerts_before = alert_messages(api)
        stop = asyncio.Event()
        answers, hot_answers = [0], [0]
        loops = [
            asyncio.create_task(price_loop(fleet, u, stop, result.price_latencies, answers))
            for u in people.price_users
        ]
        loops += [
            asyncio.create_task(price_loop(fleet, people.hot, stop, None, hot_answers))
            for _ in range(args.hot)
        ]
        cpu_before = [bot.cpu() for bot in fleet.bots]
        world_ps = psutil.Process(world.pid)
        sessions_before = await database_activity(database)
        others_before = (time.process_time(), sum(world_ps.cpu_times()[:2]))
        window_start = time.time()
        await asyncio.sleep(args.seconds / 2)
        await world.ask("set_price", CROSS_CODE, cross + 2000)  # alert #1 of the firing users
        orders = await asyncio.gather(*(place_order(fleet, u) for u in people.buyers))
        result.orders_confirmed = sum(orders)
        await asyncio.sleep(max(0.0, window_start + args.seconds - time.time()))
        result.cpu = [
            bot.cpu() - before for bot, before in zip(fleet.bots, cpu_before, strict=True)
        ]
        result.rss = [bot.ps.memory_info().rss / 2**20 for bot in fleet.bots if bot.ps is not None]
        window_end = time.time()
        result.bench_cpu = time.process_time() - others_before[0]
        in_window = [t for t in api.call_times if window_start <= t <= window_end]
        result.bot_api_calls = len(in_window)
        result.bot_api_max_1s = max_in_rolling_second(in_window)
        sessions_after = await database_activity(database)
        result.sessions, result.transactions = (
            after - before for after, before in zip(sessions_after, sessions_before, strict=True)
        )
        result.sandbox_cpu = sum(world_ps.cpu_times()[:2]) - others_before[1]
        stop.set()
        await asyncio.gather(*loops, return_exceptions=True)
        result.price_answers, result.hot_answers = answers[0], hot_answers[0]
        result.alerts_expected = len(people.firing)

        def delivered() -> int:
            fresh = alert_messages(api) - alerts_before
            return len(fresh)

        with contextlib.suppress(TimeoutError):
            result.alert_delivery_s = await wait_until(
                lambda: delivered() >= result.alerts_expected,
                args.alert_interval * 2 + 120,
                "alerts delivered",
            )
        await asyncio.sleep(3)  # time for a duplicate to show
        # Every tick ended since the first steady one (which may have begun before the keys
        # were shared out), up to now: with 5,000 keys one tick can outlast the window.
        result.ticks = [
            [t for t in bot.ticks() if t["t"] > since][1:] or bot.ticks()[-1:] for bot in fleet.bots
        ]
        fresh = alert_messages(api) - alerts_before
        result.alerts_sent = len(fresh)
        result.duplicate_alerts = sum(n - 1 for n in fresh.values() if n > 1)
        stats = await world.ask("stats")
        result.order_posts = stats["orders"]
        result.refused = stats["refused"]
        result.kis_calls = stats["calls"]
        if count >= 2:
            await takeover(fleet, people, result, args)
        await world.ask("set_price", CROSS_CODE, cross)
        stats = await world.ask("stats")
        result.refused = stats["refused"]
    finally:
        await fleet.stop()
    return result


async def takeover(fleet: Fleet, people: People, result: Result, args: argparse.Namespace) -> None:
    """kill -9 one process; how long until its keys are owned, and polled, by the others."""
    status = await read_status(fleet.settings())
    victim = fleet.bots[-1]
    assert victim.process is not None
    name = next(p for p in status.processes if p.name.endswith(f":{victim.process.pid}"))
    by_label = {c.key_id: c.app_key for c in people.credentials.values()}
    keys = [by_label[label] for label in name.keys if label in by_label]
    result.victim_keys = len(keys)
    victim.process.kill()
    killed = time.time()
    await victim.process.wait()
    result.takeover_s = await wait_until(
        lambda: balanced(fleet, len(people.users)), 120, "keys taken over"
    )

    async def repolled() -> bool:
        return len(await fleet.world.ask("first_calls", killed, keys)) == len(keys)

    with contextlib.suppress(TimeoutError):
        await wait_until(repolled, args.alert_interval * 2 + 120, "keys polled again")
        first = await fleet.world.ask("first_calls", killed, keys)
        result.repolled_s = max(first.values()) - killed


# -- the report -----------------------------------------------------------------------------------


def percentile(values: Iterable[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def report(result: Result) -> None:
    n = result.processes
    print(f"\n== {n} process(es), {result.window:.0f} s window ==")
    print(f"every key owned after {result.balanced_s:.1f} s")
    print(
        f"{'process':<9}{'CPU %':>7}{'ticks':>6}{'tick wall s':>12}{'tick CPU s':>11}"
        f"{'loading s':>10}{'keys':>6}{'calls':>7}{'RSS MB':>8}"
    )
    rows = zip(result.cpu, result.ticks, result.rss, strict=True)
    for index, (cpu, ticks, rss) in enumerate(rows):
        wall = percentile((t["wall"] for t in ticks), 0.5)
        tick_cpu = percentile((t["cpu"] for t in ticks), 0.5)
        loading = percentile((t["load"] for t in ticks), 0.5)
        keys = percentile((t["keys"] for t in ticks), 0.5)
        calls = percentile((t["calls"] for t in ticks), 0.5)
        print(
            f"{index:<9}{cpu / result.window:>7.0%}{len(ticks):>6}{wall:>12.2f}{tick_cpu:>11.2f}"
            f"{loading:>10.2f}{keys:>6.0f}{calls:>7.0f}{rss:>8.0f}"
        )
    print(
        f"same window: this process (Bot API and load) {result.bench_cpu / result.window:.0%} "
        f"of a core, the sandbox {result.sandbox_cpu / result.window:.0%}"
    )
    print(
        f"PostgreSQL: {result.sessions / result.window:.1f} sessions opened/s, "
        f"{result.transactions / result.window:,.0f} transactions/s on the scratch database"
    )
    print(
        f"Bot API: {result.bot_api_calls / result.window:.1f} calls/s, at most "
        f"{result.bot_api_max_1s} in a rolling second (Telegram's flood limit: about 30/s)"
    )
    rate = result.price_answers / result.window
    p50 = percentile(result.price_latencies, 0.5) * 1000
    p99 = percentile(result.price_latencies, 0.99) * 1000
    print(
        f"/price: {rate:.1f}/s answered (p50 {p50:.0f} ms, p99 {p99:.0f} ms); "
        f"hot key (one user, {result.hot_streams} streams): "
        f"{result.hot_answers / result.window:.1f}/s"
    )
    print(
        f"KIS calls let through: {result.kis_calls} ({result.kis_calls / result.window:.0f}/s "
        f"over the window and the delivery wait); EGW00201: {result.refused}"
    )
    print(
        f"alerts: {result.alerts_sent} of {result.alerts_expected} delivered "
        f"({result.alert_delivery_s:.1f} s after the window), duplicates "
        f"{result.duplicate_alerts}"
    )
    print(
        f"orders: {result.orders_confirmed} confirmed, {result.order_posts} order-cash POSTs, "
        f"duplicates {result.duplicate_orders}"
    )
    if result.takeover_s is not None:
        repolled = "n/a" if result.repolled_s is None else f"{result.repolled_s:.1f} s"
        print(
            f"kill -9 of a process owning {result.victim_keys} keys: owned again after "
            f"{result.takeover_s:.1f} s, all polled again after {repolled}"
        )


def copy_logs(source: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for log in source.glob("bot-*.log"):
        (target / log.name).write_bytes(log.read_bytes())


async def main(args: argparse.Namespace) -> int:
    counts = [int(n) for n in args.processes.split(",")]
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"{args.users} users x {args.alerts} alerts, processes {counts}, {args.seconds:g} s "
        f"windows, alert interval {args.alert_interval:g} s; {os.cpu_count()} CPUs, "
        f"load average {load}",
        flush=True,
    )
    await empty_database(args.postgres)
    world = World(args.seed)
    await world.start()
    results = []
    with tempfile.TemporaryDirectory(prefix="kisbot-scale-") as tmp:
        async with CountingBotApi(BOT_TOKEN) as api:
            master_key = generate_key()
            fleet = Fleet(Path(tmp), args.postgres, master_key, world, api)
            database = await open_database(fleet.settings())
            try:
                people, seconds = await seed(database, world, api, args)
                print(f"seeded in {seconds:.1f} s", flush=True)
                await time_loading(database, people)
                for count in [] if args.only_loading else counts:
                    result = await run_configuration(fleet, database, people, count, args)
                    results.append(result)
                    report(result)
                    sys.stdout.flush()
            finally:
                await database.close()
                await fleet.http.aclose()
                if args.keep_logs:
                    copy_logs(Path(tmp), Path(args.keep_logs))
    await world.stop()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nload average after: {load}")
    if not results:
        return 0
    last = results[-1]
    takeover = "n/a" if last.takeover_s is None else f"{last.takeover_s:.1f}"
    print(
        f"processes={last.processes} egw00201={sum(r.refused for r in results)} "
        f"duplicate_alerts={sum(r.duplicate_alerts for r in results)} "
        f"duplicate_orders={sum(r.duplicate_orders for r in results)} takeover_s={takeover}"
    )
    return 0


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", required=True, metavar="URL", help="a scratch database")
    parser.add_argument("--processes", default="1,2,3")
    parser.add_argument("--users", type=int, default=5000)
    parser.add_argument("--alerts", type=int, default=20, help="alerts per user")
    parser.add_argument("--seconds", type=float, default=60.0, help="the measured window")
    parser.add_argument("--alert-interval", type=float, default=15.0)
    parser.add_argument("--price-users", type=int, default=10)
    parser.add_argument("--hot", type=int, default=20, help="/price streams of one user")
    parser.add_argument("--orders", type=int, default=5)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--keep-logs", metavar="DIR", help="copy the bots' logs here")
    parser.add_argument(
        "--only-loading", action="store_true", help="seed, time the per-round reads, stop"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a smoke run: 2 processes, 200 users, 10 s window (under a minute)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.processes, args.users, args.seconds, args.alert_interval = "2", 200, 10.0, 3.0
        args.price_users, args.hot, args.orders = 4, 2, 2
    return args


if __name__ == "__main__":
    if sys.argv[1:] == ["--bot"]:
        sys.exit(bot_main())
    sys.exit(asyncio.run(main(parse(sys.argv[1:]))))
