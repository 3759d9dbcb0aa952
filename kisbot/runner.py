"""`kisbot run`'s event loop: everything local first, then the Bot API, retried until it answers.

PTB's `run_polling` calls getMe before anything else and gives up on the first network error
(two tracebacks, an unclosed session, exit 1), so a bot started before the network was up never
came up. Here the same documented steps run "manually" in our own loop, as PTB describes for
custom event loops (`initialize`, `post_init`, `Updater.start_polling`/`start_webhook`,
`start`, and the reverse to stop):

1. Local, no network: the settings (already validated), the webhook address, the run lock
   (`kisbot.store.runlock`: no key rotation under a running bot), the database reachable and
   migrated, the master key fitting the stored secrets. Any error ends the process at once.
2. The Bot API: an attempt that fails for a transient reason (connection refused, DNS, timeout,
   HTTP 5xx, 429) logs one line and is tried again after a capped exponential backoff with
   jitter, for as long as it takes. An invalid token, or any other refusal, ends the process
   with a message. The services arrive open in `bot_data`, so `post_init` only adds what needs
   the network; it is called again if it failed on the network, and must allow that.
3. Running: PTB's polling loop retries network errors itself; its error callback here logs one
   line instead of a traceback. If the run lock had to be taken again (PostgreSQL), the keys
   are checked again, and the bot stops if a rotation made them stale.
4. SIGTERM or SIGINT, at any point: stop (within 5 s, not waiting out PTB's pause between two
   failed polls) and return normally.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import signal
import socket
from collections.abc import Awaitable, Callable, Iterator
from urllib.parse import urlsplit

from telegram import Update
from telegram.error import BadRequest, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application, Updater

from kisbot.backoff import backoff_delays
from kisbot.config import ConfigError, Settings
from kisbot.services import Services
from kisbot.store.errors import StoreError
from kisbot.store.runlock import hold_run_lock

logger = logging.getLogger(__name__)

# PTB loggers that log a traceback for a failed Bot API call (see _OneLineErrors).
_PTB_LOGGERS = ("telegram.ext", "telegram.ext.Updater", "telegram.BaseRequest")
_RETRY_AFTER_SLACK = 0.5
_UPDATER_STOP_GRACE = 0.5
_PTB_POLLING_TASK = "Updater:start_polling:polling_task"  # the name PTB gives its polling task

OpenBot = Callable[[], Awaitable[tuple[Application, Services]]]


class BotApiRefused(Exception):
    """The Bot API answered, and refused to start this bot (not a network problem)."""


class KeysChanged(Exception):
    """The stored secrets no longer fit this bot's master keys, so it stopped."""

    def __init__(self, error: StoreError) -> None:
        super().__init__(
            "kisbot stopped: the database connection holding the run lock was lost for a while, "
            f"and the stored secrets no longer fit this bot's master key(s). {error}"
        )


async def serve(settings: Settings, open_bot: OpenBot) -> None:
    """Run the bot until SIGTERM or SIGINT.

    `open_bot` builds the Application with its services open (database migrated, keys checked)
    and makes no network call. Raises ConfigError, StoreError or BotApiRefused when the bot
    cannot start, and KeysChanged when it had to stop; each message says what to do.
    """
    stop = asyncio.Event()
    failure: list[StoreError] = []
    services: Services | None = None

    async def keys_still_fit() -> None:
        # The run lock was lost for a while (a database restart): a rotation may have run.
        if services is None:
            return
        try:
            await services.database.check_keys()
        except StoreError as error:
            logger.error("stopping: the stored secrets no longer fit this bot's master key(s)")
            failure.append(error)
            stop.set()

    with _stop_on_signals(stop), _one_line_errors():
        listener = _webhook_listener(settings)
        secret = _webhook_secret(settings)
        async with hold_run_lock(settings.resolved_database_url, on_regained=keys_still_fit):
            application, services = await open_bot()
            try:
                if not stop.is_set() and await _start(
                    application, settings, secret, listener, stop
                ):
                    logger.info("kisbot is running (%s)", _mode(settings))
                    _warn_if_open_to_anyone(settings)
                    await stop.wait()
            finally:
                await _shut_down(application)
    if failure:
        raise KeysChanged(failure[0])


def _warn_if_open_to_anyone(settings: Settings) -> None:
    if not settings.allowed_users:
        logger.warning(
            "KISBOT_ALLOWED_USERS is empty: anyone who finds this bot can store KIS keys on this "
            "server and use it; set it to your Telegram user id(s)"
        )


def _mode(settings: Settings) -> str:
    return f"webhook {settings.webhook_url}" if settings.webhook_url else "long polling"


def _webhook_listener(settings: Settings) -> socket.socket | None:
    """The webhook server's listening socket, bound now (a port in use is a local problem,
    found before any network call); ConfigError if it cannot be.

    It is bound with SO_REUSEPORT, so several `kisbot run` processes on one machine can serve
    one webhook URL: the kernel spreads Telegram's connections across them (README, "Several
    processes").
    """
    if not settings.webhook_url:
        return None
    host, port = settings.webhook_host_port
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        listener = socket.create_server((host, port), family=family, reuse_port=True)
    except OSError as error:
        raise ConfigError(_cannot_listen(settings, error)) from None
    listener.setblocking(False)
    return listener


def _webhook_secret(settings: Settings) -> str | None:
    """Telegram's secret_token for the webhook: KISBOT_WEBHOOK_SECRET, or a new one."""
    if not settings.webhook_url:
        return None
    if settings.webhook_secret is not None:
        return settings.webhook_secret.get_secret_value()
    return secrets.token_urlsafe(32)


def _cannot_listen(settings: Settings, error: OSError) -> str:
    return (
        f"kisbot cannot start: the webhook server cannot listen on KISBOT_WEBHOOK_LISTEN="
        f"{settings.webhook_listen} ({error.strerror or type(error).__name__}). Choose a free "
        "host:port, or stop what uses it."
    )


# -- starting --------------------------------------------------------------------------------


async def _start(
    application: Application,
    settings: Settings,
    secret: str | None,
    listener: socket.socket | None,
    stop: asyncio.Event,
) -> bool:
    """Bring the Bot API side up, retrying transient failures; False if told to stop first."""
    post_init_done = False

    async def attempt() -> None:
        nonlocal post_init_done
        await application.initialize()  # getMe; does nothing once it has succeeded
        if not post_init_done and application.post_init is not None:
            await application.post_init(application)  # setMyCommands
            post_init_done = True
        await _start_updater(application, settings, secret, listener)  # (delete|set)Webhook
        await application.start()

    delays = backoff_delays()
    attempts = 0
    while True:
        attempts += 1
        try:
            return await _unless_stopped(attempt(), stop)
        except InvalidToken:
            raise ConfigError(_token_refused(settings)) from None
        except TelegramError as error:
            if not _transient(error):
                raise BotApiRefused(
                    f"the Telegram Bot API refused to start the bot: {error.message}"
                ) from None
            delay = _delay_after(error, delays)
            logger.warning(
                "Telegram Bot API not reachable (%s); attempt %d, trying again in %.1f s",
                _describe(error),
                attempts,
                delay,
            )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
        if stop.is_set():
            return False


async def _start_updater(
    application: Application,
    settings: Settings,
    secret: str | None,
    listener: socket.socket | None,
) -> None:
    updater = application.updater
    assert updater is not None
    if updater.running:
        return
    if not settings.webhook_url:
        await updater.start_polling(
            allowed_updates=Update.ALL_TYPES,
            drop_pending_updates=False,
            error_callback=_log_polling_error,
        )
        return
    assert listener is not None
    try:
        await updater.start_webhook(
            unix=listener,  # PTB's name for "serve on this socket", TCP ones included
            url_path=urlsplit(settings.webhook_url).path.lstrip("/"),
            webhook_url=settings.webhook_url,
            secret_token=secret,
            allowed_updates=Update.ALL_TYPES,
        )
    except OSError as error:  # the port was taken after the check at start
        raise ConfigError(_cannot_listen(settings, error)) from None


def _transient(error: TelegramError) -> bool:
    """Whether trying again later may succeed: the network or Telegram's servers, not us."""
    if isinstance(error, RetryAfter):
        return True
    return isinstance(error, NetworkError) and not isinstance(error, BadRequest)


def _delay_after(error: TelegramError, delays: Iterator[float]) -> float:
    delay = next(delays)
    if isinstance(error, RetryAfter):
        retry_after = error.retry_after
        seconds = retry_after if isinstance(retry_after, int) else retry_after.total_seconds()
        delay = max(delay, seconds + _RETRY_AFTER_SLACK)
    return delay


def _token_refused(settings: Settings) -> str:
    where = (
        ""
        if urlsplit(settings.telegram_api_url).hostname == "api.telegram.org"
        else f" (or KISBOT_TELEGRAM_API_URL={settings.telegram_api_url} is not a Bot API server)"
    )
    return (
        "kisbot cannot start: Telegram refused the bot token in KISBOT_TELEGRAM_TOKEN: it is "
        f"wrong or was revoked{where}. Get the current token from @BotFather (/token)."
    )


def _describe(error: TelegramError) -> str:
    """The error in one line, for the log (PTB and AiohttpRequest keep the token out of it)."""
    return f"{type(error).__name__}: {error.message}".splitlines()[0]


def _log_polling_error(error: TelegramError) -> None:
    """Updater's error callback: PTB retries getUpdates itself, with growing pauses."""
    logger.warning("getUpdates failed (%s); PTB polls again shortly", _describe(error))


async def _unless_stopped(work: Awaitable[None], stop: asyncio.Event) -> bool:
    """Await `work` unless `stop` is set first (then cancel it); True if it completed."""
    task = asyncio.ensure_future(work)
    waiter = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiter.cancel()
        stopped = not task.done()
        if stopped:
            task.cancel()
            await asyncio.wait({task})
    if stopped:
        if not task.cancelled():
            task.exception()  # retrieved: what it failed with while stopping does not matter
        return False
    task.result()
    return True


# -- stopping --------------------------------------------------------------------------------


async def _shut_down(application: Application) -> None:
    """What run_polling does on its way out, for whatever part of the start-up happened."""
    updater = application.updater
    if updater is not None and updater.running:
        await _stop_updater(updater)
    if application.running:
        await application.stop()
        if application.post_stop is not None:
            await application.post_stop(application)
    await application.shutdown()
    # If getMe never succeeded the Application is not initialized and shutdown() skips the bot;
    # its request sessions are open all the same.
    await application.bot.shutdown()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)


async def _stop_updater(updater: Updater) -> None:
    """Updater.stop(), without waiting out PTB's pause between two failed getUpdates calls.

    PTB 22's retry loop sleeps between failed polls (up to 30 s) without watching its stop
    event (python-telegram-bot PR #5310), so during a Bot API outage stop() would wait out the
    pause. The pause is cancelled instead, as stop() itself cancels a poll in flight.
    """
    stopping = asyncio.ensure_future(updater.stop())
    done, _ = await asyncio.wait({stopping}, timeout=_UPDATER_STOP_GRACE)
    if not done:
        for task in asyncio.all_tasks():
            if task.get_name() == _PTB_POLLING_TASK:
                task.cancel()
    await stopping


@contextlib.contextmanager
def _stop_on_signals(stop: asyncio.Event) -> Iterator[None]:
    loop = asyncio.get_running_loop()
    installed = []

    def request_stop(signum: int) -> None:
        if not stop.is_set():
            logger.info("%s received; stopping", signal.Signals(signum).name)
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):  # not on Windows
            loop.add_signal_handler(signum, request_stop, signum)
            installed.append(signum)
    try:
        yield
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)


# -- logging ---------------------------------------------------------------------------------


class _OneLineErrors(logging.Filter):
    """PTB logs a traceback for every failed Bot API call of its start-up and shut-down.

    A failed start-up attempt is reported by `_start`, in one line, so PTB's own report of a
    transient error there (from its network retry loop, on the "telegram.ext" logger) is
    dropped; any other PTB record that carries an exception keeps its message, in one line,
    with the error's name and first line instead of the traceback.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if error is None:
            return True
        if record.name == "telegram.ext" and isinstance(error, TelegramError) and _transient(error):
            return False
        message = record.getMessage().splitlines()[0][:300]
        summary = str(error).splitlines()[0][:300] if str(error) else ""
        record.msg = f"{message} ({type(error).__name__}{': ' if summary else ''}{summary})"
        record.args = None
        record.exc_info = None
        record.exc_text = None
        return True


@contextlib.contextmanager
def _one_line_errors() -> Iterator[None]:
    one_line = _OneLineErrors()
    loggers = [logging.getLogger(name) for name in _PTB_LOGGERS]
    for ptb_logger in loggers:
        ptb_logger.addFilter(one_line)
    try:
        yield
    finally:
        for ptb_logger in loggers:
            ptb_logger.removeFilter(one_line)
