"""What the trading messages say: order and change summaries, outcomes, today's order lines."""

from __future__ import annotations

from decimal import Decimal

import handlers.texts.trading  # noqa: F401  (registers the texts)
from handlers.common import Turn
from handlers.format import badge, kst_time, money, number, venue_label, won
from handlers.i18n import Markup, render
from kisbot.confirmations import Intent
from kisbot.core import Core
from kisbot.kis import Side, Venue
from kisbot.kis.overseas import Exchange, OverseasOrderRecord
from kisbot.orders import (
    MODIFY,
    ORDER,
    ChangeDraft,
    LineKind,
    OrderDraft,
    OrderLine,
    OverseasChangeDraft,
    OverseasOrderDraft,
    Settled,
    Submission,
    SubmitOutcome,
)
from kisbot.securities import overseas_key, shown_code


def order_text(turn: Turn, draft: OrderDraft | OverseasOrderDraft) -> str:
    """The confirmation of a buy or sell: stock, quantity, price, amount, buying power."""
    if isinstance(draft, OverseasOrderDraft):
        return overseas_order_text(turn, draft)
    intent, locale = draft.intent, turn.locale
    quantity = intent.quantity or 0
    lines = [
        turn.t("trading.title_order", badge=badge(locale, intent.environment),
               side=_side(locale, intent.side)),
        turn.t("trading.line_stock", name=draft.name or intent.code, code=intent.code),
        turn.t("trading.line_quantity", qty=_shares(locale, quantity)),
        turn.t("trading.line_venue", venue=venue_label(locale, draft.venue),
               why=turn.t(f"trading.why_{draft.venue_reason.value}")),
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
    return "\n".join([*lines, *_validity(turn, intent, "trading.confirm_hint")])


def overseas_order_text(turn: Turn, draft: OverseasOrderDraft) -> str:
    """The confirmation of an order abroad: the exchange and currency, the limit, the amount in
    the currency and (real keys) in won at KIS's rate, and whether the exchange trades now."""
    intent, locale, security = draft.intent, turn.locale, draft.security
    market = security.exchange
    assert market is not None and intent.unit_price is not None
    lines = [
        turn.t("trading.title_order", badge=badge(locale, intent.environment),
               side=_side(locale, intent.side)),
        turn.t("trading.line_stock", name=security.label, code=security.shown_code),
        turn.t("trading.line_exchange", exchange=_exchange(locale, market),
               currency=market.currency),
        turn.t("trading.line_quantity", qty=_shares(locale, intent.quantity or 0)),
        turn.t("trading.line_price_limit", price=_money(market, intent.unit_price)),
        turn.t("trading.line_amount", amount=_money(market, draft.amount)),
    ]  # fmt: skip
    if draft.krw_amount is not None and draft.krw_rate is not None:
        lines.append(turn.t("trading.line_amount_krw", krw=won(draft.krw_amount, locale),
                            rate=won(draft.krw_rate, locale)))  # fmt: skip
    local = draft.quote.as_of.astimezone(market.timezone).strftime("%H:%M")
    if intent.order_type == "daytime":
        state = turn.t("trading.overseas_daytime")
    else:
        state = turn.t("trading.overseas_open" if draft.is_open else "trading.overseas_closed")
    lines.append(turn.t("trading.line_overseas_session", exchange=_exchange(locale, market),
                        state=state, local=local))  # fmt: skip
    return "\n".join([*lines, *_validity(turn, intent, "trading.confirm_hint")])


def change_text(turn: Turn, draft: ChangeDraft | OverseasChangeDraft) -> str:
    """The confirmation of a cancel or modify: the order it acts on and what changes."""
    if isinstance(draft, OverseasChangeDraft):
        return overseas_change_text(turn, draft)
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
    return "\n".join([*lines, *_validity(turn, intent, f"trading.{intent.kind}_hint")])


def overseas_change_text(turn: Turn, draft: OverseasChangeDraft) -> str:
    """The confirmation of cancelling or changing an order abroad."""
    intent, order, locale, security = draft.intent, draft.order, turn.locale, draft.security
    market = security.exchange
    assert market is not None
    quantity = _shares(locale, draft.quantity)
    if draft.whole:
        quantity = turn.t("trading.line_whole", qty=quantity)
    lines = [
        turn.t(f"trading.title_{intent.kind}", badge=badge(locale, intent.environment)),
        turn.t("trading.line_order_no", order_no=order.order_no),
        turn.t("trading.line_stock", name=security.label, code=security.shown_code)
        + f" · {_side(locale, order.side)}",
    ]
    if intent.kind == MODIFY:
        assert intent.unit_price is not None
        lines.append(turn.t("trading.line_price_change", old=_money(market, order.price),
                            new=_money(market, intent.unit_price)))  # fmt: skip
        lines.append(turn.t("trading.line_quantity", qty=quantity))
    else:
        lines.append(turn.t("trading.line_price_limit", price=_money(market, order.price)))
        lines.append(turn.t("trading.line_cancel_quantity", qty=quantity))
    return "\n".join([*lines, *_validity(turn, intent, f"trading.{intent.kind}_hint")])


def _validity(turn: Turn, intent: Intent, hint: str) -> list[str]:
    assert intent.expires_at is not None
    return [turn.t("trading.line_valid", time=kst_time(intent.expires_at)), turn.t(hint)]


def submitted_text(locale: str, intent: Intent, outcome: SubmitOutcome) -> Markup:
    """What became of a confirmed order, cancel or modify."""
    submission = outcome.submission
    if submission is Submission.SUBMITTED:
        return render(locale, f"trading.submitted_{intent.kind}", order_no=outcome.order_no)
    if submission is Submission.FAILED:
        return render(locale, "trading.failed", msg1=outcome.msg1 or outcome.msg_cd)
    if submission is Submission.UNKNOWN:
        return render(locale, "common.outcome_unknown")
    if submission is Submission.ENV_CHANGED:
        assert intent.environment is not None
        return render(locale, "trading.env_changed", badge=badge(locale, intent.environment))
    return render(locale, f"trading.{submission.value}")


async def summary(core: Core, locale: str, intent: Intent) -> Markup:
    """One line that says what the confirmation was for."""
    name = await _name(core, intent.code)
    assert intent.environment is not None
    env_badge = badge(locale, intent.environment)
    side = _side(locale, intent.side)
    abroad = overseas_key(intent.code)
    if abroad is not None and abroad.exchange is not None:
        price = _money(abroad.exchange, intent.unit_price) if intent.unit_price else ""
        where = _exchange(locale, abroad.exchange)
    else:
        price, where = _price(locale, intent.price), venue_label(locale, intent.venue or Venue.KRX)
    if intent.kind == ORDER:
        return render(
            locale, "trading.summary_order", badge=env_badge, side=side, name=name,
            qty=_shares(locale, intent.quantity or 0), price=price, venue=where,
        )  # fmt: skip
    return render(
        locale, f"trading.summary_{intent.kind}", badge=env_badge, side=side, name=name,
        order_no=intent.target_order_no, price=price,
    )  # fmt: skip


async def ending(core: Core, locale: str, intent: Intent, key: str) -> str:
    """The summary and one closing line (declined, expired)."""
    return f"{await summary(core, locale, intent)}\n{render(locale, key)}"


async def settled_note(core: Core, locale: str, item: Settled) -> Markup:
    """What became of an order whose answer was lost: found at KIS, or never placed."""
    text = await summary(core, locale, item.intent)
    if item.found:
        return render(locale, "trading.settled_found", summary=text, order_no=item.intent.order_no)
    return render(locale, "trading.settled_missing", summary=text)


def order_line(locale: str, line: OrderLine) -> str:
    """One line of /orders: an order, a 정정 or a 취소, with its state."""
    record = line.record
    common = {
        "order_no": record.order_no,
        "original": record.original_order_no,
        "side": _side(locale, record.side),
        "name": record.name or record.code,
        "qty": _shares(locale, record.quantity),
        "price": _price(locale, record.price or None),
        "filled": number(record.filled_quantity),
        "total": number(record.quantity),
        "state": render(locale, f"trading.state_{line.state.value}"),
        "venue": venue_label(locale, record.venue) if record.venue else "",
    }
    if line.kind is LineKind.CANCEL:
        return render(locale, "trading.orders_line_cancel", **common)
    if line.kind is LineKind.MODIFY:
        return render(locale, "trading.orders_line_modify", **common)
    return render(locale, "trading.orders_line", **common)


def overseas_order_line(locale: str, record: OverseasOrderRecord) -> str:
    """One line of /orders for an order abroad, with its local date."""
    market = record.exchange
    price = _money(market, record.price) if market is not None else str(record.price)
    return render(
        locale, "trading.orders_line_overseas", order_no=record.order_no,
        side=_side(locale, record.side), name=record.name or record.symbol,
        qty=_shares(locale, record.quantity), price=price,
        filled=number(record.filled_quantity), total=number(record.quantity),
        state=render(locale, f"trading.state_{record.state.value}"),
        day=record.local_date.strftime("%m-%d") if record.local_date else "",
    )  # fmt: skip


async def _name(core: Core, code: str) -> str:
    name = await core.securities.name(code)
    shown = shown_code(code)
    return f"{name}({shown})" if name else shown


def _exchange(locale: str, market: Exchange) -> str:
    return market.name if locale == "ko" else market.english


def _money(market: Exchange, value: Decimal) -> str:
    return money(value, market.currency, market.currency_symbol)


def _side(locale: str, side: Side | None) -> Markup:
    return render(locale, f"trading.side_{side.value}") if side else Markup("")


def _shares(locale: str, quantity: int) -> Markup:
    return render(locale, "trading.shares", qty=number(quantity))


def _price(locale: str, price: int | None) -> str:
    return won(price, locale) if price else render(locale, "trading.market")
