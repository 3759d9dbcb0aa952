"""How an order notice reads, and the progress line its confirmation message is edited to."""

from __future__ import annotations

import contextlib
import logging

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import TelegramError

import handlers.texts.notices  # noqa: F401  (registers the texts)
from handlers.common import Context, core_of
from handlers.format import badge, cut_message, kst_time, number, price_of
from handlers.i18n import Markup, render
from handlers.trading_views import submitted_text, summary
from kisbot.confirmations import Intent
from kisbot.core import Core
from kisbot.kis.realtime import NoticeKind
from kisbot.notices import OrderNotice, Progress
from kisbot.orders import Submission, SubmitOutcome
from kisbot.securities import shown_code

logger = logging.getLogger(__name__)


def notice_text(locale: str, notice: OrderNotice) -> Markup:
    """The message of one notice: what happened, to which order, at what price."""
    key = notice.kind.value
    if notice.kind is NoticeKind.FILLED:
        key = "filled" if notice.progress is Progress.FILLED else "partial"
    side = render(locale, f"trading.side_{notice.side.value}") if notice.side else ""
    price = (
        price_of(locale, notice.code, notice.price)
        if notice.price
        else render(locale, "notices.market")
    )
    return render(
        locale,
        f"notices.{key}",
        badge=badge(locale, notice.environment),
        name=notice.name or notice.code,
        code=shown_code(notice.code),
        side=side,
        qty=number(notice.quantity),
        filled=number(notice.quantity),
        total=number(notice.order_quantity),
        price=price,
        order_no=notice.order_no,
        time=kst_time(notice.at),
    )


def progress_text(locale: str, intent: Intent) -> Markup:
    """The confirmation's last line: how far the order has got."""
    return render(
        locale,
        f"notices.progress_{intent.progress}",
        filled=number(intent.filled_quantity),
        total=number(intent.quantity or 0),
    )


async def show_progress(bot: Bot, core: Core, locale: str, intent_id: str | None) -> None:
    """Edit a submitted order's confirmation to show its progress; quiet when Telegram will
    not (deleted, too old, or unchanged: another notice got there first)."""
    intent = await core.confirmations.get(intent_id) if intent_id else None
    if intent is None or not intent.progress or intent.chat_id is None or not intent.message_id:
        return
    outcome = SubmitOutcome(Submission.SUBMITTED, intent.order_no, intent.msg_cd, intent.msg1)
    text = "\n".join(
        [
            await summary(core, locale, intent),
            submitted_text(locale, intent, outcome),
            progress_text(locale, intent),
        ]
    )
    with contextlib.suppress(TelegramError):
        await bot.edit_message_text(
            cut_message(text),
            chat_id=intent.chat_id,
            message_id=intent.message_id,
            parse_mode=ParseMode.HTML,
        )


async def watch_orders(context: Context) -> None:
    """The job: the polling half of fill notices (what it queues, the doorbell delivers)."""
    core = core_of(context)
    try:
        await core.notices.poll_round(
            core.realtime.notices_connection, lambda: context.application.running
        )
    except Exception as error:  # the next round reads again
        logger.error("order watch failed: %s", type(error).__name__)


async def plan_subscriptions(context: Context) -> None:
    """The job: bring every key's WebSocket registrations in line with keys and alerts, when
    something changed."""
    try:
        await core_of(context).realtime.refresh_if_nudged()
    except Exception as error:  # the next change, or the next round, plans again
        logger.error("real-time plan failed: %s", type(error).__name__)


async def rebalance_keys(context: Context) -> None:
    """The job (several processes on PostgreSQL): keep this process's share of the app keys."""
    try:
        await core_of(context).owners.rebalance()
    except Exception as error:  # the next round tries again; ownership reconnects itself
        logger.error("app-key rebalance failed: %s", type(error).__name__)
