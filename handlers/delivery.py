"""The alert round (check, then deliver) and delivering the outbox to Telegram: fired alerts
and order notices, each rendered in the user's language when sent.

One repeating JobQueue job per process (registered in handlers.jobs) runs `alert_round` every
KISBOT_ALERT_INTERVAL seconds. Rounds never overlap (a lock); APScheduler may start a second
instance, which waits for the first and runs right after it, so a round that overruns stretches
the next one instead of being dropped, and any more are coalesced rather than piled up.

The alert round delivers after each check; the doorbell job delivers within a moment of this
process queueing something (a fill notice, an alert a WebSocket tick fired). Two deliveries at
once are safe: each message is owned for its send (kisbot.delivery).
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from telegram import Bot, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application
from telegram.warnings import PTBDeprecationWarning

from handlers.alerts import fired_text
from handlers.common import CORE_KEY, Buttons, Context, core_of, keyboard, locale_of
from handlers.format import escape
from handlers.i18n import Markup, render
from handlers.notices import notice_text, show_progress
from kisbot.core import Core
from kisbot.delivery import Attempt, Outcome, PushMessage

logger = logging.getLogger(__name__)

DOORBELL_CHECK = 5.0  # seconds a wait for the doorbell lasts before it looks again
ROUND_KEY = "alert_round"


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
        # Prices moved: the codes nearest to firing may have changed.
        core.realtime.nudge(reload=False)
        await deliver_outbox(context.bot, core, lambda: context.application.running)
        state.rounds += 1


async def deliver_on_ring(application: Application) -> None:
    """Deliver as soon as this process queues something (the doorbell), until cancelled."""
    core: Core = application.bot_data[CORE_KEY]
    while True:
        if await core.doorbell.wait(DOORBELL_CHECK):
            await deliver_outbox(application.bot, core, lambda: application.running)


async def send_push(bot: Bot, core: Core, message: PushMessage) -> Attempt:
    """One delivery attempt of an outbox message (a fired alert or an order notice), rendered
    in the user's language now; says how it went."""
    locale = await locale_of(core, message.user_id)
    buttons: Buttons = []
    if message.fired is not None:
        text, buttons = fired_text(locale, message.fired)
    elif message.notice is not None:
        text = notice_text(locale, message.notice)
    else:
        text = Markup(escape(message.text))
    if message.possible_repeat:  # its process died mid-send: it may have arrived already
        text = Markup(f"{text}\n{render(locale, 'alerts.possible_repeat')}")
    try:
        await bot.send_message(
            message.chat_id,
            text,
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard(buttons),
            reply_parameters=_reply_to(message.reply_to_message_id),
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
    if message.notice is not None:
        await show_progress(bot, core, locale, message.notice.intent_id)
    return Attempt(Outcome.SENT)


def _reply_to(message_id: int | None) -> ReplyParameters | None:
    # The confirmation may be gone (deleted by the user): send the notice all the same.
    if message_id is None:
        return None
    return ReplyParameters(message_id, allow_sending_without_reply=True)


async def deliver_outbox(bot: Bot, core: Core, keep_going: Callable[[], bool]) -> None:
    """Send every due outbox message this process can claim (until `keep_going` says stop)."""
    try:
        report = await core.delivery.deliver(
            lambda message: send_push(bot, core, message), keep_going
        )
    except Exception as error:  # the outbox keeps everything; the next round tries again
        logger.error("outbox delivery failed: %s", type(error).__name__)
        return
    if report.sent or report.retried or report.blocked:
        logger.info(
            "outbox delivery: %d sent, %d to retry, %d held (blocked)",
            report.sent,
            report.retried,
            report.blocked,
        )


def _seconds(value: float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
