"""/buy, /sell, /orders, /cancel, /modify and the 확인/취소 buttons of their confirmations.

Buttons carry "ord:ok:<id>", "ord:no:<id>" (the confirmation id) and "ord:cx:<order_no>" (start
a cancel from /orders). Exactly-once lives in kisbot.orders and the store; this module parses
and wires. What the messages say is in handlers.trading_views; the jobs (a repeating one takes
the buttons off expired confirmations, a one-off check settles an order whose answer was lost)
are in handlers.trading_jobs.
"""

from __future__ import annotations

from telegram.ext import Application, CallbackQueryHandler, CommandHandler

import handlers.texts.trading  # noqa: F401  (registers the texts)
from handlers.common import Turn, button, command
from handlers.trading_jobs import (
    edit_settled,
    expire_confirmations,
    reconcile_leftovers,
    schedule_reconcile,
)
from handlers.trading_views import (
    badge,
    change_text,
    is_open,
    order_line,
    order_text,
    outcome_text,
    settled_note,
    summary,
)
from kisbot.kis import Side
from kisbot.orders import (
    REFUSED,
    Intent,
    Orders,
    Outcome,
    Verdict,
    parse_order_no,
    parse_price,
    parse_quantity,
)
from kisbot.problems import Problem

__all__ = ["register", "schedule_reconcile"]

PREFIX = "ord"
EXPIRE_INTERVAL = 2.0  # seconds between sweeps for expired confirmations
LEFTOVER_CHECK = 5.0  # after start: settle unknown outcomes left by an earlier run
LEFTOVER_INTERVAL = 300.0  # and again every 5 minutes: cut-off submits appear only later
MAX_CANCEL_BUTTONS = 20


# -- commands ------------------------------------------------------------------------------


@command("buy")
async def buy(turn: Turn) -> None:
    """/buy CODE QTY [PRICE]: a summary with 확인/취소."""
    await _draft_order(turn, Side.BUY)


@command("sell")
async def sell(turn: Turn) -> None:
    """/sell CODE QTY [PRICE]: a summary with 확인/취소."""
    await _draft_order(turn, Side.SELL)


@command("orders")
async def orders(turn: Turn) -> None:
    """/orders: today's orders with their state; open ones get a cancel button."""
    today = await Orders(turn.services).todays_orders(turn.user_id)
    notes = [await settled_note(turn.services, turn.locale, s) for s in today.settled]
    notes += [
        turn.t("trading.checking", summary=await summary(turn.services, turn.locale, i))
        for i in today.unsettled
    ]
    await edit_settled(turn.context, turn.services, today.settled)
    env_badge = badge(turn.locale, today.environment)
    if not today.records:
        await turn.reply("\n".join([*notes, turn.t("trading.orders_empty", badge=env_badge)]))
        return
    lines = [turn.t("trading.orders_title", badge=env_badge)]
    lines += [order_line(turn.locale, r, today.records) for r in today.records]
    open_numbers = [r.order_no for r in today.records if is_open(r, today.records)]
    if open_numbers:
        lines.append(turn.t("trading.orders_hint"))
    buttons = [
        [(turn.t("trading.button_cancel_order", order_no=no), f"{PREFIX}:cx:{no}")]
        for no in open_numbers[:MAX_CANCEL_BUTTONS]
    ]
    await turn.reply("\n".join([*notes, *lines]), buttons)


@command("cancel")
async def cancel(turn: Turn) -> None:
    """/cancel ORDER_NO [QTY]: a confirmation, then the cancel of the open remainder."""
    if not 1 <= len(turn.args) <= 2:
        raise Problem("trading.usage_cancel")
    order_no = parse_order_no(turn.args[0])
    quantity = parse_quantity(turn.args[1]) if len(turn.args) == 2 else None
    draft = await Orders(turn.services).draft_cancel(turn.user_id, turn.chat_id, order_no, quantity)
    await _send_confirmation(turn, draft.intent, change_text(turn, draft))


@command("modify")
async def modify(turn: Turn) -> None:
    """/modify ORDER_NO PRICE: a confirmation showing old and new price, then the 정정."""
    if len(turn.args) != 2:
        raise Problem("trading.usage_modify")
    order_no = parse_order_no(turn.args[0])
    price = parse_price(turn.args[1])
    if price is None:
        raise Problem("trading.usage_modify")
    draft = await Orders(turn.services).draft_modify(turn.user_id, turn.chat_id, order_no, price)
    await _send_confirmation(turn, draft.intent, change_text(turn, draft))


async def _draft_order(turn: Turn, side: Side) -> None:
    service = Orders(turn.services)
    code, name, quantity, price = await _read_order_args(turn, service, side)
    draft = await service.draft_order(turn.user_id, turn.chat_id, side, code, quantity, price, name)
    await _send_confirmation(turn, draft.intent, order_text(turn, draft))


async def _read_order_args(
    turn: Turn, service: Orders, side: Side
) -> tuple[str, str | None, int, int | None]:
    """(code, name, quantity, price) from CODE|NAME QTY [PRICE]; a name may have spaces."""
    args = turn.args
    if len(args) < 2:
        raise Problem("trading.usage_order", command=side.value)
    readings = [(args[:-2], args[-2], args[-1])] if len(args) >= 3 else []
    readings.append((args[:-1], args[-1], None))
    first: Problem | None = None
    for words, quantity_text, price_text in readings:
        try:
            quantity = parse_quantity(quantity_text)
            price = parse_price(price_text) if price_text is not None else None
            code, name = await service.resolve(" ".join(words))
        except Problem as problem:
            first = first or problem
            continue
        return code, name, quantity, price
    assert first is not None
    raise first


async def _send_confirmation(turn: Turn, intent: Intent, text: str) -> None:
    buttons = [
        [
            (turn.t("trading.button_ok"), f"{PREFIX}:ok:{intent.id}"),
            (turn.t("trading.button_no"), f"{PREFIX}:no:{intent.id}"),
        ]
    ]
    sent = await turn.reply(text, buttons)
    await Orders(turn.services).attach_message(intent.id, sent.chat_id, sent.message_id)


# -- buttons -------------------------------------------------------------------------------


@button(PREFIX)
async def order_button(turn: Turn) -> None:
    """ok: submit once; no: drop it; cx: start cancelling an order listed by /orders."""
    query = turn.update.callback_query
    _, action, argument = ((query.data if query else "") or "::").split(":", 2)
    if action == "ok":
        await _confirm(turn, argument)
    elif action == "no":
        await _decline(turn, argument)
    elif action == "cx":
        service = Orders(turn.services)
        draft = await service.draft_cancel(turn.user_id, turn.chat_id, parse_order_no(argument))
        await _send_confirmation(turn, draft.intent, change_text(turn, draft))
    else:
        await turn.answer(turn.t("common.stale_button"))


async def _confirm(turn: Turn, intent_id: str) -> None:
    try:
        outcome = await Orders(turn.services).confirm(intent_id, turn.user_id)
    except Exception:
        # A failure after the claim leaves the intent unknown: settle it like a lost answer.
        schedule_reconcile(turn.context.application, intent_id)
        raise
    if outcome.verdict in REFUSED:
        await _refuse(turn, outcome)
        return
    assert outcome.intent is not None
    await turn.edit(await outcome_text(turn.services, turn.locale, outcome))
    await turn.answer(turn.t(f"trading.toast_{_toast(outcome.verdict)}"))
    if outcome.verdict is Verdict.UNKNOWN:
        schedule_reconcile(turn.context.application, outcome.intent.id)


async def _decline(turn: Turn, intent_id: str) -> None:
    outcome = await Orders(turn.services).decline(intent_id, turn.user_id)
    if outcome.verdict in REFUSED:
        await _refuse(turn, outcome)
        return
    await turn.edit(await outcome_text(turn.services, turn.locale, outcome))
    await turn.answer(turn.t("trading.toast_declined"))


async def _refuse(turn: Turn, outcome: Outcome) -> None:
    """A press that changes nothing: a toast; an owner's late press also clears the buttons."""
    key = {Verdict.MISSING: "common.stale_button"}.get(outcome.verdict)
    await turn.answer(turn.t(key or f"trading.toast_{outcome.verdict.value}"))
    intent = outcome.intent
    if outcome.verdict is Verdict.EXPIRED and intent and intent.user_id == turn.user_id:
        await turn.edit(await outcome_text(turn.services, turn.locale, outcome))


def _toast(verdict: Verdict) -> str:
    return {
        Verdict.SUBMITTED: "submitted",
        Verdict.UNKNOWN: "unknown",
        Verdict.FAILED: "failed",
    }.get(verdict, "not_sent")


# -- registration --------------------------------------------------------------------------


def register(application: Application) -> None:
    """Add the commands, the button handler and the two jobs."""
    for name, callback in (
        ("buy", buy),
        ("sell", sell),
        ("orders", orders),
        ("cancel", cancel),
        ("modify", modify),
    ):
        application.add_handler(CommandHandler(name, callback))
    application.add_handler(CallbackQueryHandler(order_button, pattern=rf"^{PREFIX}:"))
    if application.job_queue is not None:
        application.job_queue.run_repeating(
            expire_confirmations, interval=EXPIRE_INTERVAL, first=1.0, name="expire-confirmations"
        )
        application.job_queue.run_repeating(
            reconcile_leftovers, LEFTOVER_INTERVAL, first=LEFTOVER_CHECK, name="reconcile"
        )
