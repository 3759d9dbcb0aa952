"""Benchmark: /price end-to-end through the real Application, next to the bare KIS call.

Three processes on loopback. The bot (this process, pinned to CPU 0 when there are two): the
Application from `build_application(settings, rate_limiter=False)`, long polling, concurrent
updates, SQLite in a temporary directory, INFO logging formatted as in production but written to
/dev/null. "Telegram" (a child process on CPU 1): the local Bot API plus the users driving it,
with timestamps taken there. The KIS sandbox (`kisbot sandbox`, all limits off, on CPU 1).
Credentials are real-key (the client's real rate is lifted to 0 = no limit, as is the
sandbox's). Latency runs from queueing the update in the local Bot API to the moment the
bot's sendMessage for it is recorded there; the part until getUpdates hands the update out is
shown on its own. The bare KIS call is `KisClient.quote` through the bot's own KisService, and a
plain httpx GET on the same httpx client, measured in the same run. The "part" rows time, one
at a time in the bot process, what /price does besides the KIS call. `--sniffio-stub` puts a
stand-in `sniffio` in sys.modules (httpcore imports it on every request). Not a test.

    ./dev bench bot_price [--commands 500] [--users 50] [--sniffio-stub] [--profile FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import logging
import multiprocessing
import os
import pstats
import random
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from telegram.ext import Application

from kisbot.app import WARM_UP_KEY, build_application, start_in_loop, stop_in_loop
from kisbot.chat.botapi import LocalBotApi
from kisbot.chat.models import ApiCall
from kisbot.config import load_settings
from kisbot.kis import Account, Credential, Environment
from kisbot.kis.endpoints import QUOTE
from kisbot.kis.master import Symbol
from kisbot.kis.symbols import SymbolDirectory
from kisbot.logs import configure_logging
from kisbot.securities import resolve_in
from kisbot.services import Services
from kisbot.store.vault import generate_key

BOT_TOKEN = "700000001:AAE2e-Bench-Token-For-Loopback-Only_xyz"
CODE = "005930"
NAME = "삼성전자"
BOT_CPU, OTHER_CPU = 0, 1
KRX_SIZE = 4300  # about KOSPI + KOSDAQ in the master files


# -- the Telegram side (child process) ----------------------------------------------------


class TimedBotApi(LocalBotApi):
    """The local Bot API, timing each chat's one command in flight (perf_counter seconds)."""

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.delivered: dict[int, float] = {}
        self.replied: dict[int, asyncio.Future[float]] = {}
        self.last_reply: dict[int, str] = {}

    def take_updates(self, offset: int | None, limit: int) -> list[dict[str, Any]]:
        updates = super().take_updates(offset, limit)
        now = time.perf_counter()
        for update in updates:
            chat_id = update["message"]["chat"]["id"]
            self.delivered.setdefault(chat_id, now)
        return updates

    def record(self, call: ApiCall) -> None:
        if call.method == "sendMessage" and call.status == 200:
            chat_id = int(call.params["chat_id"])
            self.last_reply[chat_id] = str(call.params.get("text", ""))
            waiter = self.replied.get(chat_id)
            if waiter is not None and not waiter.done():
                waiter.set_result(time.perf_counter())
        super().record(call)


async def one_user(api: TimedBotApi, user_id: int, commands: int) -> list[tuple[float, float]]:
    """`commands` /price in a row, each after the last reply: (latency, until delivered)."""
    user = api.user(user_id)
    assert user is not None
    loop = asyncio.get_running_loop()
    timings = []
    for _ in range(commands):
        api.delivered.pop(user_id, None)
        api.replied[user_id] = loop.create_future()
        start = time.perf_counter()
        api.send_text(user, f"/price {CODE}")
        done = await asyncio.wait_for(api.replied[user_id], timeout=30)
        timings.append((done - start, api.delivered[user_id] - start))
    return timings


async def drive(api: TimedBotApi, user_ids: list[int], commands: int) -> dict[str, Any]:
    polls = len(api.calls_of("getUpdates"))
    started = time.perf_counter()
    results = await asyncio.gather(*(one_user(api, uid, commands) for uid in user_ids))
    wall = time.perf_counter() - started
    timings = [t for per_user in results for t in per_user]
    polls = len(api.calls_of("getUpdates")) - polls
    return {"timings": timings, "wall": wall, "polls": polls, "reply": api.last_reply[user_ids[0]]}


async def telegram_side(conn: Connection) -> None:
    async with TimedBotApi(BOT_TOKEN) as api:
        conn.send(api.root_url)
        while (order := await asyncio.to_thread(conn.recv))[0] != "stop":
            if order[0] == "users":
                conn.send([api.add_user(f"user{n}").id for n in range(order[1])])
            elif order[0] == "drive":
                conn.send(await drive(api, order[1], order[2]))


def telegram_process(conn: Connection, cpu: int | None) -> None:
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
    asyncio.run(telegram_side(conn))


# -- statistics and the table -------------------------------------------------------------


@dataclass(slots=True)
class Row:
    what: str
    concurrency: int
    latencies: list[float]  # seconds
    wall: float
    cpu: float | None = None  # the bot process's CPU seconds during the run

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    def cells(self) -> str:
        n = len(self.latencies)
        cpu = f"{self.cpu / n * 1000:8.2f}" if self.cpu is not None else f"{'':>8}"
        busy = f"{self.cpu / self.wall:5.0%}" if self.cpu is not None else ""
        return (
            f"{self.what:<34}{self.concurrency:>4}{n:>7}{self.percentile(0.5):>9.2f}"
            f"{self.percentile(0.99):>9.2f}{n / self.wall:>9.0f}{cpu}  {busy}"
        )


HEADER = f"{'':<34}{'conc':>4}{'n':>7}{'p50 ms':>9}{'p99 ms':>9}{'per s':>9}{'CPU ms':>8}  core"


@contextlib.contextmanager
def bot_cpu(profiler: cProfile.Profile | None) -> Iterator[list[float]]:
    """Measures this process's CPU seconds (all threads) into the yielded list."""
    spent: list[float] = []
    before = time.process_time()
    if profiler is not None:
        profiler.enable()
    try:
        yield spent
    finally:
        if profiler is not None:
            profiler.disable()
        spent.append(time.process_time() - before)


# -- the bare KIS call (in the bot process, on the bot's own KisService) ---------------------


Call = Callable[[], Awaitable[object]]


async def timed_calls(call: Call, concurrency: int, per_task: int) -> tuple[list[float], float]:
    """Latencies of `concurrency` tasks making `per_task` calls each, and the wall time."""

    async def one_task() -> list[float]:
        latencies = []
        for _ in range(per_task):
            start = time.perf_counter()
            await call()
            latencies.append(time.perf_counter() - start)
        return latencies

    started = time.perf_counter()
    results = await asyncio.gather(*(one_task() for _ in range(concurrency)))
    return [x for r in results for x in r], time.perf_counter() - started


def bare_get(services: Services, credential: Credential, token: str) -> Call:
    """inquire-price as a plain GET on the bot's httpx client: what KisClient adds is the rest."""
    url = services.settings.kis_real_url + QUOTE.path
    headers = {
        "content-type": "application/json; charset=utf-8",
        "authorization": f"Bearer {token}",
        "appkey": credential.app_key,
        "appsecret": credential.app_secret,
        "tr_id": QUOTE.real_tr_id,
        "custtype": "P",
    }
    params = {"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": CODE}

    async def get() -> None:
        response = await services.http.get(url, headers=headers, params=params)
        response.raise_for_status()

    return get


async def timed_rows(calls: list[tuple[str, Call]], concurrency: int, per_task: int) -> list[Row]:
    rows = []
    for what, call in calls:
        await timed_calls(call, concurrency, 20)  # warm the connection pool
        with bot_cpu(None) as cpu:
            latencies, wall = await timed_calls(call, concurrency, per_task)
        rows.append(Row(what, concurrency, latencies, wall, cpu[0]))
    return rows


async def bare_rows(
    services: Services, credential: Credential, concurrency: int, per_task: int
) -> list[Row]:
    client = services.kis.client(credential)
    token = (await client.ensure_token()).value
    calls = [
        ("bare httpx GET (same client)", bare_get(services, credential, token)),
        ("KisClient.quote (bot's service)", lambda: client.quote(CODE)),
    ]
    return await timed_rows(calls, concurrency, per_task)


def synthetic_directory(count: int) -> SymbolDirectory:
    """`count` made-up Korean names plus 삼성전자, about the size of the KRX master files."""
    rng = random.Random(5)
    syllables = "가나다라마바사아자차카타파하삼성전자현대기아에스케이포스코네이버카카오바이오증권"
    symbols = [
        Symbol(
            f"9{n:05d}",
            f"KR79{n:05d}003",
            "".join(rng.choices(syllables, k=rng.randint(2, 8))),
            "KOSPI",
        )
        for n in range(count - 1)
    ]
    return SymbolDirectory([*symbols, Symbol(CODE, "KR7005930003", NAME, "KOSPI")])


async def part_rows(app: Application, user_id: int, count: int) -> list[Row]:
    """What one /price does besides the KIS call, each alone: its reads, its reply, the lookup."""
    services: Services = app.bot_data["services"]
    accounts = app.bot_data["core"].accounts
    sandbox_names = await services.symbols.get()
    krx_sized = synthetic_directory(KRX_SIZE)

    async def resolve(directory: SymbolDirectory) -> None:
        resolve_in(directory, CODE)

    calls: list[tuple[str, Call]] = [
        # The one read of the user an update makes (language and active key), then the client.
        ("part: accounts.client (the user read)", lambda: accounts.client(user_id)),
        ("part: bot.send_message", lambda: app.bot.send_message(user_id, "벤치")),
        (f"part: resolve code, {len(sandbox_names)} names", lambda: resolve(sandbox_names)),
        (f"part: resolve code, {KRX_SIZE} names", lambda: resolve(krx_sized)),
    ]
    return await timed_rows(calls, 1, count)


# -- the bot process ------------------------------------------------------------------------


def start_sandbox(pin: bool) -> tuple[subprocess.Popen[str], dict[str, str]]:
    command = [sys.executable, "-m", "kisbot.cli", "sandbox", "--port", "0", "--real-rate", "0"]
    command += ["--mock-rate", "0", "--token-interval", "0", "--walk-interval", "0"]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=(lambda: os.sched_setaffinity(0, {OTHER_CPU})) if pin else None,
    )
    urls: dict[str, str] = {}
    assert process.stdout is not None
    while "KISBOT_SYMBOLS_URL" not in urls:  # the last line the sandbox prints
        line = process.stdout.readline()
        if not line:
            raise RuntimeError("the KIS sandbox did not start")
        if line.startswith("KISBOT_"):
            name, _, value = line.strip().partition("=")
            urls[name] = value
    return process, urls


def bot_environment(data_dir: Path, api_root: str, urls: dict[str, str]) -> dict[str, str]:
    return {
        "KISBOT_TELEGRAM_TOKEN": BOT_TOKEN,
        "KISBOT_TELEGRAM_API_URL": api_root,
        **urls,
        "KISBOT_DATA_DIR": str(data_dir),
        "KISBOT_MASTER_KEY": generate_key(),
        "KISBOT_KIS_REAL_RATE": "0",
        "KISBOT_KIS_MOCK_RATE": "0",
        "KISBOT_MARKET_HOURS_ONLY": "false",
        "KISBOT_ALERT_INTERVAL": "3600",
    }


class Bench:
    """The bot process's side: the Application, and orders to the Telegram process."""

    def __init__(self, app: Application, conn: Connection, profile: bool) -> None:
        self.app = app
        self.conn = conn
        self.profiler = cProfile.Profile() if profile else None
        self.credentials: dict[int, Credential] = {}
        self.polls: dict[int, float] = {}  # getUpdates calls per command, by concurrency
        self.rows: list[Row] = []

    @property
    def services(self) -> Services:
        return self.app.bot_data["services"]

    async def ask(self, *order: object) -> Any:
        self.conn.send(order)
        return await asyncio.to_thread(self.conn.recv)

    async def add_users(self, count: int) -> list[int]:
        user_ids = await self.ask("users", count)
        for user_id in user_ids:
            credential = Credential(
                f"BENCHKEY{user_id}",
                f"BENCHSECRET{user_id}",
                Account.parse(f"6{user_id:07d}-01"),
                Environment.REAL,
            )
            await self.services.database.credentials.put(user_id, credential)
            self.credentials[user_id] = credential
        return user_ids

    async def price_row(self, user_ids: list[int], commands: int, profile: bool) -> list[Row]:
        await self.ask("drive", user_ids, 5)  # warm up: tokens, connections, caches
        with bot_cpu(self.profiler if profile else None) as cpu:
            result = await self.ask("drive", user_ids, commands)
        if NAME not in result["reply"]:
            raise RuntimeError(f"/price did not answer with the price: {result['reply']!r}")
        timings, wall = result["timings"], result["wall"]
        self.polls[len(user_ids)] = result["polls"] / len(timings)
        return [
            Row("/price end-to-end", len(user_ids), [t[0] for t in timings], wall, cpu[0]),
            Row("  of which until getUpdates", len(user_ids), [t[1] for t in timings], wall),
        ]


async def measure(bench: Bench, args: argparse.Namespace) -> list[Row]:
    """Bare calls and /price at 1 user, then at N users, interleaved in one run."""
    one, many = await bench.add_users(1), await bench.add_users(args.users)
    credential = bench.credentials[one[0]]
    rows = await bare_rows(bench.services, credential, 1, args.commands)
    rows += await bench.price_row(one, args.commands, profile=False)
    per_user = max(1, args.commands * 3 // args.users)
    rows += await bare_rows(bench.services, credential, args.users, per_user)
    rows += await bench.price_row(many, per_user, profile=True)
    return rows + await part_rows(bench.app, one[0], args.commands // 2)


async def run(args: argparse.Namespace, conn: Connection, urls: dict[str, str]) -> Bench:
    api_root = conn.recv()
    with tempfile.TemporaryDirectory(prefix="kisbot-bench-") as tmp:
        settings = load_settings(bot_environment(Path(tmp), api_root, urls))
        app = build_application(settings, rate_limiter=False)
        await start_in_loop(app)
        bench = Bench(app, conn, args.profile)
        try:
            await asyncio.gather(*app.bot_data[WARM_UP_KEY])  # the symbol directories
            # The KRX calendar (a few seconds of CPU, once) is built on a bot's first question
            # about venues; build it before measuring, or /price pays for it in the figures.
            await app.bot_data["services"].calendar.warm_up()
            bench.rows = await measure(bench, args)
        finally:
            conn.send(("stop",))
            await stop_in_loop(app)
    if bench.profiler is not None:
        bench.profiler.dump_stats(args.profile)
        pstats.Stats(args.profile).sort_stats("tottime").print_stats(25)
    return bench


def report(bench: Bench, pinned: bool, stub: bool) -> None:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\n/price, {os.cpu_count()} CPUs, bot pinned to CPU {BOT_CPU}: {pinned}, ", end="")
    print(f"sniffio stub: {stub}, load average after: {load}")
    print(HEADER)
    for row in bench.rows:
        print(row.cells())
    by_name = {(r.what, r.concurrency): r for r in bench.rows}
    bare = by_name[("KisClient.quote (bot's service)", 1)].percentile(0.5)
    overhead = by_name[("/price end-to-end", 1)].percentile(0.5) - bare
    many = [r for r in bench.rows if r.what == "/price end-to-end"][-1]
    rate = len(many.latencies) / many.wall
    polls = ", ".join(f"{n} user(s) {v:.2f}" for n, v in bench.polls.items())
    print(
        f"\nbot overhead, p50 at 1 user over bare quote: {overhead:.2f} ms (target < 3 ms): ",
        end="",
    )
    print(_verdict(overhead < 3))
    print(f"/price per second at {many.concurrency} users: {rate:.0f} (target >= 300): ", end="")
    print(_verdict(rate >= 300))
    print(f"getUpdates calls per /price: {polls}")
    print("CPU ms: the bot process's CPU per command or call; core: that CPU over wall time.")


def install_sniffio_stub() -> None:
    """httpcore imports sniffio on every request; without it each import searches sys.path."""
    stub = types.ModuleType("sniffio")
    stub.current_async_library = lambda: "asyncio"  # type: ignore[attr-defined]
    sys.modules.setdefault("sniffio", stub)


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=500, help="commands at 1 user")
    parser.add_argument("--users", type=int, default=50, help="concurrent users")
    parser.add_argument(
        "--sniffio-stub",
        action="store_true",
        help="answer httpcore's per-request `import sniffio` from sys.modules (what if installed)",
    )
    parser.add_argument("--profile", metavar="FILE", help="cProfile the bot at N users into FILE")
    args = parser.parse_args()
    pin = (os.cpu_count() or 1) >= 2
    if args.sniffio_stub:
        install_sniffio_stub()
    configure_logging()
    logging.getLogger().handlers[0].setStream(open(os.devnull, "w"))  # noqa: SIM115
    sandbox, urls = start_sandbox(pin)
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    telegram = context.Process(target=telegram_process, args=(theirs, OTHER_CPU if pin else None))
    telegram.start()
    if pin:
        os.sched_setaffinity(0, {BOT_CPU})
    try:
        bench = asyncio.run(run(args, ours, urls))
    finally:
        telegram.join(timeout=10)
        sandbox.terminate()
        sandbox.wait(timeout=10)
    report(bench, pin, args.sniffio_stub)
    return 0


if __name__ == "__main__":
    sys.exit(main())
