"""/alert, /alerts, /unalert, the alert buttons, and the repeating job that ticks the engine.

One repeating JobQueue job per process ticks `kisbot.alerts.AlertEngine` every
KISBOT_ALERT_INTERVAL seconds and then delivers the outbox. Rounds (tick + delivery) never
overlap (a lock); APScheduler may start a second instance, which waits for the first and runs
right after it, so a tick that overruns stretches the next one instead of being dropped, and
any more are coalesced rather than piled up. A late tick is run however late it is.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
)
from telegram.warnings import PTBDeprecationWarning

import handlers.texts.alerts  # noqa: F401  (registers the texts)
from handlers.common import (
    SERVICES_KEY,
    SETTINGS_KEY,
    Buttons,
    Context,
    Turn,
    button,
    command,
    keyboard,
    locale_of,
)
from handlers.format import arrow, escape, kst_time, percent, won
from handlers.i18n import Markup, render
from kisbot.alerts.delivery import Attempt, Outcome, deliver_due
from kisbot.alerts.engine import AlertEngine
from kisbot.alerts.messages import FiredAlert
from kisbot.alerts.rules import parse_alert_number
from kisbot.alerts.service import AlertService, ListedAlert
from kisbot.config import Settings
from kisbot.problems import Problem
from kisbot.services import Services
from kisbot.store.models import Alert, OutboxMessage

logger = logging.getLogger(__name__)

ENGINE_KEY = "alert_job"
JOB_NAME = "alert-tick"
_LIST_BUTTONS = 40
_BUTTONS_PER_ROW = 4


# -- commands -----------------------------------------------------------------------------


@command("alert")
async def alert(turn: Turn) -> None:
    """Create a price alert: /alert CODE above|below PRICE [repeat], /alert CODE +N% [repeat]."""
    service = AlertService(turn.services)
    resumed = await _resumed_note(turn, service)
    created = await service.create(turn.user_id, turn.args)
    quote = created.quote
    text = turn.t(
        "alerts.created",
        number=created.alert.number,
        name=created.name or created.alert.code,
        code=created.alert.code,
        condition=condition_text(turn.locale, created.alert.kind, created.alert.threshold),
        repeat=turn.t("alerts.repeat_suffix") if created.alert.repeat else "",
        price=won(quote.price, turn.locale),
        change=Markup(f"{arrow(quote.change)} {percent(quote.change_rate)}"),
    )
    if created.holds_now:
        text = Markup(f"{text}\n{turn.t('alerts.holds_now')}")
    await turn.reply(resumed + text)


@command("alerts")
async def alerts(turn: Turn) -> None:
    """List the user's alerts with their state and a remove button each."""
    service = AlertService(turn.services)
    resumed = await _resumed_note(turn, service)
    listed = await service.list_alerts(turn.user_id)
    if not listed:
        await turn.reply(resumed + turn.t("alerts.list_empty"))
        return
    lines = [turn.t("alerts.list_title")]
    lines += [_list_line(turn, item) for item in listed]
    numbers = [item.alert.number for item in listed][:_LIST_BUTTONS]
    buttons = [
        [
            (render(turn.locale, "alerts.remove_button", number=n), f"al:rm:{n}")
            for n in numbers[start : start + _BUTTONS_PER_ROW]
        ]
        for start in range(0, len(numbers), _BUTTONS_PER_ROW)
    ]
    await turn.reply(resumed + "\n".join(lines), buttons)


@command("unalert")
async def unalert(turn: Turn) -> None:
    """Remove one alert by its short id: /unalert ID."""
    service = AlertService(turn.services)
    resumed = await _resumed_note(turn, service)
    number = parse_alert_number(turn.args)
    await service.remove(turn.user_id, number)
    await turn.reply(resumed + turn.t("alerts.removed", number=number))


@button("al")
async def alert_button(turn: Turn) -> None:
    """al:rm:<number> removes the presser's alert; al:px:<code> shows the price as a toast."""
    query = turn.update.callback_query
    data = (query.data or "") if query else ""
    _, action, arg = [*data.split(":", 2), "", ""][:3]
    if action == "rm" and arg.isdigit():
        await AlertService(turn.services).remove(turn.user_id, int(arg))
        await turn.say(turn.t("alerts.removed", number=int(arg)))
    elif action == "px" and arg:
        await turn.say(await _price_toast(turn, arg))
    else:
        await turn.say(turn.t("common.stale_button"))


async def _price_toast(turn: Turn, code: str) -> Markup:
    credential = await turn.services.database.credentials.get_active(turn.user_id)
    if credential is None:
        raise Problem("common.no_credential")
    quote = await turn.services.kis.client(credential).quote(code)
    directory = await turn.services.symbols.get()
    symbol = directory.by_code(code)
    return turn.t(
        "alerts.price_toast",
        name=symbol.name if symbol else code,
        code=code,
        price=won(quote.price, turn.locale),
        arrow=arrow(quote.change),
        change=percent(quote.change_rate),
        time=kst_time(quote.as_of),
    )


async def _resumed_note(turn: Turn, service: AlertService) -> Markup:
    """The user is writing to the bot again: alerts paused while they had blocked it resume."""
    count = await service.resume(turn.user_id)
    return Markup(f"{turn.t('alerts.resumed', count=count)}\n\n") if count else Markup("")


def _list_line(turn: Turn, item: ListedAlert) -> str:
    a = item.alert
    name = Markup(f"<b>{escape(item.name)}</b> ({a.code})") if item.name else Markup(a.code)
    condition = condition_text(turn.locale, a.kind, a.threshold)
    repeat = turn.t("alerts.repeat_suffix") if a.repeat else ""
    return f"#{a.number} {name} {condition}{repeat} · {_state_text(turn, a)}"


def _state_text(turn: Turn, a: Alert) -> Markup:
    if a.state == "paused":
        return turn.t("alerts.state_paused")
    if a.state == "fired" and a.last_fired_at is not None:
        key = "alerts.state_rearming" if a.repeat else "alerts.state_fired"
        return turn.t(key, time=kst_time(a.last_fired_at))
    return turn.t("alerts.state_active")


def condition_text(locale: str, kind: str, threshold: Decimal) -> Markup:
    """'72,000원 이상', '+5.00% from the previous close', in the user's language."""
    if kind == "percent":
        return render(locale, "alerts.percent", percent=percent(threshold))
    return render(locale, f"alerts.{kind}", price=won(threshold, locale))


# -- delivery -----------------------------------------------------------------------------


def fired_text(locale: str, fired: FiredAlert) -> tuple[Markup, Buttons]:
    """The alert message and its buttons (price again, remove the alert)."""
    text = render(
        locale,
        "alerts.fired",
        name=fired.name or fired.code,
        code=fired.code,
        price=won(fired.price, locale),
        arrow=arrow(fired.price - fired.prev_close),
        change=percent(fired.change_rate),
        condition=condition_text(locale, fired.kind, fired.threshold),
        number=fired.number,
        repeat=render(locale, "alerts.repeat_suffix") if fired.repeat else "",
        time=kst_time(fired.fired_at, with_date=True),
    )
    buttons = [
        [
            (render(locale, "alerts.button_price"), f"al:px:{fired.code}"),
            (render(locale, "alerts.button_remove"), f"al:rm:{fired.number}"),
        ]
    ]
    return text, buttons


async def send_alert_message(bot: Bot, services: Services, message: OutboxMessage) -> Attempt:
    """One delivery attempt, rendered in the user's language now; says how it went."""
    locale = await locale_of(services, message.user_id)
    if message.payload:
        text, buttons = fired_text(locale, FiredAlert.from_json(message.payload))
    else:
        text, buttons = Markup(escape(message.text)), []
    if message.possible_repeat:  # its process died mid-send: it may have arrived already
        text = Markup(f"{text}\n{render(locale, 'alerts.possible_repeat')}")
    try:
        await bot.send_message(
            message.chat_id, text, parse_mode=ParseMode.HTML, reply_markup=keyboard(buttons)
        )
    except Forbidden:
        return Attempt(Outcome.BLOCKED, "Forbidden")
    except BadRequest as error:
        if "chat not found" in error.message.lower():
            # The user deleted the chat or their account: like a block, hold it until they return.
            return Attempt(Outcome.BLOCKED, "ChatNotFound")
        return Attempt(Outcome.RETRY, "BadRequest")
    except RetryAfter as error:
        with warnings.catch_warnings():  # PTB warns that retry_after becomes a timedelta
            warnings.simplefilter("ignore", PTBDeprecationWarning)
            wait = _seconds(error.retry_after)
        return Attempt(Outcome.RETRY, "RetryAfter", wait)
    except TelegramError as error:
        return Attempt(Outcome.RETRY, type(error).__name__)
    return Attempt(Outcome.SENT)


@dataclass(slots=True)
class AlertJob:
    """This process's alert round: the engine, the lock that keeps rounds from overlapping,
    and how many rounds (tick + delivery) have finished."""

    engine: AlertEngine
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    rounds: int = 0


def alert_job(application: Application) -> AlertJob:
    """This process's alert job state, made from the services on first use."""
    job = application.bot_data.get(ENGINE_KEY)
    if job is None:
        services: Services = application.bot_data[SERVICES_KEY]
        engine = AlertEngine(
            services.database,
            services.kis,
            services.calendar,
            services.clock,
            symbols=services.symbols,
            market_hours_only=services.settings.market_hours_only,
        )
        job = application.bot_data[ENGINE_KEY] = AlertJob(engine)
    return job


async def tick_alerts(context: Context) -> None:
    """The job: tick the engine, then deliver the outbox (also when the tick failed)."""
    services: Services | None = context.application.bot_data.get(SERVICES_KEY)
    if services is None:
        return
    job = alert_job(context.application)
    async with job.lock:
        try:
            await job.engine.tick(lambda: context.application.running)
        except Exception as error:
            logger.error("alert tick failed: %s", type(error).__name__)
        await _deliver(context.bot, services)
        job.rounds += 1


async def _deliver(bot: Bot, services: Services) -> None:
    try:
        report = await deliver_due(
            services.database,
            lambda message: send_alert_message(bot, services, message),
            services.clock,
        )
    except Exception as error:  # the outbox keeps everything; the next round tries again
        logger.error("alert delivery failed: %s", type(error).__name__)
        return
    if report.sent or report.retried or report.blocked:
        logger.info(
            "alert delivery: %d sent, %d to retry, %d held (blocked)",
            report.sent,
            report.retried,
            report.blocked,
        )


def _seconds(value: float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def register(application: Application) -> None:
    """Add the alert commands and buttons, and the one repeating job that ticks alerts."""
    application.add_handler(CommandHandler("alert", alert))
    application.add_handler(CommandHandler("alerts", alerts))
    application.add_handler(CommandHandler("unalert", unalert))
    application.add_handler(CallbackQueryHandler(alert_button, pattern=r"^al:"))
    settings: Settings = application.bot_data[SETTINGS_KEY]
    if application.job_queue is None:  # pragma: no cover - the job-queue extra is installed
        logger.warning("no JobQueue: alerts will not be checked")
        return
    application.job_queue.run_repeating(
        tick_alerts,
        interval=settings.alert_interval,
        name=JOB_NAME,
        job_kwargs={
            "misfire_grace_time": None,  # a late tick runs, however late
            "coalesce": True,  # several missed ticks run once
            "max_instances": 2,  # one running, one waiting on the engine's lock
        },
    )
