"""/price and /daily: a stock's current price (with a refresh button) and its recent days.

Buttons: `px:r:<code>` refreshes a price in place, `px:pick:<code>` and `dy:pick:<code>:<n>`
choose among the stocks an ambiguous name matched.
"""

from __future__ import annotations

import asyncio
import logging

from telegram.ext import Application, CallbackQueryHandler, CommandHandler

import handlers.texts.quotes  # noqa: F401  (registers the texts)
from handlers.common import Buttons, Turn, button, command
from handlers.format import arrow, kst_time, number, percent, signed, table, won
from handlers.i18n import Markup
from kisbot.charts import render_daily_chart
from kisbot.kis import DailyBar, Environment, is_stock_code
from kisbot.problems import Problem
from kisbot.quotes import MAX_DAYS, Choices, DailyView, MarketData, PriceView, Security

logger = logging.getLogger(__name__)


@command("price")
async def price_command(turn: Turn) -> None:
    """/price CODE|NAME: the current price, or buttons when the name is ambiguous."""
    if not turn.args:
        raise Problem("quotes.price_usage")
    market = MarketData(turn.services)
    client = await market.client(turn.user_id)
    found = await resolve(turn, market, " ".join(turn.args), "quotes.price_form")
    if isinstance(found, Choices):
        await turn.reply(_choose_text(turn, found), _choice_buttons(found, "px:pick:{code}"))
        return
    view = await market.price(client, found)
    await turn.reply(price_text(turn, view), refresh_buttons(turn, view.security.code))


@button("px")
async def price_button(turn: Turn) -> None:
    """Refresh a price in place, or show the one picked from the choices."""
    parts = _callback_parts(turn)
    if len(parts) != 3 or parts[1] not in {"r", "pick"} or not is_stock_code(parts[2]):
        await turn.answer(turn.t("common.stale_button"))
        return
    market = MarketData(turn.services)
    client = await market.client(turn.user_id)
    view = await market.price(client, await market.security(parts[2]))
    await turn.edit(price_text(turn, view), refresh_buttons(turn, view.security.code))


@command("daily")
async def daily_command(turn: Turn) -> None:
    """/daily CODE|NAME [N]: the last N trading days as a table and a candlestick chart."""
    if not turn.args:
        raise Problem("quotes.daily_usage")
    market = MarketData(turn.services)
    client = await market.client(turn.user_id)
    request = await market.daily_request(turn.args)
    found = await resolve(turn, market, request.query, "quotes.daily_form")
    if isinstance(found, Choices):
        pattern = f"dy:pick:{{code}}:{request.days}"
        await turn.reply(_choose_text(turn, found), _choice_buttons(found, pattern))
        return
    await send_daily(turn, await market.daily(client, found, request.days))


@button("dy")
async def daily_button(turn: Turn) -> None:
    """Show the daily prices of the stock picked from the choices."""
    parts = _callback_parts(turn)
    if len(parts) != 4 or parts[1] != "pick" or not is_stock_code(parts[2]):
        await turn.answer(turn.t("common.stale_button"))
        return
    days = int(parts[3]) if parts[3].isdigit() else 0
    if not 1 <= days <= MAX_DAYS:
        await turn.answer(turn.t("common.stale_button"))
        return
    market = MarketData(turn.services)
    client = await market.client(turn.user_id)
    security = await market.security(parts[2])
    view = await market.daily(client, security, days)
    await turn.edit(turn.t("quotes.picked", name=security.label, code=security.code))
    await send_daily(turn, view)


async def resolve(turn: Turn, market: MarketData, text: str, form_key: str) -> Security | Choices:
    """The stock `text` names; a lookup Problem is re-raised with the command's usage line."""
    try:
        return await market.resolve(text)
    except Problem as problem:
        raise Problem(problem.key, **problem.params, form=turn.t(form_key)) from None


async def send_daily(turn: Turn, view: DailyView) -> None:
    """The table, then (for more than one day) the chart as a photo."""
    await turn.reply(daily_text(turn, view))
    if len(view.bars) < 2:
        return
    title = f"{view.security.label} ({view.security.code})"
    png = await asyncio.to_thread(render_daily_chart, title, view.bars)
    caption = turn.t(
        "quotes.chart_caption",
        name=view.security.label,
        code=view.security.code,
        count=len(view.bars),
    )
    await turn.reply_photo(png, caption)


# -- rendering ---------------------------------------------------------------------------


def badge(turn: Turn, environment: Environment) -> Markup:
    """[모의] or [실전]: which account the figures come from."""
    return turn.t("common.badge_mock" if environment.is_mock else "common.badge_real")


def heading(turn: Turn, security: Security, environment: Environment) -> Markup:
    """The badge, the name (when known) and the code."""
    mark = badge(turn, environment)
    if security.name:
        return turn.t("quotes.heading", badge=mark, name=security.name, code=security.code)
    return turn.t("quotes.heading_code", badge=mark, code=security.code)


def price_text(turn: Turn, view: PriceView) -> Markup:
    quote = view.quote
    return turn.t(
        "quotes.price",
        heading=heading(turn, view.security, view.environment),
        price=won(quote.price, turn.locale),
        arrow=arrow(quote.change),
        change=signed(quote.change),
        rate=percent(quote.change_rate),
        volume=number(quote.volume),
        low=number(quote.low),
        high=number(quote.high),
        time=kst_time(quote.as_of),
    )


def daily_text(turn: Turn, view: DailyView) -> Markup:
    """A heading and the days as a table, newest first."""
    top = heading(turn, view.security, view.environment)
    if not view.bars:
        return turn.t("quotes.daily_empty", heading=top)
    return turn.t(
        "quotes.daily",
        heading=top,
        count=len(view.bars),
        first=view.bars[0].day.isoformat(),
        last=view.bars[-1].day.isoformat(),
        table=daily_table(turn, view.bars),
    )


def daily_table(turn: Turn, bars: tuple[DailyBar, ...]) -> Markup:
    head = [turn.t(f"quotes.col_{name}") for name in ("date", "close", "change", "volume")]
    rows = [[str(cell) for cell in head]]
    rows.extend(
        [
            bar.day.strftime("%m-%d"),
            number(bar.close),
            f"{arrow(bar.change)}{number(abs(bar.change))}",
            number(bar.volume),
        ]
        for bar in reversed(bars)
    )
    return table(rows)


def refresh_buttons(turn: Turn, code: str) -> Buttons:
    return [[(turn.t("quotes.refresh"), f"px:r:{code}")]]


def _choose_text(turn: Turn, choices: Choices) -> Markup:
    return turn.t("quotes.choose", query=choices.query[:60])


def _choice_buttons(choices: Choices, pattern: str) -> Buttons:
    return [
        [(f"{security.label} ({security.code})", pattern.format(code=security.code))]
        for security in choices.securities
    ]


def _callback_parts(turn: Turn) -> list[str]:
    query = turn.update.callback_query
    return (query.data or "").split(":") if query is not None else []


def register(application: Application) -> None:
    """Add /price, /daily and their buttons."""
    application.add_handler(CommandHandler("price", price_command))
    application.add_handler(CommandHandler("daily", daily_command))
    application.add_handler(CallbackQueryHandler(price_button, pattern=r"^px:"))
    application.add_handler(CallbackQueryHandler(daily_button, pattern=r"^dy:"))
