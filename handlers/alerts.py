"""/alert, /alerts, /unalert, the alert buttons, and the round that checks and delivers alerts.

One repeating JobQueue job per process (registered in handlers.jobs) runs `alert_round` every
KISBOT_ALERT_INTERVAL seconds: the core checks the alerts, then this module sends what the
outbox hands it. Rounds never overlap (a lock); APScheduler may start a second instance, which
waits for the first and runs right after it, so a round that overruns stretches the next one
instead of being dropped, and any more are coalesced rather than piled up.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application
from telegram.warnings import PTBDeprecationWarning

import handlers.texts.alerts  # noqa: F401  (registers the texts)
from handlers.callbacks import AlertPick, AlertPrice, AlertRemove
from handlers.choices import show_choices, show_picked
from handlers.common import Buttons, Context, Turn, core_of, keyboard, locale_of
from handlers.format import arrow, escape, kst_time, percent, won
from handlers.i18n import Markup, render
from kisbot.alerts.delivery import AlertMessage, Attempt, Outcome
from kisbot.alerts.messages import FiredAlert
from kisbot.alerts.rules import AlertKind
from kisbot.alerts.service import AlertChoices, AlertState, AlertView, CreatedAlert
from kisbot.core import Core

logger = logging.getLogger(__name__)

ROUND_KEY = "alert_round"
_LIST_BUTTONS = 40
_BUTTONS_PER_ROW = 4


# -- commands -----------------------------------------------------------------------------


async def alert(turn: Turn) -> None:
    """Create a price alert: /alert CODE above|below PRICE [repeat], /alert CODE +N% [repeat]."""
    resumed = await _resumed_note(turn)
    found = await turn.core.alerts.create(turn.user_id, turn.args)
    if isinstance(found, AlertChoices):
        request = found.request
        await show_choices(turn, found.choices, lambda s: AlertPick(s.code, request))
        return
    await turn.reply(resumed + created_text(turn, found))


async def alerts(turn: Turn) -> None:
    """List the user's alerts with their state and a remove button each."""
    resumed = await _resumed_note(turn)
    listed = await turn.core.alerts.list(turn.user_id)
    if not listed:
        await turn.reply(resumed + turn.t("alerts.list_empty"))
        return
    lines = [turn.t("alerts.list_title")]
    lines += [_list_line(turn, item) for item in listed]
    numbers = [item.number for item in listed][:_LIST_BUTTONS]
    buttons: Buttons = [
        [
            (turn.t("alerts.remove_button", number=n), AlertRemove(n))
            for n in numbers[start : start + _BUTTONS_PER_ROW]
        ]
        for start in range(0, len(numbers), _BUTTONS_PER_ROW)
    ]
    await turn.reply(resumed + "\n".join(lines), buttons)


async def unalert(turn: Turn) -> None:
    """Remove one alert by its short id: /unalert ID."""
    resumed = await _resumed_note(turn)
    number = await turn.core.alerts.remove(turn.user_id, turn.args)
    await turn.reply(resumed + turn.t("alerts.removed", number=number))


async def alert_picked(turn: Turn, callback: AlertPick) -> None:
    """The stock picked from /alert's choices: the same alert on it."""
    created = await turn.core.alerts.create_for(turn.user_id, callback.code, callback.request)
    await show_picked(turn, await turn.core.securities.security(callback.code))
    await turn.reply(created_text(turn, created))


async def alert_removed(turn: Turn, callback: AlertRemove) -> None:
    """A remove button (of /alerts or of a fired alert)."""
    await turn.core.alerts.remove_number(turn.user_id, callback.number)
    await turn.say(turn.t("alerts.removed", number=callback.number))


async def _resumed_note(turn: Turn) -> Markup:
    """The user is writing to the bot again: alerts paused while they had blocked it resume."""
    count = await turn.core.alerts.resume(turn.user_id)
    return Markup(f"{turn.t('alerts.resumed', count=count)}\n\n") if count else Markup("")


def created_text(turn: Turn, created: CreatedAlert) -> Markup:
    view, quote = created.alert, created.quote
    text = turn.t(
        "alerts.created",
        number=view.number,
        name=view.name or view.code,
        code=view.code,
        condition=condition_text(turn.locale, view.kind, view.threshold),
        repeat=turn.t("alerts.repeat_suffix") if view.repeat else "",
        price=won(quote.price, turn.locale),
        change=Markup(f"{arrow(quote.change)} {percent(quote.change_rate)}"),
    )
    if created.holds_now:
        text = Markup(f"{text}\n{turn.t('alerts.holds_now')}")
    return text


def _list_line(turn: Turn, item: AlertView) -> str:
    name = Markup(f"<b>{escape(item.name)}</b> ({item.code})") if item.name else Markup(item.code)
    condition = condition_text(turn.locale, item.kind, item.threshold)
    repeat = turn.t("alerts.repeat_suffix") if item.repeat else ""
    return f"#{item.number} {name} {condition}{repeat} · {_state_text(turn, item)}"


def _state_text(turn: Turn, item: AlertView) -> Markup:
    if item.state in (AlertState.FIRED, AlertState.REARMING) and item.fired_at is not None:
        return turn.t(f"alerts.state_{item.state.value}", time=kst_time(item.fired_at))
    return turn.t(f"alerts.state_{item.state.value}")


def condition_text(locale: str, kind: str, threshold: Decimal) -> Markup:
    """'72,000원 이상', '+5.00% from the previous close', in the user's language."""
    if kind == AlertKind.PERCENT:
        return render(locale, "alerts.percent", percent=percent(threshold))
    return render(locale, f"alerts.{kind}", price=won(threshold, locale))


# -- the round: check, then deliver -------------------------------------------------------


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
    buttons: Buttons = [
        [
            (render(locale, "alerts.button_price"), AlertPrice(fired.code)),
            (render(locale, "alerts.button_remove"), AlertRemove(fired.number)),
        ]
    ]
    return text, buttons


async def send_alert_message(bot: Bot, core: Core, message: AlertMessage) -> Attempt:
    """One delivery attempt, rendered in the user's language now; says how it went."""
    locale = await locale_of(core, message.user_id)
    if message.fired is not None:
        text, buttons = fired_text(locale, message.fired)
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
    except TimedOut:
        # The request went out and no answer came: Telegram may have delivered it.
        return Attempt(Outcome.RETRY, "TimedOut", maybe_delivered=True)
    except RetryAfter as error:
        with warnings.catch_warnings():  # PTB warns that retry_after becomes a timedelta
            warnings.simplefilter("ignore", PTBDeprecationWarning)
            wait = _seconds(error.retry_after)
        return Attempt(Outcome.RETRY, "RetryAfter", wait)
    except TelegramError as error:
        return Attempt(Outcome.RETRY, type(error).__name__)
    return Attempt(Outcome.SENT)


@dataclass(slots=True)
class AlertRound:
    """This process's alert rounds: the lock that keeps them from overlapping, and how many
    rounds (checks + delivery) have finished."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    rounds: int = 0


def alert_round_state(application: Application) -> AlertRound:
    """This process's alert round state (made on first use)."""
    state = application.bot_data.get(ROUND_KEY)
    if state is None:
        state = application.bot_data[ROUND_KEY] = AlertRound()
    return state


async def alert_round(context: Context) -> None:
    """The job: check the alerts, then deliver the outbox (also when the check failed)."""
    core = core_of(context)
    state = alert_round_state(context.application)
    async with state.lock:
        try:
            await core.alerts.check(lambda: context.application.running)
        except Exception as error:
            logger.error("alert check failed: %s", type(error).__name__)
        await _deliver(context.bot, core, lambda: context.application.running)
        state.rounds += 1


async def _deliver(bot: Bot, core: Core, keep_going: Callable[[], bool]) -> None:
    try:
        report = await core.alerts.deliver(
            lambda message: send_alert_message(bot, core, message), keep_going
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
