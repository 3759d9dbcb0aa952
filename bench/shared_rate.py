"""Benchmark: one 18 calls/s budget shared by several processes through PostgreSQL.

Two ways to share a KIS app key's budget between `kisbot run` processes, measured alike:

- kisbot: `kisbot.kis.limiter.RateLimiter` over `kisbot.store.rate_budget.RateBudget`, as the
  bot wires them (each process its own limiter, every slot reserved with one UPDATE of the
  budget's GCRA row; the engine from `kisbot.store.engine.create_engine`, pre-ping on);
- pyrate-limiter 4.x: `Limiter(PostgresBucket(pool, ..., [Rate(18, Duration.SECOND)]))` over a
  psycopg_pool `ConnectionPool`, taken with `await limiter.try_acquire_async(...)` (the bucket
  is synchronous: its queries run on the event loop; a full window answers "no" and the limiter
  sleeps `waiting() + buffer_ms` and tries again).

Each run: W asyncio workers in each of P OS processes (spawned), all taking slots of ONE budget
as fast as it gives them for S seconds, starting together. A worker notes when it asked and
when it was let through (`time.time()`, one clock for every process on the machine). Reported:

- slots/s achieved (target: 18);
- max slots in any rolling 1 s window, and how many the sandbox's rule (at most 18 in any
  rolling second per key, kisbot.sandbox.auth.RateLimiter) would have refused: EGW00201;
- wait beyond the ideal, p50/p99: for the k-th slot let through, `grant_k - max(asked_k,
  grant_(k-1) + 1/18)`, the time the budget stood idle (or ran ahead, negative) while this
  caller waited, against a perfect shared spacer; and the callers' wait itself, p50/p99;
- database statements per slot, counted at the driver (SQL executed, plus the pre-ping of each
  pool checkout for kisbot), and server transactions per slot (`pg_stat_database`
  xact_commit + xact_rollback of the scratch database, which only this bench uses);
- CPU per slot: the worker processes' CPU, and the PostgreSQL backends' CPU serving them.

    ./dev bench shared_rate --postgres postgresql+asyncpg://postgres@127.0.0.1:5432/SCRATCH
        [--seconds 10] [--workers 8] [--processes 1,2,3] [--only kisbot|pyrate]

The scratch database gets kisbot's tables (migrations) and pyrate's bucket table; both are
emptied before each run. Not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import multiprocessing
import os
import sys
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

import psutil
from sqlalchemy import event, text
from sqlalchemy.engine import make_url

from kisbot.clock import SystemClock
from kisbot.kis.limiter import RateLimiter
from kisbot.store.engine import create_engine
from kisbot.store.migrations import upgrade_database
from kisbot.store.rate_budget import RateBudget

RATE = 18
INTERVAL = 1.0 / RATE
BUDGET = "bench:shared-rate"  # kisbot's budget row
BUCKET = "bench_shared_rate"  # pyrate's table: ratelimit___bench_shared_rate
START_DELAY = 1.0  # seconds between "go" and the common start, so every process starts at once
IMPLEMENTATIONS = ("kisbot", "pyrate")
WHAT_IFS = ("kisbot-noping",)  # kisbot's RateBudget on an engine without pool_pre_ping


# -- the worker processes ---------------------------------------------------------------------


@dataclass(slots=True)
class WorkerResult:
    """One process's run: (asked, granted) per slot, its CPU and its statements."""

    slots: list[tuple[float, float]] = field(default_factory=list)
    cpu: float = 0.0
    statements: int = 0
    pings: int = 0


def psycopg_conninfo(url: str) -> str:
    """The SQLAlchemy URL as a libpq URL for psycopg."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class KisbotSide:
    """kisbot's limiter over the shared GCRA row, counting what the engine sends."""

    def __init__(self, url: str, margin: float = 0.0, pre_ping: bool = True) -> None:
        self.engine = create_engine(url, pool_pre_ping=pre_ping)
        self.statements = 0
        self.pings = 0

        @event.listens_for(self.engine.sync_engine, "before_cursor_execute")
        def _count(*_: Any) -> None:
            self.statements += 1

        @event.listens_for(self.engine.sync_engine.pool, "checkout")
        def _ping(*_: Any) -> None:
            self.pings += int(pre_ping)  # pool_pre_ping: each checkout pings the server first

        clock = SystemClock()
        budget = RateBudget(self.engine, clock)

        async def reserve(interval: float) -> float:
            return await budget.reserve(BUDGET, interval)

        # A margin (a what-if, --kisbot-margin-ms) spaces the slots a little wider than 1/18 s.
        self.limiter = RateLimiter(1.0 / (INTERVAL + margin), clock, shared=reserve)

    async def connect(self) -> None:
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def acquire(self) -> None:
        await self.limiter.acquire()

    async def close(self) -> None:
        await self.limiter.aclose()
        await self.engine.dispose()


class PyrateSide:
    """pyrate-limiter's Limiter over its PostgresBucket, counting the statements psycopg runs."""

    def __init__(self, url: str) -> None:
        import psycopg
        from psycopg_pool import ConnectionPool
        from pyrate_limiter import Duration, Limiter, Rate
        from pyrate_limiter.buckets.postgres import PostgresBucket

        side = self

        class CountingCursor(psycopg.Cursor):  # type: ignore[type-arg]
            def execute(self, *args: Any, **kwargs: Any) -> Any:
                side.statements += 1
                return super().execute(*args, **kwargs)

        self.statements = 0
        self.pings = 0
        self.pool = ConnectionPool(
            psycopg_conninfo(url),
            min_size=1,
            max_size=4,
            kwargs={"cursor_factory": CountingCursor},
            open=True,
        )
        self.bucket = PostgresBucket(self.pool, BUCKET, [Rate(RATE, Duration.SECOND)])
        self.limiter = Limiter(self.bucket)

    async def connect(self) -> None:
        self.pool.wait()

    async def acquire(self) -> None:
        if not await self.limiter.try_acquire_async("kis", blocking=True):
            raise RuntimeError("pyrate-limiter refused a slot")

    async def close(self) -> None:
        self.limiter.close()


async def run_worker_process(
    impl: str, url: str, workers: int, margin: float, conn: Connection
) -> None:
    side: KisbotSide | PyrateSide
    if impl == "pyrate":
        side = PyrateSide(url)
    else:  # kisbot, or the what-if kisbot-noping: its engine without pre-ping
        side = KisbotSide(url, margin, pre_ping=impl == "kisbot")
    await side.connect()
    conn.send("ready")
    start_at, end_at = await asyncio.to_thread(conn.recv)
    await asyncio.sleep(max(0.0, start_at - time.time()))
    result = WorkerResult()
    statements, pings, cpu = side.statements, side.pings, time.process_time()

    async def worker() -> None:
        while (asked := time.time()) < end_at:
            await side.acquire()
            result.slots.append((asked, time.time()))

    await asyncio.gather(*(worker() for _ in range(workers)))
    result.cpu = time.process_time() - cpu
    result.statements = side.statements - statements
    result.pings = side.pings - pings
    conn.send(result)
    await asyncio.to_thread(conn.recv)  # "exit": the coordinator has read the backends' CPU
    await side.close()


def worker_process(impl: str, url: str, workers: int, margin: float, conn: Connection) -> None:
    asyncio.run(run_worker_process(impl, url, workers, margin, conn))


# -- the coordinator --------------------------------------------------------------------------


@dataclass(slots=True)
class Run:
    impl: str
    processes: int
    workers: int
    seconds: float
    grants: list[float]  # within the run's seconds
    granted: int  # every slot let through, also the last ones after the end
    waits: list[float]
    beyond: list[float]
    statements: int
    pings: int
    transactions: int
    worker_cpu: float
    backend_cpu: float

    @property
    def slots(self) -> int:
        return len(self.grants)

    def tightest(self) -> float:
        """The shortest time any RATE + 1 consecutive slots took (under 1 s: one too many)."""
        spans = [b - a for a, b in zip(self.grants, self.grants[RATE:], strict=False)]
        return min(spans) if spans else float("nan")

    def max_in_window(self) -> int:
        most = 0
        for i, start in enumerate(self.grants):
            most = max(most, bisect.bisect_left(self.grants, start + 1.0) - i)
        return most

    def refused(self) -> int:
        """Calls the sandbox's rolling-second rule would have answered with EGW00201."""
        admitted: list[float] = []
        refused = 0
        for grant in self.grants:
            if len(admitted) >= RATE and grant - admitted[-RATE] < 1.0:
                refused += 1
            else:
                admitted.append(grant)
        return refused


class Database:
    """The scratch database: emptied between runs; its backends' CPU and transactions read."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.name = make_url(url).database
        self.scratch = create_engine(url)
        # The coordinator reads statistics from another database, so its own queries are not
        # counted among the scratch database's transactions.
        self.engine = create_engine(make_url(url).set(database="postgres"))

    async def empty(self) -> None:
        async with self.scratch.begin() as connection:
            await connection.execute(text("DELETE FROM rate_budgets"))
            await connection.execute(text(f"DROP TABLE IF EXISTS ratelimit___{BUCKET}"))

    async def transactions(self) -> int:
        await asyncio.sleep(1.2)  # and a live one at most once a second
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT pg_stat_clear_snapshot()"))
            count = await connection.scalar(
                text(
                    "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = :name"
                ),
                {"name": self.name},
            )
        return int(count)

    async def backend_cpu(self) -> dict[int, float]:
        """CPU seconds of every other backend connected to this database, by pid."""
        async with self.engine.connect() as connection:
            rows = await connection.execute(
                text(
                    "SELECT pid FROM pg_stat_activity WHERE datname = :name "
                    "AND backend_type = 'client backend'"
                ),
                {"name": self.name},
            )
            pids = [row[0] for row in rows]
        spent = {}
        for pid in pids:
            try:
                times = psutil.Process(pid).cpu_times()
            except psutil.Error:
                continue
            spent[pid] = times.user + times.system
        return spent


async def one_run(
    database: Database, impl: str, processes: int, workers: int, seconds: float, margin: float
) -> Run:
    await database.empty()
    context = multiprocessing.get_context("spawn")
    pipes = []
    children = []
    for _ in range(processes):
        ours, theirs = context.Pipe()
        child = context.Process(
            target=worker_process, args=(impl, database.url, workers, margin, theirs), daemon=True
        )
        child.start()
        pipes.append(ours)
        children.append(child)
    for pipe in pipes:
        if await asyncio.to_thread(pipe.recv) != "ready":
            raise RuntimeError("a worker process did not start")
    transactions = await database.transactions()
    backends = await database.backend_cpu()
    start_at = time.time() + START_DELAY
    end_at = start_at + seconds
    for pipe in pipes:
        pipe.send((start_at, end_at))
    results: list[WorkerResult] = [await asyncio.to_thread(pipe.recv) for pipe in pipes]
    after = await database.backend_cpu()
    backend_cpu = sum(spent - backends.get(pid, 0.0) for pid, spent in after.items())
    for pipe in pipes:
        pipe.send("exit")
    for child in children:
        await asyncio.to_thread(child.join, 30)
    # Read once the workers' backends have ended: a backend flushes its counts when it exits.
    transactions = await database.transactions() - transactions
    slots = sorted((slot for result in results for slot in result.slots), key=lambda slot: slot[1])
    granted = len(slots)
    slots = [slot for slot in slots if slot[1] < end_at]  # the last asks are let through later
    grants = [grant for _, grant in slots]
    beyond = []
    for k, (asked, grant) in enumerate(slots):
        ideal = asked if k == 0 else max(asked, slots[k - 1][1] + INTERVAL)
        beyond.append(grant - ideal)
    return Run(
        impl=impl,
        processes=processes,
        workers=workers,
        seconds=seconds,
        grants=grants,
        granted=granted,
        waits=[grant - asked for asked, grant in slots],
        beyond=beyond,
        statements=sum(r.statements for r in results),
        pings=sum(r.pings for r in results),
        transactions=transactions,
        worker_cpu=sum(r.cpu for r in results),
        backend_cpu=backend_cpu,
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


HEADER = (
    f"{'':<14}{'proc':>5}{'work':>5}{'slots/s':>9}{'max/1s':>7}{'19 in ms':>9}{'EGW':>5}"
    f"{'beyond p50':>11}{'p99 ms':>8}{'wait p50':>9}{'p99 ms':>8}"
    f"{'SQL/slot':>10}{'xact/slot':>10}{'CPU ms/slot':>12}{'+PG ms':>8}"
)


LEGEND = """\
slots/s: let through per second (target 18); max/1s: most in any rolling second;
19 in ms: the shortest time 19 slots in a row took (under 1000: one too many);
EGW: calls the sandbox's rolling-second rule would answer with EGW00201;
beyond: a slot's delay past max(asked, previous slot + 1/18 s), negative when ahead of even
spacing; wait: from asking to being let through;
SQL/slot: statements sent (kisbot: with the pre-ping of each pool checkout);
xact/slot: server transactions; CPU ms/slot: the worker processes'; +PG: the backends'."""


def row(run: Run) -> str:
    n = max(run.granted, 1)
    beyond50, beyond99 = (percentile(run.beyond, q) * 1000 for q in (0.5, 0.99))
    wait50, wait99 = (percentile(run.waits, q) * 1000 for q in (0.5, 0.99))
    return (
        f"{run.impl:<14}{run.processes:>5}{run.workers * run.processes:>5}"
        f"{run.slots / run.seconds:>9.2f}{run.max_in_window():>7}{run.tightest() * 1000:>9.1f}"
        f"{run.refused():>5}"
        f"{beyond50:>11.1f}{beyond99:>8.1f}{wait50:>9.0f}{wait99:>8.0f}"
        f"{(run.statements + run.pings) / n:>10.2f}{run.transactions / n:>10.2f}"
        f"{run.worker_cpu / n * 1000:>12.2f}{run.backend_cpu / n * 1000:>8.2f}"
    )


async def main(args: argparse.Namespace) -> int:
    await upgrade_database(args.postgres)
    database = Database(args.postgres)
    impls = IMPLEMENTATIONS if args.only is None else (args.only,)
    counts = [int(n) for n in args.processes.split(",")]
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"shared 18/s budget, {args.seconds:g} s a run, {args.workers} workers a process; ", end=""
    )
    print(f"kisbot margin {args.kisbot_margin_ms:g} ms; ", end="")
    print(f"{os.cpu_count()} CPUs, load average before: {load}", flush=True)
    runs = []
    for processes in counts:
        for impl in impls:
            margin = args.kisbot_margin_ms / 1000
            run = await one_run(database, impl, processes, args.workers, args.seconds, margin)
            runs.append(run)
            print(f"  {row(run)}", flush=True)
    await database.engine.dispose()
    await database.scratch.dispose()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nload average after: {load}")
    print(HEADER)
    for run in runs:
        print(row(run))
    print(LEGEND)
    met = all(run.refused() == 0 for run in runs)
    print(f"0 EGW00201 equivalent in every run: {'met' if met else 'MISSED'}")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", required=True, metavar="URL", help="a scratch database")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=8, help="asyncio workers per process")
    parser.add_argument("--processes", default="1,2,3", help="process counts, e.g. 1,2,3")
    parser.add_argument("--only", choices=IMPLEMENTATIONS + WHAT_IFS)
    parser.add_argument(
        "--kisbot-margin-ms",
        type=float,
        default=0.0,
        help="what-if: kisbot's limiter spaces slots 1/18 s + this many ms apart",
    )
    sys.exit(asyncio.run(main(parser.parse_args())))
