"""/buy, /sell, /orders, /cancel, /modify, their buttons, and settling lost answers.

Exactly-once lives in kisbot.confirmations and the store; this module asks, renders and
schedules. What the messages say is in handlers.trading_views. When an order's answer is lost,
a few one-off checks (RECONCILE_DELAYS apart, the last one concludes) settle it against today's
orders, and a slower repeating job (handlers.jobs) settles what an earlier run left unknown;
owners are told what became of their orders.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application

import handlers.texts.trading  # noqa: F401  (registers the texts)
from handlers.callbacks import CancelOrder, OrderPick
from handlers.choices import show_choices, show_picked
from handlers.common import Context, Turn, core_of, edit_message_at, locale_of
from handlers.confirm import KindView, ask, register_view
from handlers.format import badge
from handlers.trading_views import (
    change_text,
    ending,
    order_line,
    order_text,
    overseas_order_line,
    settled_note,
    submitted_text,
    summary,
)
from kisbot.confirmations import Intent, Press
from kisbot.core import Core
from kisbot.kis import Side
from kisbot.orders import CANCEL, MODIFY, ORDER, OrderChoices, Settled, Submission, SubmitOutcome

RECONCILE_DELAYS = (15.0, 45.0, 100.0)  # checks after a lost answer; the last one concludes
MAX_CANCEL_BUTTONS = 20


# -- commands ------------------------------------------------------------------------------


async def buy(turn: Turn) -> None:
    """/buy CODE|NAME QTY [PRICE] [krx|nxt|sor]: a summary with 확인/취소."""
    await _draft_order(turn, Side.BUY)


async def sell(turn: Turn) -> None:
    """/sell CODE|NAME QTY [PRICE] [krx|nxt|sor]: a summary with 확인/취소."""
    await _draft_order(turn, Side.SELL)


async def orders(turn: Turn) -> None:
    """/orders: today's orders with their state; open ones get a cancel button."""
    today = await turn.core.orders.todays_orders(turn.user_id)
    notes = [await settled_note(turn.core, turn.locale, s) for s in today.settled]
    notes += [
        turn.t("trading.checking", summary=await summary(turn.core, turn.locale, i))
        for i in today.unsettled
    ]
    await edit_settled(turn.context, turn.core, today.settled)
    env_badge = badge(turn.locale, today.environment)
    abroad = [overseas_order_line(turn.locale, record) for record in today.overseas]
    if abroad:
        abroad.insert(0, turn.t("trading.orders_overseas_title"))
    if not today.lines and not abroad:
        await turn.reply("\n".join([*notes, turn.t("trading.orders_empty", badge=env_badge)]))
        return
    if today.lines:
        lines = [turn.t("trading.orders_title", badge=env_badge)]
        lines += [order_line(turn.locale, line) for line in today.lines]
    else:
        lines = [turn.t("trading.orders_empty", badge=env_badge)]
    lines += abroad
    open_numbers = today.open_order_numbers + [
        record.order_no
        for record in today.overseas
        if record.remaining_quantity > 0 and record.exchange and record.exchange.is_us
    ]
    if open_numbers:
        lines.append(turn.t("trading.orders_hint"))
    buttons = [
        [(turn.t("trading.button_cancel_order", order_no=no), CancelOrder(no))]
        for no in open_numbers[:MAX_CANCEL_BUTTONS]
    ]
    await turn.reply("\n".join([*notes, *lines]), buttons)


async def cancel(turn: Turn) -> None:
    """/cancel ORDER_NO [QTY]: a confirmation, then the cancel of the open remainder."""
    draft = await turn.core.orders.draft_cancel(turn.user_id, turn.chat_id, turn.args)
    await ask(turn, draft.intent, change_text(turn, draft))


async def modify(turn: Turn) -> None:
    """/modify ORDER_NO PRICE: a confirmation showing old and new price, then the 정정."""
    draft = await turn.core.orders.draft_modify(turn.user_id, turn.chat_id, turn.args)
    await ask(turn, draft.intent, change_text(turn, draft))


async def _draft_order(turn: Turn, side: Side) -> None:
    found = await turn.core.orders.draft_order(turn.user_id, turn.chat_id, side, turn.args)
    if isinstance(found, OrderChoices):
        await show_choices(
            turn,
            found.choices,
            lambda security: OrderPick(
                side, security.key, found.quantity, found.price, found.venue
            ),
        )
        return
    await ask(turn, found.intent, order_text(turn, found))


# -- buttons -------------------------------------------------------------------------------


async def order_picked(turn: Turn, callback: OrderPick) -> None:
    """The stock picked from /buy's or /sell's choices: the confirmation of the same order."""
    draft = await turn.core.orders.draft_order_of(
        turn.user_id, turn.chat_id, callback.side, callback.code, callback.quantity,
        callback.price, venue=callback.venue,
    )  # fmt: skip
    await show_picked(turn, await turn.core.securities.security(callback.code))
    await ask(turn, draft.intent, order_text(turn, draft))


async def cancel_pressed(turn: Turn, callback: CancelOrder) -> None:
    """A cancel button of /orders: the confirmation of cancelling that order."""
    draft = await turn.core.orders.draft_cancel_of(turn.user_id, turn.chat_id, callback.order_no)
    await ask(turn, draft.intent, change_text(turn, draft))


# -- how the confirmations look --------------------------------------------------------------


async def _executed(turn: Turn, press: Press) -> tuple[str, str]:
    assert press.intent is not None and isinstance(press.result, SubmitOutcome)
    intent, outcome = press.intent, press.result
    head = await summary(turn.core, turn.locale, intent)
    text = f"{head}\n{submitted_text(turn.locale, intent, outcome)}"
    if outcome.submission is Submission.UNKNOWN:
        schedule_reconcile(turn.context.application, intent)
    toast = {
        Submission.SUBMITTED: "trading.toast_submitted",
        Submission.UNKNOWN: "trading.toast_unknown",
        Submission.FAILED: "trading.toast_failed",
    }.get(outcome.submission, "trading.toast_not_sent")
    return text, turn.t(toast)


def _view(accept: str, decline: str, declined: str) -> KindView:
    async def on_decline(core: Core, locale: str, intent: Intent) -> str:
        return await ending(core, locale, intent, declined)

    async def on_expiry(core: Core, locale: str, intent: Intent) -> str:
        return await ending(core, locale, intent, "trading.expired")

    return KindView(
        accept=accept,
        decline=decline,
        declined_toast=f"{declined}_toast",
        declined=on_decline,
        expired=on_expiry,
        executed=_executed,
        on_failure=schedule_reconcile,
    )


# -- settling lost answers -----------------------------------------------------------------


def schedule_reconcile(application: Application, intent: Intent, attempt: int = 0) -> None:
    """Check a lost answer against today's orders after RECONCILE_DELAYS[attempt] seconds."""
    if application.job_queue is None or attempt >= len(RECONCILE_DELAYS):
        return
    application.job_queue.run_once(
        _reconcile_one,
        RECONCILE_DELAYS[attempt],
        data={"intent": intent, "attempt": attempt},
        name=f"reconcile:{intent.id}",
    )


async def _reconcile_one(context: Context) -> None:
    assert context.job is not None and isinstance(context.job.data, dict)
    intent, attempt = context.job.data["intent"], context.job.data["attempt"]
    core = core_of(context)
    settled, still_unknown = await core.orders.reconcile(intent.id)
    await _tell_settled(context, core, settled)
    if not settled and still_unknown:
        schedule_reconcile(context.application, intent, attempt + 1)


async def reconcile_leftovers(context: Context) -> None:
    """The job: settle unknown outcomes no check waits for (an earlier run's, cut-off ones)."""
    core = core_of(context)
    await _tell_settled(context, core, await core.orders.reconcile_leftovers())


async def _tell_settled(context: Context, core: Core, settled: Sequence[Settled]) -> None:
    """Tell each owner what became of an order whose answer was lost."""
    await edit_settled(context, core, settled)
    for item in settled:
        if item.intent.chat_id is None:
            continue
        locale = await locale_of(core, item.intent.user_id)
        with contextlib.suppress(TelegramError):
            await context.bot.send_message(
                item.intent.chat_id,
                await settled_note(core, locale, item),
                parse_mode=ParseMode.HTML,
            )


async def edit_settled(context: Context, core: Core, settled: Sequence[Settled]) -> None:
    """Show on each settled confirmation's own message what became of it."""
    for item in settled:
        intent = item.intent
        if intent.chat_id is None or intent.message_id is None:
            continue
        locale = await locale_of(core, intent.user_id)
        text = "\n".join(
            [await summary(core, locale, intent), await settled_note(core, locale, item)]
        )
        await edit_message_at(context, intent.chat_id, intent.message_id, text)


register_view(ORDER, _view("trading.button_ok", "trading.button_no", "trading.declined"))
# A cancel's or modify's decline keeps the order: the buttons and the outcome must say so, not
# "취소" (which would read as "the order was cancelled").
for _kind in (CANCEL, MODIFY):
    register_view(
        _kind,
        _view(f"trading.button_{_kind}_ok", "trading.button_keep", "trading.kept"),
    )
