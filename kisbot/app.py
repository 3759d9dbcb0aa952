"""The composition root: builds the Telegram Application and wires the core into it.

`build_application` is what `kisbot run`, `kisbot demo` and the tests use; its keyword arguments
are the seams (the Bot API request objects, `AiohttpRequest` by default; the clock; the
Telegram-side rate limiter).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Sequence

from telegram import BotCommand
from telegram.ext import Application, ApplicationBuilder
from telegram.request import BaseRequest

from handlers import register_handlers
from handlers.commands import COMMANDS
from handlers.common import CORE_KEY, SETTINGS_KEY
from handlers.delivery import deliver_on_ring
from handlers.i18n import render
from handlers.jobs import register_rebalance
from kisbot.clock import Clock, SystemClock
from kisbot.config import ConfigError, Settings, load_settings
from kisbot.core import build_core
from kisbot.health import Heartbeat, heartbeat_path
from kisbot.logs import configure_logging, redactor
from kisbot.runner import BotApiRefused, KeysChanged, serve
from kisbot.services import Services, open_services
from kisbot.store.errors import StoreError
from kisbot.telegram_limits import SharedRateLimiter
from kisbot.telegram_request import AiohttpRequest, HeartbeatRequest
from kisbot.workers import check_workers, run_workers

logger = logging.getLogger(__name__)

# Opt in to PTB 23's `RetryAfter.retry_after` as a timedelta (our handlers accept both), which
# also silences its deprecation warning on every 429.
os.environ.setdefault("PTB_TIMEDELTA", "1")

CLOCK_KEY = "clock"
SERVICES_KEY = "services"
WARM_UP_KEY = "warm_up_tasks"
DOORBELL_KEY = "deliver_on_ring"


def build_application(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    get_updates_request: BaseRequest | None = None,
    clock: Clock | None = None,
    rate_limiter: bool = True,
) -> Application:
    """A PTB Application for these settings, with every handler registered.

    Services (database, KIS, symbols) are opened in post_init and closed in post_shutdown, so
    building an Application has no side effects.
    """
    if settings.telegram_token is None:
        raise ConfigError("KISBOT_TELEGRAM_TOKEN: expected the bot token from @BotFather.")
    token = settings.telegram_token.get_secret_value()
    redactor.add(token)
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(f"{settings.telegram_api_url}/bot")
        .base_file_url(f"{settings.telegram_api_url}/file/bot")
        # A slow KIS call for one user must not hold up another; exactly-once comes from the
        # database, not from serial processing.
        .concurrent_updates(True)
        .post_init(_open)
        .post_shutdown(_close)
    )
    if rate_limiter:
        builder = builder.rate_limiter(SharedRateLimiter(max_retries=3))
    # aiohttp instead of PTB's default httpx: about a quarter of the CPU per Bot API call.
    builder = builder.request(request or AiohttpRequest()).get_updates_request(
        get_updates_request or AiohttpRequest(connection_pool_size=1)
    )
    application = builder.build()
    application.bot_data[SETTINGS_KEY] = settings
    application.bot_data[CLOCK_KEY] = clock or SystemClock()
    register_handlers(application)
    return application


async def _open(application: Application) -> None:
    settings: Settings = application.bot_data[SETTINGS_KEY]
    # `kisbot run` opens the services before any network call (kisbot.runner) and hands them in.
    services = application.bot_data.get(SERVICES_KEY) or await open_services(
        settings, clock=application.bot_data[CLOCK_KEY]
    )
    application.bot_data[SERVICES_KEY] = services
    core = application.bot_data[CORE_KEY] = build_core(services)
    if DOORBELL_KEY not in application.bot_data:
        application.bot_data[DOORBELL_KEY] = asyncio.create_task(
            deliver_on_ring(application), name="deliver-on-ring"
        )
    if core.owners.shared:  # several processes may share the database: take a share of keys
        await core.owners.rebalance()
        register_rebalance(application)
    _share_flood_limit(application, services)
    # Names and the KRX calendar take a few seconds to load; commands with codes work meanwhile
    # (the calendar answers from weekdays until built; the first question about a venue builds
    # it when the rounds do not need it from the start). The runner calls this again if
    # setMyCommands failed on the network: start them once.
    if WARM_UP_KEY not in application.bot_data:
        tasks = [asyncio.create_task(services.symbols.load(), name="load-symbols")]
        if services.overseas_symbols is not None:
            tasks.append(
                asyncio.create_task(services.overseas_symbols.load(), name="load-overseas")
            )
        if settings.market_hours_only:  # the rounds ask the calendars from the start
            tasks.append(asyncio.create_task(services.calendar.warm_up(), name="warm-calendar"))
            if services.overseas_hours is not None:
                tasks.append(
                    asyncio.create_task(services.overseas_hours.warm_up(), name="warm-overseas")
                )
        application.bot_data[WARM_UP_KEY] = tasks
    await register_commands(application)


def _share_flood_limit(application: Application, services: Services) -> None:
    """Pace Bot API calls together with the bot's other processes, when there can be any."""
    limiter = application.bot.rate_limiter
    budget = services.database.rate_budget()
    if isinstance(limiter, SharedRateLimiter) and budget is not None:
        bot_id = application.bot.token.split(":", 1)[0]  # public: the bot's user id
        limiter.share(budget, bot_id, services.clock)


async def _close(application: Application) -> None:
    doorbell = application.bot_data.pop(DOORBELL_KEY, None)
    if doorbell is not None:
        doorbell.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await doorbell
    for task in application.bot_data.pop(WARM_UP_KEY, []):
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
    core = application.bot_data.pop(CORE_KEY, None)
    if core is not None:
        await core.realtime.aclose()
        await core.notices.aclose()
    services = application.bot_data.pop(SERVICES_KEY, None)
    if services is not None:
        await services.aclose()


async def register_commands(application: Application) -> None:
    """setMyCommands in the default language, and in the other one for its users."""
    settings: Settings = application.bot_data[SETTINGS_KEY]
    for locale, language_code in ((settings.locale, None), ("en", "en"), ("ko", "ko")):
        commands = [
            BotCommand(command.name, render(locale, f"commands.{command.name}.menu"))
            for command in COMMANDS
        ]
        await application.bot.set_my_commands(commands, language_code=language_code)


async def start_in_loop(application: Application) -> None:
    """run_polling's start-up steps inside a running event loop (the demo and the tests)."""
    await application.initialize()
    if application.post_init:
        await application.post_init(application)
    assert application.updater is not None
    await application.updater.start_polling(timeout=1, poll_interval=0)
    await application.start()


async def stop_in_loop(application: Application) -> None:
    """The matching shutdown: stop polling and the application, close the services."""
    assert application.updater is not None
    if application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
    if application.post_stop:
        await application.post_stop(application)
    await application.shutdown()
    if application.post_shutdown:
        await application.post_shutdown(application)


async def open_bot(settings: Settings) -> tuple[Application, Services]:
    """The Application with its services open (database migrated, keys checked); no network."""
    polling_request: BaseRequest | None = None
    if not settings.webhook_url:
        # Each answered poll touches the heartbeat `kisbot health` reads.
        heartbeat = Heartbeat(heartbeat_path(settings.data_dir))
        heartbeat.reset()
        polling_request = HeartbeatRequest(heartbeat.beat)
    application = build_application(settings, get_updates_request=polling_request)
    services = await open_services(settings, clock=application.bot_data[CLOCK_KEY])
    application.bot_data[SERVICES_KEY] = services
    return application, services


def run(settings: Settings) -> None:
    """Run until SIGINT/SIGTERM: long polling, or a webhook when KISBOT_WEBHOOK_URL is set.

    Local problems stop it at once; an unreachable Bot API is waited for (kisbot.runner).
    """
    asyncio.run(serve(settings, lambda: open_bot(settings)))


def main(argv: Sequence[str]) -> int:
    """`kisbot run`: the bot, configured by KISBOT_* variables (see the README)."""
    parser = argparse.ArgumentParser(
        prog="kisbot run",
        description="Run the Telegram bot (long polling, or a webhook when KISBOT_WEBHOOK_URL "
        "is set). Configuration comes from KISBOT_* environment variables.",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="run N bot processes behind the one webhook (needs KISBOT_WEBHOOK_URL and "
        "PostgreSQL); they share its port and coordinate through the database",
    )
    workers = parser.parse_args(list(argv)).workers
    configure_logging()
    try:
        settings = load_settings()
        if settings.telegram_token is None:
            raise ConfigError(
                "kisbot cannot start: KISBOT_TELEGRAM_TOKEN is not set "
                "(expected the bot token from @BotFather)."
            )
        check_workers(settings, workers)
        if workers > 1:
            return asyncio.run(run_workers(workers, settings))
        run(settings)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    except (StoreError, BotApiRefused) as error:
        print(f"kisbot cannot start: {error}", file=sys.stderr)
        return 1
    except KeysChanged as error:
        print(error, file=sys.stderr)
        return 1
    return 0
