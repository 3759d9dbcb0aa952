"""Reading what the user typed: share counts, limit prices and KIS order numbers."""

from __future__ import annotations

import re
from decimal import Decimal

from kisbot.problems import Problem

MAX_QUANTITY = 1_000_000
MAX_PRICE = 100_000_000
_NUMBER = re.compile(r"[0-9]{1,3}(,[0-9]{3})+|[0-9]+")
_MARKET_WORDS = {"시장가", "market", "mkt"}


def parse_quantity(text: str) -> int:
    """A share count: 1..1,000,000, thousands commas and a trailing 주 allowed."""
    number = _whole_number(text.removesuffix("주"))
    if number is None or not 1 <= number <= MAX_QUANTITY:
        raise Problem("trading.bad_quantity", text=text, max=f"{MAX_QUANTITY:,}")
    return number


def parse_price(text: str) -> int | None:
    """A limit price in won (commas and a trailing 원 allowed); None for 시장가/market."""
    if text.strip().lower() in _MARKET_WORDS:
        return None
    number = _whole_number(text.removesuffix("원"))
    if number is None or not 1 <= number <= MAX_PRICE:
        raise Problem("trading.bad_price", text=text)
    return number


_LIMIT = re.compile(r"([0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(\.[0-9]{1,4})?")
_CURRENCY_MARKS = ("HK$", "US$", "$", "¥", "₫", "￥")


def parse_limit(text: str) -> Decimal | None:
    """A limit price that may have decimals (`190.50`, `$190.50`, `72,000원`), exact; None for
    시장가/market. A KRX order takes it in whole won, an overseas one in its currency."""
    word = text.strip()
    if word.lower() in _MARKET_WORDS:
        return None
    word = word.removesuffix("원")
    for mark in _CURRENCY_MARKS:
        word = word.removeprefix(mark)
    found = _LIMIT.fullmatch(word.strip())
    value = Decimal(found.group(0).replace(",", "")) if found else None
    if value is None or not 0 < value <= MAX_PRICE:
        raise Problem("trading.bad_price", text=text)
    return value


def whole_won(limit: Decimal | int | None, text: str) -> int | None:
    """A KRX limit in whole won (Problem trading.bad_price for a fraction)."""
    if limit is None:
        return None
    if limit != int(limit):
        raise Problem("trading.bad_price", text=text)
    return int(limit)


def parse_order_no(text: str) -> str:
    """An order number as digits (leading zeros kept; compare with `same_order_no`)."""
    digits = text.strip()
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 20 or not digits.strip("0"):
        raise Problem("trading.bad_order_no", text=text)
    return digits


def same_order_no(a: str, b: str) -> bool:
    return a.strip().lstrip("0") == b.strip().lstrip("0")


def _whole_number(text: str) -> int | None:
    text = text.strip()
    return int(text.replace(",", "")) if _NUMBER.fullmatch(text) else None
