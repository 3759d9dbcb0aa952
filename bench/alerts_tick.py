"""Benchmark: one alert tick over 10,000 alerts, against the sandbox at 18 calls/s per key.

100 real-key users x 100 alerts each, codes drawn from 2,000 extra listings (put into the
sandbox's market state, which has no public hook for new listings), SQLite in a temporary
directory. The sandbox runs in a child process, as KIS runs elsewhere, so the figures are the
bot's side. Reports KIS calls (and the floor: the sum over keys of ceil(distinct codes / 30)),
the tick's wall time (and its floor: the slowest key's calls at 18/s), alerts evaluated per
second and the bot process's RSS, then the same tick done naively (one quote call per alert)
for comparison. Not a test.

    .venv/bin/python bench/alerts_tick.py [--users 100] [--alerts 100] [--codes 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import resource
import sys
import tempfile
import time
from collections import defaultdict

import psutil

from kisbot.alerts.engine import AlertEngine
from kisbot.clock import SystemClock
from kisbot.config import load_settings
from kisbot.kis import Account, Credential, Environment, KisService, Priority
from kisbot.market_hours import KrxCalendar
from kisbot.sandbox import Sandbox
from kisbot.sandbox.catalog import Listing
from kisbot.store.database import Database, open_database
from kisbot.store.migrations import upgrade_database
from kisbot.store.vault import generate_key

RATE = 18.0
SKIP_NAIVE = False


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


async def serve_sandbox(universe: int, seed: int) -> None:
    """The sandbox alone, in its own process (as KIS is elsewhere), until stdin closes."""
    # A frozen market (no random walk): the sandbox spends no CPU moving 2,000 prices on
    # every request, so what is measured is the bot's side.
    sandbox = Sandbox(real_rate=RATE, mock_rate=1, token_interval=0, seed=seed, walk_interval=1e9)
    async with sandbox:
        add_listings(sandbox, universe, seed)
        print(sandbox.real_url, sandbox.mock_url, flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


async def start_sandbox(universe: int, seed: int) -> tuple[asyncio.subprocess.Process, str, str]:
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--serve-sandbox",
        "--codes",
        str(universe),
        "--seed",
        str(seed),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert child.stdout is not None
    real_url, mock_url = (await child.stdout.readline()).decode().split()
    return child, real_url, mock_url


async def main(users: int, per_user: int, universe: int, seed: int) -> None:
    clock = SystemClock()
    child, real_url, mock_url = await start_sandbox(universe, seed)
    codes = [f"9{n:05d}" for n in range(universe)]
    with tempfile.TemporaryDirectory() as data_dir:
        settings = load_settings({"KISBOT_DATA_DIR": data_dir, "KISBOT_MASTER_KEY": generate_key()})
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
            engine = AlertEngine(database, kis, KrxCalendar(clock), clock, market_hours_only=False)
            rss_before = _rss_mb()
            started = time.perf_counter()
            report = await engine.tick()
            wall = time.perf_counter() - started
            tick_rss = _rss_mb()
            await asyncio.sleep(1.1)
            naive_calls, naive_wall = (0, 0.0) if SKIP_NAIVE else await naive_tick(database, kis)
        await database.close()
    assert child.stdin is not None
    child.stdin.close()
    await child.wait()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"alerts {report.alerts}, keys {report.keys}, distinct (key, code) {report.codes}")
    print(f"engine tick: {report.calls} KIS calls (floor {call_floor})")
    print(f"             {wall:.3f} s wall (floor {wall_floor:.3f} s), ", end="")
    print(f"{report.alerts / wall:,.0f} alerts evaluated/s, fired {report.fired}")
    print(f"naive tick:  {naive_calls} KIS calls, {naive_wall:.3f} s wall")
    print(f"RSS of the bot process: {rss_before:.0f} MB before the tick, {tick_rss:.0f} MB after;")
    print(f"peak RSS of the bot process over the whole run: {peak_mb:.0f} MB")


def _rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--alerts", type=int, default=100, help="alerts per user")
    parser.add_argument("--codes", type=int, default=2000, help="codes the alerts draw from")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--serve-sandbox", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.serve_sandbox:
        asyncio.run(serve_sandbox(options.codes, options.seed))
    else:
        asyncio.run(main(options.users, options.alerts, options.codes, options.seed))
