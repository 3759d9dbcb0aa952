"""/buy, /sell, /orders, /cancel, /modify and the 확인/취소 buttons of their confirmations.

Buttons carry "ord:ok:<id>", "ord:no:<id>" (the confirmation id) and "ord:cx:<order_no>" (start
a cancel from /orders). Exactly-once lives in kisbot.orders and the store; this module parses,
renders and schedules: a repeating job takes the buttons off expired confirmations, and a
one-off check settles an order whose answer was lost.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

import handlers.texts.trading  # noqa: F401  (registers the texts)
from handlers.common import Context, Turn, button, command, locale_of, services_of
from handlers.format import kst_time, number, won
from handlers.i18n import Markup, render
from kisbot.kis import Environment, OrderRecord, Side
from kisbot.orders import (
    MODIFY,
    ORDER,
    REFUSED,
    ChangeDraft,
    Intent,
    OrderDraft,
    Orders,
    Outcome,
    Settled,
    Verdict,
    parse_order_no,
    parse_price,
    parse_quantity,
)
from kisbot.problems import Problem
from kisbot.services import Services

logger = logging.getLogger(__name__)

PREFIX = "ord"
EXPIRE_INTERVAL = 2.0  # seconds between sweeps for expired confirmations
RECONCILE_DELAYS = (15.0, 45.0, 100.0)  # checks after a lost answer; the last one concludes
LEFTOVER_CHECK = 5.0  # after start: settle unknown outcomes left by an earlier run
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
    notes = [await _settled_note(turn.services, turn.locale, s) for s in today.settled]
    notes += [
        turn.t("trading.checking", summary=await _summary(turn.services, turn.locale, i))
        for i in today.unsettled
    ]
    await _edit_settled(turn.context, turn.services, today.settled)
    badge = _badge(turn.locale, today.environment)
    if not today.records:
        await turn.reply("\n".join([*notes, turn.t("trading.orders_empty", badge=badge)]))
        return
    lines = [turn.t("trading.orders_title", badge=badge)]
    lines += [_order_line(turn.locale, r, today.records) for r in today.records]
    open_numbers = [r.order_no for r in today.records if _is_open(r, today.records)]
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
    await _send_confirmation(turn, draft.intent, _change_text(turn, draft))


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
    await _send_confirmation(turn, draft.intent, _change_text(turn, draft))


async def _draft_order(turn: Turn, side: Side) -> None:
    service = Orders(turn.services)
    code, name, quantity, price = await _read_order_args(turn, service, side)
    draft = await service.draft_order(turn.user_id, turn.chat_id, side, code, quantity, price, name)
    await _send_confirmation(turn, draft.intent, _order_text(turn, draft))


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
        await _send_confirmation(turn, draft.intent, _change_text(turn, draft))
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
    await turn.edit(await _outcome_text(turn.services, turn.locale, outcome))
    await turn.answer(turn.t(f"trading.toast_{_toast(outcome.verdict)}"))
    if outcome.verdict is Verdict.UNKNOWN:
        schedule_reconcile(turn.context.application, outcome.intent.id)


async def _decline(turn: Turn, intent_id: str) -> None:
    outcome = await Orders(turn.services).decline(intent_id, turn.user_id)
    if outcome.verdict in REFUSED:
        await _refuse(turn, outcome)
        return
    await turn.edit(await _outcome_text(turn.services, turn.locale, outcome))
    await turn.answer(turn.t("trading.toast_declined"))


async def _refuse(turn: Turn, outcome: Outcome) -> None:
    """A press that changes nothing: a toast; an owner's late press also clears the buttons."""
    key = {Verdict.MISSING: "common.stale_button"}.get(outcome.verdict)
    await turn.answer(turn.t(key or f"trading.toast_{outcome.verdict.value}"))
    intent = outcome.intent
    if outcome.verdict is Verdict.EXPIRED and intent and intent.user_id == turn.user_id:
        await turn.edit(await _outcome_text(turn.services, turn.locale, outcome))


def _toast(verdict: Verdict) -> str:
    return {
        Verdict.SUBMITTED: "submitted",
        Verdict.UNKNOWN: "unknown",
        Verdict.FAILED: "failed",
    }.get(verdict, "not_sent")


# -- jobs ----------------------------------------------------------------------------------


async def expire_confirmations(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Take the buttons off every confirmation that expired unanswered."""
    services = services_of(context)
    for expired in await Orders(services).expire_due():
        if expired.chat_id is None or expired.message_id is None:
            continue
        locale = await locale_of(services, expired.user_id)
        if expired.intent is not None:
            outcome = Outcome(Verdict.EXPIRED, expired.intent)
            text = await _outcome_text(services, locale, outcome)
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
    """Settle the unknown outcomes an earlier run left behind."""
    services = services_of(context)
    await _tell_settled(context, services, await Orders(services).reconcile())


async def _tell_settled(context: Context, services: Services, settled: Sequence[Settled]) -> None:
    """Tell each owner what became of an order whose answer was lost."""
    await _edit_settled(context, services, settled)
    for item in settled:
        if item.intent.chat_id is None:
            continue
        locale = await locale_of(services, item.intent.user_id)
        with contextlib.suppress(TelegramError):
            await context.bot.send_message(
                item.intent.chat_id,
                await _settled_note(services, locale, item),
                parse_mode=ParseMode.HTML,
            )


async def _edit_settled(context: Context, services: Services, settled: Sequence[Settled]) -> None:
    for item in settled:
        intent = item.intent
        if intent.chat_id is None or intent.message_id is None:
            continue
        locale = await locale_of(services, intent.user_id)
        text = "\n".join(
            [await _summary(services, locale, intent), await _settled_note(services, locale, item)]
        )
        await _edit_message(context, intent.chat_id, intent.message_id, text)


async def _edit_message(context: Context, chat_id: int, message_id: int, text: str) -> None:
    with contextlib.suppress(TelegramError):  # deleted, too old, or not modified
        await context.bot.edit_message_text(
            text, chat_id=chat_id, message_id=message_id, parse_mode=ParseMode.HTML
        )


# -- rendering -----------------------------------------------------------------------------


def _order_text(turn: Turn, draft: OrderDraft) -> str:
    intent, locale = draft.intent, turn.locale
    quantity = intent.quantity or 0
    lines = [
        turn.t("trading.title_order", badge=_badge(locale, intent.environment),
               side=_side(locale, intent.side)),
        turn.t("trading.line_stock", name=draft.name or intent.code, code=intent.code),
        turn.t("trading.line_quantity", qty=_shares(locale, quantity)),
    ]  # fmt: skip
    if draft.is_market:
        lines.append(turn.t("trading.line_price_market", current=won(draft.quote.price, locale)))
        lines.append(turn.t("trading.line_amount_estimate", amount=won(draft.amount, locale)))
    else:
        lines.append(turn.t("trading.line_price_limit", price=won(intent.price or 0, locale)))
        lines.append(turn.t("trading.line_amount", amount=won(draft.amount, locale)))
    if draft.buying_power is not None:
        power = draft.buying_power
        lines.append(turn.t("trading.line_power", amount=won(power.max_amount, locale),
                            qty=number(power.max_quantity)))  # fmt: skip
        if draft.exceeds_buying_power:
            lines.append(turn.t("trading.power_warning"))
    return "\n".join([*lines, *_validity(turn, intent)])


def _change_text(turn: Turn, draft: ChangeDraft) -> str:
    intent, order, locale = draft.intent, draft.order, turn.locale
    badge = _badge(locale, intent.environment)
    quantity = _shares(locale, draft.quantity)
    if draft.whole:
        quantity = turn.t("trading.line_whole", qty=quantity)
    lines = [
        turn.t(f"trading.title_{intent.kind}", badge=badge),
        turn.t("trading.line_order_no", order_no=order.order_no),
        turn.t("trading.line_stock", name=order.name or order.code, code=order.code)
        + f" · {_side(locale, order.side)}",
    ]
    if intent.kind == MODIFY:
        lines.append(turn.t("trading.line_price_change", old=_price(locale, order.price),
                            new=won(intent.price or 0, locale)))  # fmt: skip
        lines.append(turn.t("trading.line_quantity", qty=quantity))
    else:
        lines.append(turn.t("trading.line_price_limit", price=_price(locale, order.price)))
        lines.append(turn.t("trading.line_cancel_quantity", qty=quantity))
    return "\n".join([*lines, *_validity(turn, intent)])


def _validity(turn: Turn, intent: Intent) -> list[str]:
    assert intent.expires_at is not None
    return [
        turn.t("trading.line_valid", time=kst_time(intent.expires_at)),
        turn.t("trading.confirm_hint"),
    ]


async def _outcome_text(services: Services, locale: str, outcome: Outcome) -> str:
    """The confirmation message after a press: what was asked, then what became of it."""
    assert outcome.intent is not None
    intent = outcome.intent
    summary = await _summary(services, locale, intent)
    verdict = outcome.verdict
    if verdict is Verdict.SUBMITTED:
        result = render(locale, f"trading.submitted_{intent.kind}", order_no=outcome.order_no)
    elif verdict is Verdict.FAILED:
        result = render(locale, "trading.failed", msg1=outcome.msg1 or outcome.msg_cd)
    elif verdict is Verdict.UNKNOWN:
        result = render(locale, "common.outcome_unknown")
    elif verdict is Verdict.ENV_CHANGED:
        result = render(locale, "trading.env_changed", badge=_badge(locale, intent.environment))
    else:
        result = render(locale, f"trading.{verdict.value}")
    return f"{summary}\n{result}"


async def _summary(services: Services, locale: str, intent: Intent) -> Markup:
    """One line that says what the confirmation was for."""
    name = await _name(services, intent.code)
    badge = _badge(locale, intent.environment)
    side = _side(locale, intent.side)
    if intent.kind == ORDER:
        return render(
            locale, "trading.summary_order", badge=badge, side=side, name=name,
            qty=_shares(locale, intent.quantity or 0), price=_price(locale, intent.price),
        )  # fmt: skip
    return render(
        locale, f"trading.summary_{intent.kind}", badge=badge, side=side, name=name,
        order_no=intent.target_order_no, price=_price(locale, intent.price),
    )  # fmt: skip


async def _settled_note(services: Services, locale: str, item: Settled) -> Markup:
    summary = await _summary(services, locale, item.intent)
    if item.found:
        return render(
            locale, "trading.settled_found", summary=summary, order_no=item.intent.order_no
        )
    return render(locale, "trading.settled_missing", summary=summary)


def _order_line(locale: str, record: OrderRecord, records: Sequence[OrderRecord]) -> str:
    common = {
        "order_no": record.order_no,
        "original": record.original_order_no,
        "side": _side(locale, record.side),
        "name": record.name or record.code,
        "qty": _shares(locale, record.quantity),
        "price": _price(locale, record.price or None),
        "filled": number(record.filled_quantity),
        "total": number(record.quantity),
        "state": render(locale, f"trading.state_{_state(record, records)}"),
    }
    if _is_cancel_row(record, records):
        return render(locale, "trading.orders_line_cancel", **common)
    if record.original_order_no:
        return render(locale, "trading.orders_line_modify", **common)
    return render(locale, "trading.orders_line", **common)


def _is_cancel_row(record: OrderRecord, records: Sequence[OrderRecord]) -> bool:
    """A 취소 line: it points at an order and is cancelled, and nothing points at it.

    (A 정정 line cancelled later is pointed at by that cancel's own line.)
    """
    if not record.original_order_no or not record.cancelled:
        return False
    return not any(r.original_order_no == record.order_no for r in records)


def _state(record: OrderRecord, records: Sequence[OrderRecord]) -> str:
    state = record.state.value
    # Nothing open, filled or cancelled: the whole order was moved by a 정정.
    moved = record.remaining_quantity == 0 and any(
        r.original_order_no == record.order_no and not _is_cancel_row(r, records) for r in records
    )
    return "modified" if state == "open" and moved else state


def _is_open(record: OrderRecord, records: Sequence[OrderRecord]) -> bool:
    return record.remaining_quantity > 0 and not _is_cancel_row(record, records)


async def _name(services: Services, code: str) -> str:
    try:
        symbol = (await services.symbols.get()).by_code(code)
    except Exception:  # names are a nicety: never let them break an outcome message
        logger.warning("symbol directory unavailable for an order message")
        symbol = None
    return f"{symbol.name}({code})" if symbol else code


def _badge(locale: str, environment: Environment) -> Markup:
    return render(locale, f"common.badge_{environment.value}")


def _side(locale: str, side: Side | None) -> Markup:
    return render(locale, f"trading.side_{side.value}") if side else Markup("")


def _shares(locale: str, quantity: int) -> Markup:
    return render(locale, "trading.shares", qty=number(quantity))


def _price(locale: str, price: int | None) -> str:
    return won(price, locale) if price else render(locale, "trading.market")


# -- registration --------------------------------------------------------------------------

PtbCallback = Callable[[Update, Context], Awaitable[None]]


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
        application.job_queue.run_once(reconcile_leftovers, LEFTOVER_CHECK, name="reconcile")
