"""Numbers, prices and tables the way Korean investors read them, as HTML-safe text."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from handlers.i18n import Markup, render
from kisbot.clock import KST
from kisbot.kis import Environment, PriceFeed, Venue
from kisbot.securities import overseas_key

TELEGRAM_TEXT_LIMIT = 4096
_SAFE_LIMIT = 4000  # room for the tags a split must close and reopen


def number(value: int | Decimal) -> str:
    """12,345 — thousands separators, no decimals for whole numbers."""
    if isinstance(value, Decimal) and value != value.to_integral_value():
        return f"{value:,.2f}"
    return f"{int(value):,}"


_MINOR_UNITS = {"JPY": 0, "VND": 0, "KRW": 0}  # currencies without cents; the rest have two


def money(value: Decimal, currency: str, symbol: str) -> str:
    """$190.50, HK$380.20, ¥3,220, ₫27,500: the currency's cents, more only when the price
    has them ($0.1234), never float."""
    places = _MINOR_UNITS.get(currency, 2)
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int):
        places = min(max(places, -exponent), 4)
    sign = "-" if value < 0 else ""
    return f"{sign}{symbol}{abs(value):,.{places}f}"


def price_of(locale: str, code: str, value: int | Decimal) -> str:
    """A price of the stock with this key: won for a KRX stock, its currency abroad."""
    security = overseas_key(code)
    if security is None or security.exchange is None:
        return won(value, locale)
    market = security.exchange
    return money(Decimal(value), market.currency, market.currency_symbol)


def won(value: int | Decimal, locale: str = "ko") -> str:
    """72,000원 / ₩72,000."""
    return f"{number(value)}원" if locale == "ko" else f"₩{number(value)}"


def signed(value: int | Decimal) -> str:
    """+1,200 / -300 / 0."""
    return ("+" if value > 0 else "") + number(value)


def percent(value: Decimal | None) -> str:
    """+1.23% / -0.50%; an em dash when unknown."""
    if value is None:
        return "—"
    rounded = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{'+' if rounded > 0 else ''}{rounded}%"


def arrow(value: int | Decimal) -> str:
    """▲ for up, ▼ for down, – for flat."""
    return "▲" if value > 0 else "▼" if value < 0 else "–"


def kst_time(moment: datetime, with_date: bool = False) -> str:
    """14:03:22 KST (or 2026-11-23 14:03 KST)."""
    local = moment.astimezone(KST)
    return local.strftime("%Y-%m-%d %H:%M KST" if with_date else "%H:%M:%S KST")


def badge(locale: str, environment: Environment) -> Markup:
    """[모의] or [실전]: which account a message is about."""
    return render(locale, f"common.badge_{environment.value}")


def feed_label(locale: str, feed: PriceFeed) -> Markup:
    """KRX, NXT or 통합 (combined): whose price a figure is."""
    return render(locale, f"common.feed_{feed.value}")


def venue_label(locale: str, venue: Venue) -> Markup:
    """KRX, NXT or SOR: where an order goes."""
    return render(locale, f"common.venue_{venue.value}")


def escape(text: str) -> str:
    return html.escape(text, quote=False)


def table(rows: Sequence[Sequence[str]], align_right: Sequence[bool] | None = None) -> Markup:
    """A monospaced table in <pre>, columns padded by display width (Hangul counts as two)."""
    if not rows:
        return Markup("")
    columns = len(rows[0])
    right = align_right or [False] + [True] * (columns - 1)
    widths = [max(display_width(row[i]) for row in rows) for i in range(columns)]
    lines = []
    for row in rows:
        cells = [_pad(row[i], widths[i], right[i]) for i in range(columns)]
        lines.append(" ".join(cells).rstrip())
    return Markup("<pre>" + escape("\n".join(lines)) + "</pre>")


def display_width(text: str) -> int:
    """Columns a string takes in a monospaced font: East Asian wide characters take two."""
    return sum(2 if _is_wide(ch) else 1 for ch in text)


def _is_wide(ch: str) -> bool:
    code = ord(ch)
    return (
        0x1100 <= code <= 0x115F
        or 0x2E80 <= code <= 0xA4CF
        or 0xAC00 <= code <= 0xD7A3
        or (0xF900 <= code <= 0xFAFF or 0xFF00 <= code <= 0xFF60 or 0xFFE0 <= code <= 0xFFE6)
    )


def _pad(text: str, width: int, right: bool) -> str:
    fill = " " * (width - display_width(text))
    return fill + text if right else text + fill


def split_message(text: str, limit: int = _SAFE_LIMIT) -> list[str]:
    """Split an HTML reply into parts of at most `limit` characters, each valid on its own.

    Parts end at a line break where one is near, and never inside a tag or an entity; a tag
    open at a cut (<pre>, <b>, <code>) is closed at the end of one part and reopened at the
    start of the next. Nothing is dropped.
    """
    if len(text) <= limit:
        return [text]
    units = _UNIT.findall(text)
    parts: list[str] = []
    start, opened = 0, []
    while start < len(units):
        part, start, opened = _next_part(units, start, opened, limit)
        parts.append(part)
    return parts


def cut_message(text: str, limit: int = _SAFE_LIMIT) -> str:
    """The first `limit` characters of an HTML text as valid HTML, with … when cut."""
    parts = split_message(text, limit - 1)
    return parts[0] if len(parts) == 1 else parts[0] + "…"


_UNIT = re.compile(r"<[^<>]*>|&(?:#\d+|#x[0-9a-fA-F]+|\w+);|[\s\S]")
_OPEN_TAG = re.compile(r"<([a-zA-Z][\w-]*)[^<>]*(?<!/)>")
_CLOSE_TAG = re.compile(r"</([a-zA-Z][\w-]*)\s*>")


def _next_part(
    units: list[str], start: int, opened: list[str], limit: int
) -> tuple[str, int, list[str]]:
    """One part from units[start:], opening with the tags still open; where the next starts
    and the tags open there."""
    head = "".join(opened)
    stack, size, taken = list(opened), len(head), start
    at_newline: tuple[int, list[str]] | None = None  # the last line break: index after, stack
    while taken < len(units):
        unit = units[taken]
        after = _after(stack, unit)
        if size + len(unit) + len(_closing(after)) > limit and taken > start:
            break
        stack, size, taken = after, size + len(unit), taken + 1
        if unit == "\n":
            at_newline = (taken, stack)
    if taken < len(units) and at_newline is not None and at_newline[0] > start + 1:
        taken, stack = at_newline
    body = "".join(units[start:taken])
    return head + body + _closing(stack), taken, stack


def _after(stack: list[str], unit: str) -> list[str]:
    """The open tags after `unit`."""
    closing = _CLOSE_TAG.fullmatch(unit)
    if closing is not None:
        names = [_tag_name(tag) for tag in stack]
        if closing.group(1) in names:
            at = len(names) - 1 - names[::-1].index(closing.group(1))
            return stack[:at] + stack[at + 1 :]
        return stack
    if _OPEN_TAG.fullmatch(unit):
        return [*stack, unit]
    return stack


def _closing(stack: list[str]) -> str:
    return "".join(f"</{_tag_name(tag)}>" for tag in reversed(stack))


def _tag_name(tag: str) -> str:
    match = _OPEN_TAG.fullmatch(tag)
    assert match is not None
    return match.group(1)
