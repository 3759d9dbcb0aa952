"""/balance: the holdings and the account summary, one block per holding so it reads on a phone."""

from __future__ import annotations

import logging
from decimal import Decimal

import handlers.texts.account  # noqa: F401  (registers the texts)
from handlers.common import Turn
from handlers.format import arrow, badge, kst_time, money, number, percent, won
from handlers.i18n import Markup
from kisbot.kis import BalanceSummary, Holding
from kisbot.kis.overseas import OverseasHolding
from kisbot.market import BalanceView, CurrencyHoldings, OverseasBalanceView
from kisbot.securities import Security

logger = logging.getLogger(__name__)


async def balance_command(turn: Turn) -> None:
    """/balance [us|hk|cn|jp|vn|해외]: holdings (name, quantity, average, price, P/L) and the
    account summary; abroad, by currency with won totals."""
    view = await turn.core.market.balance(turn.user_id, turn.args)
    if isinstance(view, OverseasBalanceView):
        await turn.reply(abroad_text(turn, view))
        return
    title = turn.t(
        "account.title", badge=badge(turn.locale, view.environment), account=view.masked_account
    )
    await turn.reply(balance_text(turn, title, view))


def abroad_text(turn: Turn, view: OverseasBalanceView) -> Markup:
    """Each currency's holdings and totals, then the won total (real keys)."""
    parts = [
        turn.t(
            "account.title_abroad",
            badge=badge(turn.locale, view.environment),
            account=view.masked_account,
        )
    ]
    if not view.currencies:
        parts.append(turn.t("account.no_holdings_abroad"))
    for group in view.currencies:
        parts += [_abroad_holding(turn, group, h) for h in group.holdings]
        parts.append(_currency_summary(turn, group))
    total, pnl = view.krw_evaluation, view.krw_pnl
    if view.currencies and total is not None and pnl is not None:
        parts.append(turn.t("account.abroad_won_total", total=won(total, turn.locale),
                            arrow=arrow(pnl), pnl=signed_won(int(pnl), turn.locale)))  # fmt: skip
    elif view.currencies:
        parts.append(turn.t("account.abroad_no_won"))
    parts.append(kst_time(view.as_of, with_date=True))
    return Markup("\n\n".join(parts))


def _abroad_holding(turn: Turn, group: CurrencyHoldings, holding: OverseasHolding) -> Markup:
    def cash(value: Decimal) -> str:
        return money(value, group.currency, group.symbol)

    code = Security(holding.symbol, None, holding.exchange).shown_code
    return turn.t(
        "account.holding",
        name=holding.name or holding.symbol,
        code=code,
        quantity=number(holding.quantity),
        avg_price=cash(holding.avg_price.quantize(Decimal("0.0001")).normalize()),
        price=cash(holding.price),
        arrow=arrow(holding.pnl),
        pnl=("+" if holding.pnl > 0 else "") + cash(holding.pnl),
        rate=percent(holding.pnl_rate),
    )


def _currency_summary(turn: Turn, group: CurrencyHoldings) -> Markup:
    def cash(value: Decimal) -> str:
        return money(value, group.currency, group.symbol)

    line = turn.t(
        "account.currency_summary", currency=group.currency, total=cash(group.evaluation),
        arrow=arrow(group.pnl), pnl=("+" if group.pnl > 0 else "") + cash(group.pnl),
        rate=percent(group.pnl_rate),
    )  # fmt: skip
    total, pnl = group.in_won(group.evaluation), group.in_won(group.pnl)
    if total is None or pnl is None or group.krw_rate is None:
        return line
    won_line = turn.t(
        "account.currency_won",
        total=won(total, turn.locale),
        pnl=signed_won(int(pnl), turn.locale),
        rate=won(group.krw_rate, turn.locale),
    )
    return Markup(f"{line}\n{won_line}")


def balance_text(turn: Turn, title: Markup, view: BalanceView) -> Markup:
    """The title, each holding as a block (or "no holdings"), then the summary."""
    holdings = view.balance.holdings
    blocks = [holding_text(turn, holding) for holding in holdings]
    if not blocks:
        blocks = [turn.t("account.no_holdings")]
    summary = summary_text(turn, view.balance.summary, view)
    return Markup("\n\n".join([title, *blocks, summary]))


def holding_text(turn: Turn, holding: Holding) -> Markup:
    return turn.t(
        "account.holding",
        name=holding.name or holding.code,
        code=holding.code,
        quantity=number(holding.quantity),
        avg_price=won(_whole_won(holding.avg_price), turn.locale),
        price=won(holding.price, turn.locale),
        arrow=arrow(holding.pnl),
        pnl=signed_won(holding.pnl, turn.locale),
        rate=percent(holding.pnl_rate),
    )


def summary_text(turn: Turn, summary: BalanceSummary, view: BalanceView) -> Markup:
    return turn.t(
        "account.summary",
        cash=won(summary.d2_cash, turn.locale),
        total=won(summary.total_evaluation, turn.locale),
        arrow=arrow(summary.pnl_total),
        pnl=signed_won(summary.pnl_total, turn.locale),
        rate=percent(summary.pnl_rate),
        time=kst_time(view.balance.as_of, with_date=True),
    )


def signed_won(value: int, locale: str) -> str:
    """+25,000원 / -3,000원 (₩ in English)."""
    sign = "+" if value > 0 else "-" if value < 0 else ""
    return sign + won(abs(value), locale)


def _whole_won(value: Decimal) -> Decimal:
    # KIS sends the average price with decimals (68500.0000); two places are plenty to read.
    return value.quantize(Decimal("0.01"))
