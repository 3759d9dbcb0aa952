"""How KIS writes numbers: everything a string, rates with fixed decimals, signs as codes."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal


def rate(part: int | Decimal, whole: int | Decimal, *, places: int = 2) -> str:
    """part / whole in percent, e.g. "-1.23"; "0.00" when whole is 0."""
    quantum = Decimal(1).scaleb(-places)
    if not whole:
        return format(Decimal(0).quantize(quantum), "f")
    value = Decimal(part) * 100 / Decimal(whole)
    return format(value.quantize(quantum, rounding=ROUND_HALF_UP), "f")


def change_sign(price: int, base: int, band: tuple[int, int]) -> str:
    """prdy_vrss_sign (kis-api §9.1): 1 상한, 2 상승, 3 보합, 4 하한, 5 하락."""
    lower, upper = band
    if price >= upper and price > base:
        return "1"
    if price <= lower and price < base:
        return "4"
    if price > base:
        return "2"
    return "5" if price < base else "3"


def ymd(day: date) -> str:
    return day.strftime("%Y%m%d")


def parse_ymd(text: str) -> date | None:
    text = text.strip()
    if len(text) != 8 or not text.isdigit():
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


def to_int(text: object, default: int | None = None) -> int | None:
    """A KIS numeric string as int, or `default` when it is not one."""
    try:
        return int(str(text).strip())
    except ValueError:
        return default
