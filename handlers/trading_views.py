"""What the trading messages say: order and change summaries, outcomes, today's order lines."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import handlers.texts.trading  # noqa: F401  (registers the texts)
from handlers.common import Turn
from handlers.format import kst_time, number, won
from handlers.i18n import Markup, render
from kisbot.kis import Environment, OrderRecord, Side
from kisbot.orders import MODIFY, ORDER, ChangeDraft, Intent, OrderDraft, Outcome, Settled, Verdict
from kisbot.services import Services

logger = logging.getLogger(__name__)


def order_text(turn: Turn, draft: OrderDraft) -> str:
    """The confirmation of a buy or sell: stock, quantity, price, amount, buying power."""
    intent, locale = draft.intent, turn.locale
    quantity = intent.quantity or 0
    lines = [
        turn.t("trading.title_order", badge=badge(locale, intent.environment),
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


def change_text(turn: Turn, draft: ChangeDraft) -> str:
    """The confirmation of a cancel or modify: the order it acts on and what changes."""
    intent, order, locale = draft.intent, draft.order, turn.locale
    quantity = _shares(locale, draft.quantity)
    if draft.whole:
        quantity = turn.t("trading.line_whole", qty=quantity)
    lines = [
        turn.t(f"trading.title_{intent.kind}", badge=badge(locale, intent.environment)),
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


async def outcome_text(services: Services, locale: str, outcome: Outcome) -> str:
    """The confirmation message after a press: what was asked, then what became of it."""
    assert outcome.intent is not None
    intent = outcome.intent
    text = await summary(services, locale, intent)
    verdict = outcome.verdict
    if verdict is Verdict.SUBMITTED:
        result = render(locale, f"trading.submitted_{intent.kind}", order_no=outcome.order_no)
    elif verdict is Verdict.FAILED:
        result = render(locale, "trading.failed", msg1=outcome.msg1 or outcome.msg_cd)
    elif verdict is Verdict.UNKNOWN:
        result = render(locale, "common.outcome_unknown")
    elif verdict is Verdict.ENV_CHANGED:
        result = render(locale, "trading.env_changed", badge=badge(locale, intent.environment))
    else:
        result = render(locale, f"trading.{verdict.value}")
    return f"{text}\n{result}"


async def summary(services: Services, locale: str, intent: Intent) -> Markup:
    """One line that says what the confirmation was for."""
    name = await _name(services, intent.code)
    env_badge = badge(locale, intent.environment)
    side = _side(locale, intent.side)
    if intent.kind == ORDER:
        return render(
            locale, "trading.summary_order", badge=env_badge, side=side, name=name,
            qty=_shares(locale, intent.quantity or 0), price=_price(locale, intent.price),
        )  # fmt: skip
    return render(
        locale, f"trading.summary_{intent.kind}", badge=env_badge, side=side, name=name,
        order_no=intent.target_order_no, price=_price(locale, intent.price),
    )  # fmt: skip


async def settled_note(services: Services, locale: str, item: Settled) -> Markup:
    """What became of an order whose answer was lost: found at KIS, or never placed."""
    text = await summary(services, locale, item.intent)
    if item.found:
        return render(locale, "trading.settled_found", summary=text, order_no=item.intent.order_no)
    return render(locale, "trading.settled_missing", summary=text)


def order_line(locale: str, record: OrderRecord, records: Sequence[OrderRecord]) -> str:
    """One line of /orders: an order, a 정정 or a 취소, with its state."""
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


def is_open(record: OrderRecord, records: Sequence[OrderRecord]) -> bool:
    """An order line with shares still open (a cancel line never is)."""
    return record.remaining_quantity > 0 and not _is_cancel_row(record, records)


async def _name(services: Services, code: str) -> str:
    try:
        symbol = (await services.symbols.get()).by_code(code)
    except Exception:  # names are a nicety: never let them break an outcome message
        logger.warning("symbol directory unavailable for an order message")
        symbol = None
    return f"{symbol.name}({code})" if symbol else code


def badge(locale: str, environment: Environment) -> Markup:
    """모의/실전: which account a message is about."""
    return render(locale, f"common.badge_{environment.value}")


def _side(locale: str, side: Side | None) -> Markup:
    return render(locale, f"trading.side_{side.value}") if side else Markup("")


def _shares(locale: str, quantity: int) -> Markup:
    return render(locale, "trading.shares", qty=number(quantity))


def _price(locale: str, price: int | None) -> str:
    return won(price, locale) if price else render(locale, "trading.market")
