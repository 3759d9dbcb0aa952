"""`kisbot run --workers N`: N bot processes behind one webhook URL, on one machine.

Each worker is a whole `kisbot run` (its own event loop, core and KIS sessions). They share the
webhook's port (SO_REUSEPORT: the kernel spreads Telegram's connections across them) and the
PostgreSQL database, through which they share everything that must happen once: confirmations,
alerts, the outbox, tokens and, per app key, one owner. This parent only starts them with one
webhook secret (so each one's setWebhook says the same), passes SIGTERM/SIGINT on, and starts a
worker again if it dies while the others run (its app keys are taken over meanwhile).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import signal
import sys

from kisbot.backoff import backoff_delays
from kisbot.config import ConfigError, Settings

logger = logging.getLogger(__name__)

STOP_TIMEOUT = 15.0  # a worker stops within 5 s of SIGTERM; then it is killed


def check_workers(settings: Settings, workers: int) -> None:
    """Raise ConfigError unless `workers` processes can serve this configuration."""
    if workers < 1:
        raise ConfigError("kisbot run --workers: expected a whole number of 1 or more.")
    if workers == 1:
        return
    if not settings.webhook_url:
        raise ConfigError(
            "kisbot run --workers needs KISBOT_WEBHOOK_URL: with long polling Telegram serves "
            "one getUpdates at a time, so a second process would only conflict."
        )
    if not settings.resolved_database_url.startswith("postgresql"):
        raise ConfigError(
            "kisbot run --workers needs KISBOT_DATABASE_URL on PostgreSQL: the processes "
            "coordinate through the database, and SQLite serves one process."
        )


async def run_workers(workers: int, settings: Settings) -> int:
    """Run `workers` child `kisbot run` processes until SIGTERM/SIGINT; the exit code."""
    environ = dict(os.environ)
    if settings.webhook_secret is None:
        # One secret for all: each worker's setWebhook must leave the others' valid.
        environ["KISBOT_WEBHOOK_SECRET"] = secrets.token_urlsafe(32)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        codes = await asyncio.gather(*(_keep_running(n, environ, stop) for n in range(workers)))
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
    return max(codes)


async def _keep_running(number: int, environ: dict[str, str], stop: asyncio.Event) -> int:
    delays = backoff_delays(1.0, 30.0)
    while True:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "kisbot.cli", "run", env=environ
        )
        logger.info("worker %d started (pid %d)", number, process.pid)
        waiting = asyncio.create_task(process.wait())
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({waiting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if stop.is_set():
            stopping.cancel()
            return await _stop(process, waiting)
        stopping.cancel()
        code = waiting.result()
        if code in (1, 2):  # a local problem (configuration, keys): another try fails the same
            logger.error("worker %d cannot run (exit %d); stopping the others", number, code)
            stop.set()
            return code
        delay = next(delays)
        logger.warning("worker %d exited (%s); starting it again in %.0f s", number, code, delay)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
        if stop.is_set():
            return 0


async def _stop(process: asyncio.subprocess.Process, waiting: asyncio.Task[int]) -> int:
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(asyncio.shield(waiting), STOP_TIMEOUT)
    except TimeoutError:
        process.kill()
        await waiting
    return 0
