"""/price and /daily: a stock's current price (with a refresh button) and its recent days."""

from __future__ import annotations

import asyncio
import logging
from decimal import Decimal

import handlers.texts.quotes  # noqa: F401  (registers the texts)
from handlers.callbacks import AlertPrice, DailyPick, PricePick, PriceRefresh
from handlers.choices import show_choices, show_picked
from handlers.common import Buttons, Turn
from handlers.format import (
    arrow,
    badge,
    feed_label,
    kst_time,
    money,
    number,
    percent,
    signed,
    table,
    won,
)
from handlers.i18n import Markup
from kisbot.charts import render_daily_chart
from kisbot.kis import DailyBar, Environment
from kisbot.kis.overseas import Exchange, OverseasBar
from kisbot.market import (
    DailyChoices,
    DailyView,
    OverseasDailyView,
    OverseasPriceView,
    PriceView,
)
from kisbot.securities import Choices, Security

logger = logging.getLogger(__name__)


async def price_command(turn: Turn) -> None:
    """/price CODE|NAME: the current price, or buttons when the name is ambiguous."""
    found = await turn.core.market.price(turn.user_id, turn.args)
    if isinstance(found, Choices):
        await show_choices(turn, found, lambda security: PricePick(security.key))
        return
    await turn.reply(price_text(turn, found), refresh_buttons(turn, found.security.key))


async def price_refreshed(turn: Turn, callback: PriceRefresh | PricePick) -> None:
    """Refresh a price in place, or show the one picked from the choices."""
    view = await turn.core.market.price_of(turn.user_id, callback.code)
    await turn.edit(price_text(turn, view), refresh_buttons(turn, view.security.key))


async def price_toast(turn: Turn, callback: AlertPrice) -> None:
    """The price now, as a short answer (from a fired alert's button)."""
    view = await turn.core.market.price_of(turn.user_id, callback.code)
    if isinstance(view, OverseasPriceView):  # alerts are KRX-only for now
        await turn.say(overseas_price_text(turn, view))
        return
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
        await show_choices(turn, found.choices, lambda security: DailyPick(security.key, days))
        return
    await send_daily(turn, found)


async def daily_picked(turn: Turn, callback: DailyPick) -> None:
    """Show the daily prices of the stock picked from the choices."""
    view = await turn.core.market.daily_of(turn.user_id, callback.code, callback.days)
    await show_picked(turn, view.security)
    await send_daily(turn, view)


async def send_daily(turn: Turn, view: DailyView | OverseasDailyView) -> None:
    """The table, then (for more than one day) the chart as a photo.

    The chart is drawn before the table goes out, so the two arrive together: a chart that
    came a second after its table read as a separate answer (and a piped demo script pressed
    the wrong message's buttons)."""
    if len(view.bars) < 2:
        await turn.reply(daily_text(turn, view))
        return
    title = f"{view.security.label} ({view.security.shown_code})"
    png = await asyncio.to_thread(render_daily_chart, title, view.bars)
    await turn.reply(daily_text(turn, view))
    caption = turn.t(
        "quotes.chart_caption",
        name=view.security.label,
        code=view.security.shown_code,
        count=len(view.bars),
    )
    await turn.reply_photo(png, caption)


# -- rendering ---------------------------------------------------------------------------


def heading(turn: Turn, security: Security, environment: Environment) -> Markup:
    """The badge, the name (when known) and the code (with the exchange, abroad)."""
    mark = badge(turn.locale, environment)
    if security.exchange is not None:
        return turn.t(
            "quotes.overseas_heading",
            badge=mark,
            name=security.label,
            code=security.shown_code,
            exchange=exchange_name(turn, security.exchange),
        )
    if security.name:
        return turn.t("quotes.heading", badge=mark, name=security.name, code=security.code)
    return turn.t("quotes.heading_code", badge=mark, code=security.code)


def price_text(turn: Turn, view: PriceView | OverseasPriceView) -> Markup:
    """The price (on real keys the combined one, named so), the day's figures, and KRX and NXT
    side by side while NXT trades (on mock: that NXT is not available)."""
    if isinstance(view, OverseasPriceView):
        return overseas_price_text(turn, view)
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


def overseas_price_text(turn: Turn, view: OverseasPriceView) -> Markup:
    """The price in its currency, the KRW equivalent at KIS's rate (real keys), and the
    exchange's local time and whether its regular session runs."""
    quote, market = view.quote, view.security.exchange
    assert market is not None

    def cash(value: Decimal) -> str:
        return money(value, market.currency, market.currency_symbol)

    lines = [
        turn.t(
            "quotes.overseas_price",
            heading=heading(turn, view.security, view.environment),
            price=cash(quote.price),
            arrow=arrow(quote.change),
            change=("+" if quote.change > 0 else "") + cash(quote.change),
            rate=percent(quote.change_rate),
            volume=number(quote.volume),
        )
    ]
    if view.krw_price is not None and view.krw_rate is not None:
        rate = won(view.krw_rate, turn.locale)
        lines.append(turn.t("quotes.overseas_krw", krw=won(view.krw_price, turn.locale), rate=rate))
    state = "quotes.overseas_open" if view.is_open else "quotes.overseas_closed"
    local = view.local_time.strftime("%m-%d %H:%M")
    lines.append(turn.t(state, exchange=exchange_name(turn, market), local=local))
    if not market.is_us:
        lines.append(turn.t("quotes.overseas_delayed"))
    lines.append(kst_time(quote.as_of))
    return Markup("\n".join(lines))


def exchange_name(turn: Turn, market: Exchange) -> str:
    return market.name if turn.locale == "ko" else market.english


def daily_text(turn: Turn, view: DailyView | OverseasDailyView) -> Markup:
    """A heading and the days as a table, newest first."""
    top = heading(turn, view.security, view.environment)
    if not view.bars:
        return turn.t("quotes.daily_empty", heading=top)
    market = view.security.exchange
    rows = (
        overseas_daily_table(turn, view.bars, market)  # type: ignore[arg-type]
        if market is not None
        else daily_table(turn, view.bars)  # type: ignore[arg-type]
    )
    return turn.t(
        "quotes.daily",
        heading=top,
        count=len(view.bars),
        first=view.bars[0].day.isoformat(),
        last=view.bars[-1].day.isoformat(),
        table=rows,
    )


def overseas_daily_table(turn: Turn, bars: tuple[OverseasBar, ...], market: Exchange) -> Markup:
    head = [turn.t(f"quotes.col_{name}") for name in ("date", "close", "change", "volume")]
    rows = [[str(cell) for cell in head]]
    rows.extend(
        [
            bar.day.strftime("%m-%d"),
            money(bar.close, market.currency, ""),
            f"{arrow(bar.change)}{money(abs(bar.change), market.currency, '')}",
            number(bar.volume),
        ]
        for bar in reversed(bars)
    )
    return table(rows)


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
