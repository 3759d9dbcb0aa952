"""/price and /daily: a stock's current price (with a refresh button) and its recent days."""

from __future__ import annotations

import asyncio
import logging

import handlers.texts.quotes  # noqa: F401  (registers the texts)
from handlers.callbacks import AlertPrice, DailyPick, PricePick, PriceRefresh
from handlers.choices import show_choices, show_picked
from handlers.common import Buttons, Turn
from handlers.format import (
    arrow,
    badge,
    feed_label,
    kst_time,
    number,
    percent,
    signed,
    table,
    won,
)
from handlers.i18n import Markup
from kisbot.charts import render_daily_chart
from kisbot.kis import DailyBar, Environment
from kisbot.market import DailyChoices, DailyView, PriceView
from kisbot.securities import Choices, Security

logger = logging.getLogger(__name__)


async def price_command(turn: Turn) -> None:
    """/price CODE|NAME: the current price, or buttons when the name is ambiguous."""
    found = await turn.core.market.price(turn.user_id, turn.args)
    if isinstance(found, Choices):
        await show_choices(turn, found, lambda security: PricePick(security.code))
        return
    await turn.reply(price_text(turn, found), refresh_buttons(turn, found.security.code))


async def price_refreshed(turn: Turn, callback: PriceRefresh | PricePick) -> None:
    """Refresh a price in place, or show the one picked from the choices."""
    view = await turn.core.market.price_of(turn.user_id, callback.code)
    await turn.edit(price_text(turn, view), refresh_buttons(turn, view.security.code))


async def price_toast(turn: Turn, callback: AlertPrice) -> None:
    """The price now, as a short answer (from a fired alert's button)."""
    view = await turn.core.market.price_of(turn.user_id, callback.code)
    quote = view.quote
    text = turn.t(
        "quotes.price_toast",
        name=view.security.label,
        code=view.security.code,
        price=won(quote.price, turn.locale),
        arrow=arrow(quote.change),
        change=percent(quote.change_rate),
        time=kst_time(quote.as_of),
    )
    await turn.say(text)


async def daily_command(turn: Turn) -> None:
    """/daily CODE|NAME [N]: the last N trading days as a table and a candlestick chart."""
    found = await turn.core.market.daily(turn.user_id, turn.args)
    if isinstance(found, DailyChoices):
        days = found.days
        await show_choices(turn, found.choices, lambda security: DailyPick(security.code, days))
        return
    await send_daily(turn, found)


async def daily_picked(turn: Turn, callback: DailyPick) -> None:
    """Show the daily prices of the stock picked from the choices."""
    view = await turn.core.market.daily_of(turn.user_id, callback.code, callback.days)
    await show_picked(turn, view.security)
    await send_daily(turn, view)


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


def heading(turn: Turn, security: Security, environment: Environment) -> Markup:
    """The badge, the name (when known) and the code."""
    mark = badge(turn.locale, environment)
    if security.name:
        return turn.t("quotes.heading", badge=mark, name=security.name, code=security.code)
    return turn.t("quotes.heading_code", badge=mark, code=security.code)


def price_text(turn: Turn, view: PriceView) -> Markup:
    """The price (on real keys the combined one, named so), the day's figures, and KRX and NXT
    side by side while NXT trades (on mock: that NXT is not available)."""
    quote = view.quote
    lines = [_price_lines(turn, view)]
    for venue in view.venues:
        lines.append(
            turn.t(
                "quotes.venue_line",
                feed=feed_label(turn.locale, venue.feed),
                price=won(venue.price, turn.locale),
                arrow=arrow(venue.change),
                rate=percent(venue.change_rate),
            )
        )
    if view.environment.is_mock:
        lines.append(turn.t("quotes.nxt_not_in_mock"))
    lines.append(kst_time(quote.as_of))
    return Markup("\n".join(lines))


def _price_lines(turn: Turn, view: PriceView) -> Markup:
    quote = view.quote
    source = "" if view.environment.is_mock else f" ({feed_label(turn.locale, quote.feed)})"
    return turn.t(
        "quotes.price",
        heading=heading(turn, view.security, view.environment),
        source=source,
        price=won(quote.price, turn.locale),
        arrow=arrow(quote.change),
        change=signed(quote.change),
        rate=percent(quote.change_rate),
        volume=number(quote.volume),
        low=number(quote.low),
        high=number(quote.high),
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
    return [[(turn.t("quotes.refresh"), PriceRefresh(code))]]
