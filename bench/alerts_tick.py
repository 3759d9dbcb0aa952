"""Benchmark: one alert tick over 10,000 alerts, against the sandbox at 18 calls/s per key.

100 real-key users x 100 alerts each, codes drawn from 2,000 extra listings (put into the
sandbox's market state, which has no public hook for new listings), SQLite in a temporary
directory. The sandbox runs in a child process, as KIS runs elsewhere, so the figures are the
bot's side. Reports KIS calls (and the floor: the sum over keys of ceil(distinct codes / 30)),
the tick's wall time (and its floor: the slowest key's calls at 18/s), alerts evaluated per
second and the bot process's RSS, then the same tick done naively (one quote call per alert)
for comparison.

The token scenario (`--scenario tokens`) is a tick in which every key still needs a token: 100
keys, a few alerts each, no token stored, tokenP under KIS's real rules; on SQLite, and on
PostgreSQL when `--postgres URL` names a scratch database (its kisbot tables are emptied).
While that tick runs, another task keeps doing the read every update makes
(`credentials.user_at_start`), to show whether token issuance starves the pool. Not a test.

    .venv/bin/python bench/alerts_tick.py [--users 100] [--alerts 100] [--codes 2000]
        [--scenario alerts|tokens|all] [--postgres postgresql+asyncpg://...]
        [--token-latency SECONDS]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import logging
import math
import random
import resource
import sys
import tempfile
import time
from collections import defaultdict

import psutil
from sqlalchemy import func, select, text

from kisbot.alerts.service import Alerts
from kisbot.clock import Clock, SystemClock
from kisbot.config import Settings, load_settings
from kisbot.core import build_core
from kisbot.kis import Account, Credential, Environment, KisService, Priority
from kisbot.kis.symbols import SymbolDirectory
from kisbot.market_hours import KrxCalendar
from kisbot.sandbox import Sandbox
from kisbot.sandbox.catalog import Listing
from kisbot.services import Services
from kisbot.store.database import Database, open_database
from kisbot.store.engine import create_engine
from kisbot.store.migrations import upgrade_database
from kisbot.store.models import AccessTokenRow, Base
from kisbot.store.ownership import KeyOwnership
from kisbot.store.vault import generate_key

RATE = 18.0
SKIP_NAIVE = False
TOKEN_ALERTS_PER_KEY = 5
TOKEN_INTERVAL = 60.0  # KIS: one tokenP a minute per app key
PROBE_PAUSE = 0.02


def add_listings(sandbox: Sandbox, count: int, seed: int) -> list[str]:
    """`count` extra stocks in the sandbox market (codes 900000…), as the bench's universe."""
    market = sandbox.state.market
    rng = random.Random(seed)
    codes = []
    for n in range(count):
        code = f"9{n:05d}"
        listing = Listing(code, f"벤치{n:04d}", "KOSPI", rng.randrange(1_000, 500_000, 100))
        market.add_listing(listing)
        codes.append(code)
    return codes


async def fill_database(
    database: Database, users: int, per_user: int, codes: list[str], seed: int
) -> dict[int, Credential]:
    rng = random.Random(seed)
    credentials = {}
    for user_id in range(1, users + 1):
        credential = Credential(
            f"BENCHKEY{user_id:04d}",
            f"BENCHSECRET{user_id:04d}",
            Account.parse(f"6{user_id:07d}-01"),
            Environment.REAL,
        )
        await database.credentials.put(user_id, credential)
        credentials[user_id] = credential
        for code in rng.choices(codes, k=per_user):
            # Out of reach: the tick evaluates every alert and fires none (fires are DB writes
            # measured by the tests, not here).
            await database.alerts.add(user_id, code, "above", 100_000_000)
    return credentials


async def naive_tick(database: Database, kis: KisService) -> tuple[int, float]:
    """One inquire-price call per alert, keys in parallel: what the engine avoids."""
    by_user = defaultdict(list)
    for alert in await database.alerts.list_watched():
        by_user[alert.user_id].append(alert.code)

    async def one_key(user_id: int, codes: list[str]) -> int:
        credential = await database.credentials.get_active(user_id)
        assert credential is not None
        client = kis.client(credential)
        for code in codes:
            await client.quote(code, priority=Priority.BACKGROUND)
        return len(codes)

    started = time.perf_counter()
    calls = await asyncio.gather(*(one_key(u, c) for u, c in by_user.items()))
    return sum(calls), time.perf_counter() - started


def floors(database_alerts: dict[int, set[str]]) -> tuple[int, float]:
    per_key = [math.ceil(len(codes) / 30) for codes in database_alerts.values()]
    return sum(per_key), max(per_key) / RATE


async def serve_sandbox(
    universe: int, seed: int, token_interval: float, token_latency: float
) -> None:
    """The sandbox alone, in its own process (as KIS is elsewhere), until stdin closes."""
    # A frozen market (no random walk): the sandbox spends no CPU moving 2,000 prices on
    # every request, so what is measured is the bot's side.
    sandbox = Sandbox(
        real_rate=RATE,
        mock_rate=1,
        token_interval=token_interval,
        seed=seed,
        walk_interval=1e9,
    )
    async with sandbox:
        add_listings(sandbox, universe, seed)
        if token_latency > 0:  # each tokenP answers after this long, as KIS's does
            fault = {"kind": "delay", "delay": token_latency, "count": 1_000_000}
            sandbox.control.inject_fault("/oauth2/tokenP", **fault)
        print(sandbox.real_url, sandbox.mock_url, flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


async def start_sandbox(
    universe: int, seed: int, token_interval: float = 0, token_latency: float = 0
) -> tuple[asyncio.subprocess.Process, str, str]:
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--serve-sandbox",
        "--codes",
        str(universe),
        "--seed",
        str(seed),
        "--token-interval",
        str(token_interval),
        "--token-latency",
        str(token_latency),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert child.stdout is not None
    real_url, mock_url = (await child.stdout.readline()).decode().split()
    return child, real_url, mock_url


class _NoNames:
    """No master files: fired alerts go out named by code (names are not what is measured)."""

    async def get(self) -> SymbolDirectory:
        return SymbolDirectory()


def alerts_of(settings: Settings, database: Database, kis: KisService, clock: Clock) -> Alerts:
    """The bot's alerts feature over this store and KIS service, wired as `kisbot run` wires it
    (its calendar built first, as the bot builds it once: the tick is measured, not that)."""
    calendar = KrxCalendar(clock)
    calendar.is_trading_day(clock.now().date())  # builds the XKRX sessions (seconds, once)
    services = Services(settings, clock, None, database, kis, _NoNames(), calendar, KeyOwnership())  # type: ignore[arg-type]
    return build_core(services).alerts


async def main(users: int, per_user: int, universe: int, seed: int) -> None:
    clock = SystemClock()
    child, real_url, mock_url = await start_sandbox(universe, seed)
    codes = [f"9{n:05d}" for n in range(universe)]
    with tempfile.TemporaryDirectory() as data_dir:
        settings = load_settings(
            {
                "KISBOT_DATA_DIR": data_dir,
                "KISBOT_MASTER_KEY": generate_key(),
                "KISBOT_MARKET_HOURS_ONLY": "false",  # measured at any hour
            }
        )
        await upgrade_database(settings.resolved_database_url)
        database = await open_database(settings, clock)
        credentials = await fill_database(database, users, per_user, codes, seed)
        distinct: dict[int, set[str]] = defaultdict(set)
        for alert in await database.alerts.list_watched():
            distinct[alert.user_id].add(alert.code)
        call_floor, wall_floor = floors(distinct)
        async with KisService(
            real_url=real_url,
            mock_url=mock_url,
            real_rate=RATE,
            token_store=database.tokens,
            clock=clock,
        ) as kis:
            await asyncio.gather(*(kis.client(c).ensure_token() for c in credentials.values()))
            await asyncio.sleep(1.1)  # let every key's limiter and the sandbox's window drain
            alerts = alerts_of(settings, database, kis, clock)
            rss_before = _rss_mb()
            started = time.perf_counter()
            report = await alerts.check()
            wall = time.perf_counter() - started
            tick_rss = _rss_mb()
            await asyncio.sleep(1.1)
            naive_calls, naive_wall = (0, 0.0) if SKIP_NAIVE else await naive_tick(database, kis)
        await database.close()
    await stop_sandbox(child)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"alerts {report.alerts}, keys {report.keys}, distinct (key, code) {report.codes}")
    print(f"engine tick: {report.calls} KIS calls (floor {call_floor})")
    print(f"             {wall:.3f} s wall (floor {wall_floor:.3f} s), ", end="")
    print(f"{report.alerts / wall:,.0f} alerts evaluated/s, fired {report.fired}")
    print(f"naive tick:  {naive_calls} KIS calls, {naive_wall:.3f} s wall")
    print(f"RSS of the bot process: {rss_before:.0f} MB before the tick, {tick_rss:.0f} MB after;")
    print(f"peak RSS of the bot process over the whole run: {peak_mb:.0f} MB")


async def stop_sandbox(child: asyncio.subprocess.Process) -> None:
    assert child.stdin is not None
    child.stdin.close()
    await child.wait()


class WarningCount(logging.Handler):
    """Counts kisbot's warning lines by text (the alert engine logs a failed key's error type)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: collections.Counter[str] = collections.Counter()

    def emit(self, record: logging.LogRecord) -> None:
        self.lines[record.getMessage()] += 1


async def probe_reads(
    database: Database, user_ids: list[int], stop: asyncio.Event
) -> tuple[list[float], list[str]]:
    """The read every update makes, again and again until `stop`: latencies and errors."""
    latencies: list[float] = []
    errors: list[str] = []
    n = 0
    while not stop.is_set():
        started = time.perf_counter()
        try:
            await database.credentials.user_at_start(user_ids[n % len(user_ids)])
        except Exception as error:
            errors.append(type(error).__name__)
        latencies.append(time.perf_counter() - started)
        n += 1
        await asyncio.sleep(PROBE_PAUSE)
    return latencies, errors


async def empty_tables(url: str) -> None:
    engine = create_engine(url)
    names = ", ".join(table.name for table in Base.metadata.sorted_tables)
    async with engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    await engine.dispose()


async def token_tick(
    name: str, database_url: str | None, keys: int, seed: int, latency: float
) -> None:
    """One tick in which all `keys` keys need a token (none stored), with reads alongside."""
    clock = SystemClock()
    child, real_url, mock_url = await start_sandbox(200, seed, TOKEN_INTERVAL, latency)
    codes = [f"9{n:05d}" for n in range(200)]
    warnings = WarningCount()
    logging.getLogger("kisbot").addHandler(warnings)
    with tempfile.TemporaryDirectory() as data_dir:
        environ = {
            "KISBOT_DATA_DIR": data_dir,
            "KISBOT_MASTER_KEY": generate_key(),
            "KISBOT_MARKET_HOURS_ONLY": "false",  # measured at any hour
        }
        if database_url is not None:
            environ["KISBOT_DATABASE_URL"] = database_url
        settings = load_settings(environ)
        await upgrade_database(settings.resolved_database_url)
        if database_url is not None:
            await empty_tables(database_url)
        database = await open_database(settings, clock)
        credentials = await fill_database(database, keys, TOKEN_ALERTS_PER_KEY, codes, seed)
        async with KisService(
            real_url=real_url,
            mock_url=mock_url,
            real_rate=RATE,
            token_store=database.tokens,
            clock=clock,
        ) as kis:
            alerts = alerts_of(settings, database, kis, clock)
            stop = asyncio.Event()
            probe = asyncio.create_task(probe_reads(database, list(credentials), stop))
            await asyncio.sleep(0.2)  # the probe's first reads open its connection
            started = time.perf_counter()
            report = await alerts.check()
            wall = time.perf_counter() - started
            stop.set()
            latencies, errors = await probe
        async with database.sessions() as session:
            stored = await session.scalar(select(func.count()).select_from(AccessTokenRow))
        pool = database.engine.pool
        pool_size = pool.size() if hasattr(pool, "size") else "-"
        await database.close()
    logging.getLogger("kisbot").removeHandler(warnings)
    await stop_sandbox(child)
    latencies.sort()
    print(f"tokens, {name} (pool size {pool_size}): {keys} keys without a token, ", end="")
    print(f"tokenP answering in {latency * 1000:.0f} ms")
    print(f"  tick {wall:.3f} s wall, {report.calls} KIS calls, {report.failed_keys} keys failed,")
    print(f"  tokens stored {stored} of {keys}")
    if latencies:
        p50 = latencies[len(latencies) // 2] * 1000
        print(f"  reads alongside: {len(latencies)}, p50 {p50:.1f} ms, ", end="")
        print(f"max {latencies[-1] * 1000:.1f} ms, errors {collections.Counter(errors)}")
    for line, count in warnings.lines.most_common(5):
        print(f"  logged {count}x: {line}")


def _rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


async def run(options: argparse.Namespace) -> None:
    if options.scenario in ("alerts", "all"):
        await main(options.users, options.alerts, options.codes, options.seed)
    if options.scenario in ("tokens", "all"):
        latency = options.token_latency
        await token_tick("SQLite", None, options.users, options.seed, latency)
        if options.postgres:
            await token_tick("PostgreSQL", options.postgres, options.users, options.seed, latency)
        else:
            print("tokens, PostgreSQL: skipped (give --postgres URL of a scratch database)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--alerts", type=int, default=100, help="alerts per user")
    parser.add_argument("--codes", type=int, default=2000, help="codes the alerts draw from")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--scenario", choices=("alerts", "tokens", "all"), default="all")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="a scratch PostgreSQL database (emptied) for the token scenario",
    )
    parser.add_argument(
        "--token-latency",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="how long the sandbox's tokenP takes to answer (token scenario; default 0)",
    )
    parser.add_argument("--serve-sandbox", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--token-interval", type=float, default=0, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.serve_sandbox:
        sandbox_options = (options.token_interval, options.token_latency)
        asyncio.run(serve_sandbox(options.codes, options.seed, *sandbox_options))
    else:
        asyncio.run(run(options))
