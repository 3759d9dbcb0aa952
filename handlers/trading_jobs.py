"""The trading JobQueue callbacks: take buttons off expired confirmations, settle lost answers.

A repeating job sweeps expired confirmations; a one-off check per lost answer settles it against
today's orders (RECONCILE_DELAYS apart, the last one concludes), and a slower repeating check
(from shortly after start) settles what an earlier run left unknown, including submissions a
process died in the middle of. Owners are told what became of their orders.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes

from handlers.common import Context, locale_of, services_of
from handlers.i18n import render
from handlers.trading_views import outcome_text, settled_note, summary
from kisbot.orders import Orders, Outcome, Settled, Verdict
from kisbot.services import Services

RECONCILE_DELAYS = (15.0, 45.0, 100.0)  # checks after a lost answer; the last one concludes


async def expire_confirmations(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Take the buttons off every confirmation that expired unanswered."""
    services = services_of(context)
    for expired in await Orders(services).expire_due():
        if expired.chat_id is None or expired.message_id is None:
            continue
        locale = await locale_of(services, expired.user_id)
        if expired.intent is not None:
            outcome = Outcome(Verdict.EXPIRED, expired.intent)
            text = await outcome_text(services, locale, outcome)
        else:
            text = render(locale, "trading.expired_generic")
        await _edit_message(context, expired.chat_id, expired.message_id, text)


def schedule_reconcile(application: Application, intent_id: str, attempt: int = 0) -> None:
    """Check a lost answer against today's orders after RECONCILE_DELAYS[attempt] seconds."""
    if application.job_queue is None or attempt >= len(RECONCILE_DELAYS):
        return
    application.job_queue.run_once(
        _reconcile_one,
        RECONCILE_DELAYS[attempt],
        data={"id": intent_id, "attempt": attempt},
        name=f"reconcile:{intent_id}",
    )


async def _reconcile_one(context: ContextTypes.DEFAULT_TYPE) -> None:
    assert context.job is not None
    data = context.job.data
    assert isinstance(data, dict)
    services = services_of(context)
    service = Orders(services)
    settled = await service.reconcile(intent_id=data["id"])
    await _tell_settled(context, services, settled)
    intent = await service.intent(data["id"])
    if not settled and intent is not None and intent.state == "unknown":
        schedule_reconcile(context.application, data["id"], data["attempt"] + 1)


async def reconcile_leftovers(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Settle unknown outcomes no check is waiting for: an earlier run's, and cut-off submits."""
    services = services_of(context)
    orders = Orders(services)
    await orders.recover_cut_off()
    await _tell_settled(context, services, await orders.reconcile())


async def _tell_settled(context: Context, services: Services, settled: Sequence[Settled]) -> None:
    """Tell each owner what became of an order whose answer was lost."""
    await edit_settled(context, services, settled)
    for item in settled:
        if item.intent.chat_id is None:
            continue
        locale = await locale_of(services, item.intent.user_id)
        with contextlib.suppress(TelegramError):
            await context.bot.send_message(
                item.intent.chat_id,
                await settled_note(services, locale, item),
                parse_mode=ParseMode.HTML,
            )


async def edit_settled(context: Context, services: Services, settled: Sequence[Settled]) -> None:
    """Show on each settled confirmation's own message what became of it."""
    for item in settled:
        intent = item.intent
        if intent.chat_id is None or intent.message_id is None:
            continue
        locale = await locale_of(services, intent.user_id)
        text = "\n".join(
            [await summary(services, locale, intent), await settled_note(services, locale, item)]
        )
        await _edit_message(context, intent.chat_id, intent.message_id, text)


async def _edit_message(context: Context, chat_id: int, message_id: int, text: str) -> None:
    with contextlib.suppress(TelegramError):  # deleted, too old, or not modified
        await context.bot.edit_message_text(
            text, chat_id=chat_id, message_id=message_id, parse_mode=ParseMode.HTML
        )
