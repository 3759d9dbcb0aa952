"""Numbers, prices and tables the way Korean investors read them, as HTML-safe text."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from handlers.i18n import Markup
from kisbot.clock import KST

TELEGRAM_TEXT_LIMIT = 4096
_SAFE_LIMIT = 4000  # room for the tags a split must close and reopen
_PRE_TAG = re.compile(r"</?pre>")


def number(value: int | Decimal) -> str:
    """12,345 — thousands separators, no decimals for whole numbers."""
    if isinstance(value, Decimal) and value != value.to_integral_value():
        return f"{value:,.2f}"
    return f"{int(value):,}"


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
    """Split a long HTML reply at line breaks into parts under Telegram's limit.

    A <pre> block cut in two is closed at the end of one part and reopened in the next, so each
    part is valid HTML on its own.
    """
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    in_pre = False
    for line in text.split("\n"):
        piece = line if not current else "\n" + line
        if current and len(current) + len(piece) + len("</pre>") > limit:
            parts.append(current + ("</pre>" if in_pre else ""))
            current = ("<pre>" if in_pre else "") + line
        else:
            current += piece
        in_pre = _pre_open_after(line, in_pre)
        while len(current) > limit:  # a single line longer than the limit
            parts.append(current[:limit])
            current = current[limit:]
    if current:
        parts.append(current)
    return parts


def _pre_open_after(line: str, was_open: bool) -> bool:
    is_open = was_open
    for tag in _PRE_TAG.findall(line):
        is_open = tag == "<pre>"
    return is_open
