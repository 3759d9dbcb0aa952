"""KRX stock codes, tick sizes (호가단위) and the daily price band, for checking orders early.

Codes are six characters of `[0-9A-Z]`: since 2024 KRX issues codes with a letter (`0004Y0`).
Tick sizes follow the unified KOSPI/KOSDAQ table (kis-api §8); when a quote is at hand its
`aspr_unit`, `stck_mxpr` and `stck_llam` are better and should be preferred.
"""

from __future__ import annotations

import re
from enum import StrEnum

_CODE = re.compile(r"[0-9A-Z]{6}")

# (price below which the tick applies, tick); the last tick applies to everything above.
_TICKS: tuple[tuple[int, int], ...] = (
    (2_000, 1),
    (5_000, 5),
    (20_000, 10),
    (50_000, 50),
    (200_000, 100),
    (500_000, 500),
)
_TOP_TICK = 1_000


def is_stock_code(text: str) -> bool:
    """True for a KRX short code: six characters of 0-9 and A-Z."""
    return bool(_CODE.fullmatch(text))


def normalize_code(text: str) -> str:
    """The code in KIS form (trimmed, uppercase); ValueError when it is not a stock code."""
    code = text.strip().upper()
    if not is_stock_code(code):
        raise ValueError("a stock code is six letters or digits, such as 005930 or 0004Y0")
    return code


def tick_size(price: int) -> int:
    """The KRX tick for a stock at this price (KOSPI and KOSDAQ, table of 2023)."""
    for below, tick in _TICKS:
        if price < below:
            return tick
    return _TOP_TICK


class PriceProblem(StrEnum):
    """Why a limit price cannot be sent."""

    NOT_POSITIVE = "not_positive"
    OFF_TICK = "off_tick"
    ABOVE_UPPER_LIMIT = "above_upper_limit"
    BELOW_LOWER_LIMIT = "below_lower_limit"


def price_problem(
    price: int,
    *,
    tick: int | None = None,
    upper_limit: int | None = None,
    lower_limit: int | None = None,
) -> PriceProblem | None:
    """What is wrong with this limit price, or None when KRX would accept it.

    Pass the quote's tick and limits when known; the tick falls back to the KRX table and the
    limits are skipped when unknown (0 or None).
    """
    if price <= 0:
        return PriceProblem.NOT_POSITIVE
    if upper_limit and price > upper_limit:
        return PriceProblem.ABOVE_UPPER_LIMIT
    if lower_limit and price < lower_limit:
        return PriceProblem.BELOW_LOWER_LIMIT
    unit = tick or tick_size(price)
    if price % unit:
        return PriceProblem.OFF_TICK
    return None


def nearest_valid_prices(price: int, tick: int | None = None) -> tuple[int, int]:
    """The valid prices just below and just above (equal to both when already on a tick)."""
    unit = tick or tick_size(price)
    below = price - price % unit
    # Band boundaries are multiples of the ticks on both sides, so `above` is always valid.
    above = below if below == price else below + unit
    return below, above
