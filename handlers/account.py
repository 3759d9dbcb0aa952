"""/balance: the holdings and the account summary, one block per holding so it reads on a phone."""

from __future__ import annotations

import logging
from decimal import Decimal

import handlers.texts.account  # noqa: F401  (registers the texts)
from handlers.common import Turn
from handlers.format import arrow, badge, kst_time, number, percent, won
from handlers.i18n import Markup
from kisbot.kis import BalanceSummary, Holding
from kisbot.market import BalanceView

logger = logging.getLogger(__name__)


async def balance_command(turn: Turn) -> None:
    """/balance: holdings (name, quantity, average, price, P/L) and the account summary."""
    view = await turn.core.market.balance(turn.user_id)
    title = turn.t(
        "account.title", badge=badge(turn.locale, view.environment), account=view.masked_account
    )
    await turn.reply(balance_text(turn, title, view))


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
