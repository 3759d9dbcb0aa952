"""Benchmark: how fast real time is — a price crossing to the alert in Telegram, and ticks
evaluated per second.

Latency. The bot runs as `kisbot run` in a child process (pinned to CPU 0 when there are two),
exactly as deployed: its own event loop, its job intervals and its log lines. This process (CPU
1) is the outside world: the KIS sandbox (every limit lifted, no random walk, no PINGPONG) and
the local Bot API, so both ends of each measurement are read from one clock here. `--users`
users, each with a real key and `--alerts` "above" alerts on codes of their own (plus one
warm-up alert each, fired first and not counted), stored in the bot's SQLite before it starts.
A crossing is `perf_counter()` just before `Sandbox.set_price` lifts a code 2 % over its alert;
it ends when the bot's sendMessage naming that code arrives at the local Bot API. Two modes,
each with a fresh bot, sandbox and database:
- websocket: KISBOT_REALTIME=true; once every code is registered on its key's session, the
  crossings come one at a time in random order, `--ws-gap` seconds apart on average
  (exponential gaps); the alert round stays at its default 30 s, so only ticks fire them;
- polling: KISBOT_REALTIME=false, KISBOT_ALERT_INTERVAL=30; the crossings fall at uniformly
  random moments over `--poll-rounds` rounds, so the figure is the real wait for a round.
The "fired" columns end at the `created_at` of the alert's outbox row instead (read from the
bot's database after it stopped; same machine, same wall clock): the bot decided the alert
fired; the rest is delivery. `--profile-bot FILE` runs the websocket-mode bot under
pyinstrument.

Ticks per second. In this process on one core: an `AlertEngine` over SQLite holding 5,000
alerts on 1,000 codes (above, below and percent alerts, none near the prices ticked), fed
synthetic H0STCNT0 ticks: `engine.on_tick(Tick)` alone, then each tick as a KIS frame through
`FrameReader.read` first, then the same with 1 % of the ticks crossing an alert (each fires one:
a conditional UPDATE and an outbox row in SQLite). Not a test.

    ./dev bench realtime [--users 10] [--alerts 20] [--ws-gap 0.2] [--poll-rounds 4]
        [--ticks 100000] [--codes 1000] [--only latency|ticks]
        [--profile-bot FILE] [--profile-ticks FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import psutil
from aiohttp import web
from sqlalchemy import select

from kisbot.alerts.engine import AlertEngine
from kisbot.chat.botapi import LocalBotApi
from kisbot.chat.models import ApiCall
from kisbot.clock import SystemClock
from kisbot.config import Settings, load_settings
from kisbot.kis import Account, Credential, Environment
from kisbot.kis.realtime import Tick
from kisbot.kis.realtime.frames import FrameReader, kst_today
from kisbot.kis.symbols import SymbolDirectory
from kisbot.market_hours import KrxCalendar
from kisbot.sandbox import Sandbox
from kisbot.sandbox.catalog import Listing
from kisbot.sandbox.market import Market
from kisbot.sandbox.realtime.frames import data_frames, tick_record
from kisbot.sandbox.realtime.session import TICK_TR, TICK_TRS
from kisbot.securities import Securities
from kisbot.store.database import Database, open_database
from kisbot.store.migrations import upgrade_database
from kisbot.store.models import Alert, OutboxMessage
from kisbot.store.repos._base import ensure_user
from kisbot.store.vault import generate_key

BOT_TOKEN = "700000001:AAE2e-Bench-Token-For-Loopback-Only_xyz"
BOT_CPU, WORLD_CPU = 0, 1
ALERT_INTERVAL = 30.0  # KISBOT_ALERT_INTERVAL's default, set explicitly in both modes
CROSS_BY = Decimal("1.02")  # a crossing lifts the price 2 % over the alert's base
CODE = re.compile(r"\b(9\d{5})\b")  # the bench's own listings: 900000 on

# -- the outside world: local Bot API and KIS sandbox ---------------------------------------

_arrived: ContextVar[float] = ContextVar("arrived", default=0.0)


@dataclass(frozen=True, slots=True)
class Arrival:
    at: float  # perf_counter() when the request reached the local Bot API
    chat_id: int
    text: str


class StampedBotApi(LocalBotApi):
    """The local Bot API, noting when each sendMessage arrived (before its body is read)."""

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.arrivals: list[Arrival] = []

    async def _serve_method(self, request: web.Request) -> web.StreamResponse:
        _arrived.set(time.perf_counter())  # each request is served in a task of its own
        return await super()._serve_method(request)

    def record(self, call: ApiCall) -> None:
        if call.method == "sendMessage" and call.status == 200:
            chat_id = int(call.params["chat_id"])
            self.arrivals.append(Arrival(_arrived.get(), chat_id, str(call.params["text"])))
        super().record(call)


@dataclass(slots=True)
class Watched:
    """One alert of the bench: whose, on which code, and when its price crossed."""

    user_id: int
    code: str
    base: int  # the price before the crossing; the alert fires above it
    crossed_at: float | None = None  # perf_counter()
    crossed_epoch: float | None = None  # time.time() at the same moment
    arrived_at: float | None = None  # perf_counter()
    queued_epoch: float | None = None  # its outbox row's created_at (the bot's clock)

    @property
    def latency(self) -> float | None:
        if self.crossed_at is None or self.arrived_at is None:
            return None
        return self.arrived_at - self.crossed_at

    @property
    def until_queued(self) -> float | None:
        """From the crossing to the fired alert's outbox row (the tick or poll part)."""
        if self.crossed_epoch is None or self.queued_epoch is None:
            return None
        return self.queued_epoch - self.crossed_epoch


@dataclass(slots=True)
class World:
    """The sandbox, the local Bot API and the alerts they will see cross."""

    sandbox: Sandbox
    api: StampedBotApi
    warm_up: list[Watched] = field(default_factory=list)
    measured: list[Watched] = field(default_factory=list)
    matched: int = 0  # arrivals already paired with their crossing

    def cross(self, watched: Watched) -> None:
        target = int(watched.base * CROSS_BY)
        watched.crossed_epoch, watched.crossed_at = time.time(), time.perf_counter()
        price = self.sandbox.set_price(watched.code, target)
        if price <= watched.base:
            raise RuntimeError(f"{watched.code}: the price did not cross ({price})")

    def delivered(self) -> int:
        """Pair new sendMessage arrivals with their crossings; how many crossings have one."""
        by_key = {(w.user_id, w.code): w for w in self.warm_up + self.measured}
        for arrival in self.api.arrivals[self.matched :]:
            for code in CODE.findall(arrival.text):
                watched = by_key.get((arrival.chat_id, code))
                if watched is not None and watched.arrived_at is None:
                    watched.arrived_at = arrival.at
        self.matched = len(self.api.arrivals)
        return sum(w.arrived_at is not None for w in self.warm_up + self.measured)

    async def wait_delivered(self, count: int, timeout: float) -> bool:  # noqa: ASYNC109
        return await self.api.changed.wait_until(lambda: self.delivered() >= count, timeout)

    def ticked_codes(self) -> int:
        """Tick registrations over every sandbox session."""
        return sum(tr in TICK_TRS for s in self.sandbox.sessions() for tr, _ in s.registrations)


def new_sandbox() -> Sandbox:
    return Sandbox(
        real_rate=0,
        mock_rate=0,
        token_interval=0,
        approval_interval=0,
        walk_interval=0,  # nothing but the bench moves prices
        ping_interval=0,
        seed=3,
    )


def add_listings(market: Market, count: int, seed: int) -> list[str]:
    """`count` extra stocks (codes 900000 on) in a sandbox market."""
    rng = random.Random(seed)
    codes = []
    for n in range(count):
        code = f"9{n:05d}"
        market.add_listing(
            Listing(code, f"벤치{n:04d}", "KOSPI", rng.randrange(1_000, 500_000, 100))
        )
        codes.append(code)
    return codes


def bot_environment(data_dir: Path, world: World, *, realtime: bool) -> dict[str, str]:
    sandbox = world.sandbox
    return {
        "KISBOT_TELEGRAM_TOKEN": BOT_TOKEN,
        "KISBOT_TELEGRAM_API_URL": world.api.root_url,
        "KISBOT_KIS_REAL_URL": sandbox.real_url,
        "KISBOT_KIS_MOCK_URL": sandbox.mock_url,
        "KISBOT_KIS_REAL_WS_URL": sandbox.real_ws_url,
        "KISBOT_KIS_MOCK_WS_URL": sandbox.mock_ws_url,
        "KISBOT_SYMBOLS_URL": sandbox.files_url,
        "KISBOT_DATA_DIR": str(data_dir),
        "KISBOT_MASTER_KEY": generate_key(),
        "KISBOT_KIS_REAL_RATE": "0",
        "KISBOT_KIS_MOCK_RATE": "0",
        "KISBOT_MARKET_HOURS_ONLY": "false",  # measured at any hour
        "KISBOT_ALERT_INTERVAL": f"{ALERT_INTERVAL:g}",
        "KISBOT_REALTIME": "true" if realtime else "false",
    }


async def store_alerts(settings: Settings, world: World) -> None:
    """Keys and alerts in the bot's database, before the bot starts."""
    await upgrade_database(settings.resolved_database_url)
    database = await open_database(settings, SystemClock())
    try:
        for user_id in sorted({w.user_id for w in world.measured}):
            credential = Credential(
                f"BENCHKEY{user_id}",
                f"BENCHSECRET{user_id}",
                Account.parse(f"6{user_id % 10_000_000:07d}-01"),
                Environment.REAL,
            )
            await database.credentials.put(user_id, credential)
        for watched in world.warm_up + world.measured:
            await database.alerts.add(watched.user_id, watched.code, "above", watched.base + 1)
    finally:
        await database.close()


async def read_queued(settings: Settings, world: World) -> None:
    """When each fired alert's outbox row was written (read after the bot has stopped)."""
    by_key = {(w.user_id, w.code): w for w in world.warm_up + world.measured}
    database = await open_database(settings, SystemClock())
    try:
        async with database.sessions() as session:
            rows = await session.execute(
                select(Alert.user_id, Alert.code, OutboxMessage.created_at).join(
                    Alert, Alert.id == OutboxMessage.alert_id
                )
            )
            for user_id, code, created_at in rows:
                watched = by_key.get((user_id, code))
                if watched is not None:
                    aware = created_at.replace(tzinfo=created_at.tzinfo or UTC)
                    watched.queued_epoch = aware.timestamp()
    finally:
        await database.close()


def bot_command(profile: str | None) -> list[str]:
    """`kisbot run`, optionally profiled."""
    launcher = "import sys; from kisbot.cli import main; sys.exit(main(['run']))"
    if profile is not None:
        return [sys.executable, "-m", "pyinstrument", "-r", "text", "-o", profile, "-c", launcher]
    return [sys.executable, "-c", launcher]


@contextlib.contextmanager
def bot_process(
    command: list[str], environment: dict[str, str], log: Path
) -> Iterator[psutil.Process]:
    """The bot in a child process (on BOT_CPU when there are two CPUs)."""
    pin = _two_cpus()
    with log.open("w") as output:
        child = subprocess.Popen(
            command,
            env={**os.environ, **environment},
            stdout=output,
            stderr=subprocess.STDOUT,
            preexec_fn=(lambda: os.sched_setaffinity(0, {BOT_CPU})) if pin else None,
        )
        try:
            yield psutil.Process(child.pid)
        finally:
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


@dataclass(slots=True)
class ModeResult:
    mode: str
    latencies: list[float]  # seconds, of the measured crossings that arrived
    until_queued: list[float]  # seconds from the crossing to the outbox row
    missing: int
    bot_cpu: float  # the bot process's CPU seconds from the first crossing to the last arrival
    wall: float

    def percentile(self, q: float, values: list[float] | None = None) -> float:
        ordered = sorted(self.latencies if values is None else values)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    def cells(self) -> str:
        n = len(self.latencies)
        mean = statistics.fmean(self.latencies) * 1000 if n else 0.0
        top = max(self.latencies) * 1000 if n else 0.0
        return (
            f"{self.mode:<11}{n:>5}{self.missing:>8}{self.percentile(0.5):>10.1f}"
            f"{self.percentile(0.99):>10.1f}{top:>10.1f}{mean:>10.1f}"
            f"{self.percentile(0.5, self.until_queued):>12.1f}"
            f"{self.percentile(0.99, self.until_queued):>12.1f}"
            f"{self.bot_cpu / max(n, 1) * 1000:>14.2f}"
        )


LATENCY_HEADER = (
    f"{'mode':<11}{'n':>5}{'missing':>8}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}"
    f"{'mean ms':>10}{'fired p50':>12}{'fired p99':>12}{'bot CPU ms/n':>14}"
)


async def measure_mode(args: argparse.Namespace, *, realtime: bool) -> ModeResult:
    """One mode, start to finish, with a fresh sandbox, Bot API, database and bot."""
    mode = "websocket" if realtime else "polling"
    command = bot_command(args.profile_bot if realtime else None)
    rng = random.Random(args.seed)
    async with new_sandbox() as sandbox, StampedBotApi(BOT_TOKEN) as api:
        world = World(sandbox, api)
        per_user = args.alerts + 1
        codes = add_listings(sandbox.state.market, args.users * per_user, args.seed)
        for n in range(args.users):
            user_id = api.add_user(f"user{n}").id
            mine = [Watched(user_id, c, sandbox.price(c)) for c in codes[n * per_user :][:per_user]]
            world.warm_up.append(mine[0])
            world.measured.extend(mine[1:])
        with tempfile.TemporaryDirectory(prefix="kisbot-bench-") as tmp:
            environment = bot_environment(Path(tmp), world, realtime=realtime)
            settings = load_settings(environment)
            await store_alerts(settings, world)
            with bot_process(command, environment, Path(tmp) / "bot.log") as bot:
                try:
                    await api.wait_until_polling(timeout=60)
                    if realtime:
                        await _wait_registered(world, len(codes))
                    await _warm_up(world)
                    cpu_before, started = _cpu(bot), time.perf_counter()
                    if realtime:
                        await _cross_one_by_one(world, rng, args.ws_gap)
                        settle = 30.0
                    else:
                        await _cross_at_random(world, rng, args.poll_rounds * ALERT_INTERVAL)
                        settle = ALERT_INTERVAL + 30.0
                    expected = len(world.warm_up) + len(world.measured)
                    await world.wait_delivered(expected, settle)
                    bot_cpu, wall = _cpu(bot) - cpu_before, time.perf_counter() - started
                except BaseException:
                    print(f"{mode}: failed; the bot's log:", file=sys.stderr)
                    print((Path(tmp) / "bot.log").read_text()[-4000:], file=sys.stderr)
                    raise
            await read_queued(settings, world)
    return ModeResult(
        mode,
        [w.latency for w in world.measured if w.latency is not None],
        [w.until_queued for w in world.measured if w.until_queued is not None],
        sum(w.latency is None for w in world.measured),
        bot_cpu,
        wall,
    )


async def _wait_registered(world: World, codes: int) -> None:
    """Until every code has a tick registration (the sandbox has no event for it: look)."""
    for _ in range(1200):  # a minute
        if world.ticked_codes() >= codes:
            return
        await asyncio.sleep(0.05)
    raise RuntimeError(f"only {world.ticked_codes()} of {codes} codes registered")


async def _warm_up(world: World) -> None:
    """One alert per user first (tokens, connections, caches), not counted."""
    for watched in world.warm_up:
        world.cross(watched)
    if not await world.wait_delivered(len(world.warm_up), ALERT_INTERVAL + 30):
        raise RuntimeError("the warm-up alerts did not arrive")


async def _cross_one_by_one(world: World, rng: random.Random, gap: float) -> None:
    order = list(world.measured)
    rng.shuffle(order)
    for watched in order:
        await asyncio.sleep(rng.expovariate(1 / gap))
        world.cross(watched)


async def _cross_at_random(world: World, rng: random.Random, span: float) -> None:
    start = time.perf_counter()
    moments = sorted((rng.uniform(0, span), n) for n in range(len(world.measured)))
    for at, n in moments:
        await asyncio.sleep(max(0.0, start + at - time.perf_counter()))
        world.cross(world.measured[n])


def _cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


# -- ticks per second ------------------------------------------------------------------------


class _NoNames:
    """No master files: a fired alert is named by its code (names are not measured here)."""

    async def get(self) -> SymbolDirectory:
        return SymbolDirectory()


class _NoAccounts:
    """Ticks never ask for KIS clients (only rounds do)."""


@dataclass(slots=True)
class TickRun:
    what: str
    ticks: int
    fired: int
    wall: float
    cpu: float

    def cells(self) -> str:
        return (
            f"{self.what:<40}{self.ticks:>9,}{self.fired:>7}{self.ticks / self.wall:>10,.0f}"
            f"{self.ticks / self.cpu:>12,.0f}{self.cpu / self.ticks * 1e6:>13.1f}"
            f"{self.wall / self.ticks * 1e6:>14.1f}"
        )


TICK_HEADER = (
    f"{'run':<40}{'ticks':>9}{'fired':>7}{'ticks/s':>10}{'ticks/CPU s':>12}"
    f"{'CPU µs/tick':>13}{'wall µs/tick':>14}"
)


async def fill_index(database: Database, market: Market, codes: list[str], users: int) -> None:
    """Five alerts a code, none near the price: above +5 % and +10 %, below −5 % and −10 %, and a
    ±7 % percent alert; the users own them in turn. Written in one transaction (the repository's
    `add`, one commit an alert, would take longer than the runs)."""
    now = datetime.now(UTC)
    rows: list[Alert] = []
    for code in codes:
        base = market.stocks[code].base
        alerts: list[tuple[str, Decimal, int | None]] = [
            ("above", Decimal(base * 105 // 100), None),
            ("above", Decimal(base * 110 // 100), None),
            ("below", Decimal(base * 95 // 100), None),
            ("below", Decimal(base * 90 // 100), None),
            ("percent", Decimal(7 if len(rows) % 2 else -7), base),
        ]
        for kind, threshold, reference in alerts:
            user_id, number = 1 + len(rows) % users, 1 + len(rows) // users
            rows.append(
                Alert(
                    user_id=user_id,
                    number=number,
                    code=code,
                    kind=kind,
                    threshold=threshold,
                    reference_price=reference,
                    repeat=False,
                    state="active",
                    cooldown_seconds=0,
                    created_at=now,
                    updated_at=now,
                )
            )
    async with database.sessions.begin() as session:
        for user_id in range(1, users + 1):
            await ensure_user(session, user_id, now)
        session.add_all(rows)


def tick_frames(
    market: Market, codes: list[str], count: int, crossing: int, seed: int
) -> list[str]:
    """`count` one-record H0STCNT0 frames as the sandbox sends them, prices within ±2 % of the
    base; `crossing` of them (spread evenly, each on a code of its own) at +6 %, which crosses
    exactly one alert (above +5 %)."""
    rng = random.Random(seed)
    now, day = datetime.now(), market.today()
    crossing_at = set(range(0, count, count // crossing)) if crossing else set()
    crossing_codes = iter(rng.sample(codes, len(crossing_at)))
    frames = []
    for n in range(count):
        code = next(crossing_codes) if n in crossing_at else rng.choice(codes)
        stock = market.stocks[code]
        move = Decimal("1.06") if n in crossing_at else Decimal(rng.randint(980, 1020)) / 1000
        stock.price = int(stock.base * move)
        stock.volume += 10
        frames.extend(data_frames(False, TICK_TR, [tick_record(stock, 10, day, now)]))
    return frames


async def run_ticks(
    engine: AlertEngine, reader: FrameReader, frames: list[str], *, parse_timed: bool
) -> tuple[int, float, float]:
    """Feed the frames; (alerts fired, wall s, CPU s). Unless `parse_timed`, the frames are
    read into Ticks before the clock starts."""
    ticks: list[Tick] = []
    if not parse_timed:
        ticks = [event for frame in frames for event in reader.read(frame)]  # type: ignore[misc]
    fired = 0
    cpu, wall = time.process_time(), time.perf_counter()
    if parse_timed:
        for frame in frames:
            for event in reader.read(frame):  # type: ignore[union-attr]
                fired += await engine.on_tick(event)  # type: ignore[arg-type]
    else:
        for tick in ticks:
            fired += await engine.on_tick(tick)
    return fired, time.perf_counter() - wall, time.process_time() - cpu


async def measure_ticks(args: argparse.Namespace) -> list[TickRun]:
    clock = SystemClock()
    market = Market(clock, seed=args.seed, walk_interval=0)
    codes = add_listings(market, args.codes, args.seed)
    with tempfile.TemporaryDirectory(prefix="kisbot-bench-") as tmp:
        settings = load_settings({"KISBOT_DATA_DIR": tmp, "KISBOT_MASTER_KEY": generate_key()})
        await upgrade_database(settings.resolved_database_url)
        database = await open_database(settings, clock)
        try:
            started = time.perf_counter()
            await fill_index(database, market, codes, args.tick_users)
            print(f"(stored {len(codes) * 5:,} alerts in {time.perf_counter() - started:.1f} s)")
            engine = AlertEngine(
                database.alerts,
                _NoAccounts(),  # type: ignore[arg-type]
                Securities(_NoNames()),  # type: ignore[arg-type]
                KrxCalendar(clock),
                clock,
                market_hours_only=False,
            )
            await engine.reload()
            reader = FrameReader(kst_today(clock.now))
            quiet = tick_frames(market, codes, args.ticks, 0, args.seed)
            crossing = tick_frames(market, codes, args.ticks, args.ticks // 100, args.seed + 1)
            runs = []
            profiler = _profiler(args.profile_ticks)
            for what, frames, parse in (
                ("evaluate (Tick → on_tick), none cross", quiet, False),
                ("read + evaluate (frame → Tick → on_tick)", quiet, True),
                ("read + evaluate, 1 % cross (SQLite)", crossing, True),
            ):
                await run_ticks(engine, reader, quiet[:2000], parse_timed=parse)  # warm up
                with profiler:
                    fired, wall, cpu = await run_ticks(engine, reader, frames, parse_timed=parse)
                runs.append(TickRun(what, len(frames), fired, wall, cpu))
            if args.profile_ticks:
                _save_profile(profiler, args.profile_ticks)
        finally:
            await database.close()
    return runs


def _profiler(path: str | None) -> Any:
    if not path:
        return contextlib.nullcontext()
    from pyinstrument import Profiler  # only when asked: not a dependency

    return Profiler(async_mode="disabled")


def _save_profile(profiler: Any, path: str) -> None:
    Path(path).write_text(profiler.output_text(unicode=True, color=False, show_all=False))
    print(f"(pyinstrument profile of the tick runs in {path})")


# -- the report ------------------------------------------------------------------------------


def _two_cpus() -> bool:
    return hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) >= 2


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


async def main(args: argparse.Namespace) -> int:
    if _two_cpus():
        os.sched_setaffinity(0, {WORLD_CPU})
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{os.cpu_count()} CPUs, bot on CPU {BOT_CPU}: {_two_cpus()}, load average {load}")
    summary: dict[str, str] = {}
    if args.only in (None, "latency"):
        results = [await measure_mode(args, realtime=True)]
        if args.poll_rounds > 0:
            results.append(await measure_mode(args, realtime=False))
        print(f"\nalert latency, crossing → sendMessage at the Bot API ({args.users} users)")
        print(LATENCY_HEADER)
        for result in results:
            print(result.cells())
        ws = results[0]
        print(f"websocket p50 under 100 ms: {_verdict(ws.percentile(0.5) < 100)}")
        summary["p50_ms"] = f"{ws.percentile(0.5):.1f}"
        summary["p99_ms"] = f"{ws.percentile(0.99):.1f}"
        if len(results) > 1:
            summary["poll_p50_ms"] = f"{results[1].percentile(0.5):.0f}"
    if args.only in (None, "ticks"):
        if _two_cpus():
            os.sched_setaffinity(0, {BOT_CPU})  # the bot's core is free now
        runs = await measure_ticks(args)
        print(f"\nticks evaluated, one core, {args.codes * 5:,} alerts on {args.codes:,} codes")
        print(TICK_HEADER)
        for run in runs:
            print(run.cells())
        evaluated = runs[1].ticks / runs[1].wall
        print(f"read + evaluate at least 10,000 ticks/s: {_verdict(evaluated >= 10_000)}")
        summary["ticks_per_s"] = f"{evaluated:.0f}"
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average at the end {load}")
    print("realtime " + " ".join(f"{k}={v}" for k, v in summary.items()))
    return 0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--alerts", type=int, default=20, help="measured alerts per user")
    parser.add_argument(
        "--ws-gap", type=float, default=0.2, help="mean seconds between crossings (websocket)"
    )
    parser.add_argument(
        "--poll-rounds", type=int, default=4, help="30 s rounds the crossings span (0: skip)"
    )
    parser.add_argument("--ticks", type=int, default=100_000, help="ticks per tick run")
    parser.add_argument("--codes", type=int, default=1000, help="codes of the tick runs' index")
    parser.add_argument("--tick-users", type=int, default=100, help="owners of the index")
    parser.add_argument("--only", choices=("latency", "ticks"))
    parser.add_argument(
        "--profile-bot", metavar="FILE", help="pyinstrument the websocket-mode bot into FILE"
    )
    parser.add_argument(
        "--profile-ticks", metavar="FILE", help="pyinstrument the tick runs (slows them)"
    )
    parser.add_argument("--seed", type=int, default=5)
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))
