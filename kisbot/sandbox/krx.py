"""KRX price rules the sandbox enforces: tick sizes (호가단위) and the ±30% daily band."""

from __future__ import annotations

# (lower bound, tick) pairs for stocks, KOSPI and KOSDAQ alike since 2023 (kis-api §8).
_STOCK_TICKS: tuple[tuple[int, int], ...] = (
    (500_000, 1_000),
    (200_000, 500),
    (50_000, 100),
    (20_000, 50),
    (5_000, 10),
    (2_000, 5),
    (0, 1),
)
BAND_RATE_PERCENT = 30


def tick_size(price: int, *, etf: bool = False) -> int:
    """The price step at `price`. ETFs step 1 won below 2,000 and 5 won above (KRX ETF rule)."""
    if etf:
        return 1 if price < 2_000 else 5
    for lower, tick in _STOCK_TICKS:
        if price >= lower:
            return tick
    return 1


def round_down_to_tick(price: int, *, etf: bool = False) -> int:
    """The highest valid price not above `price`."""
    tick = tick_size(price, etf=etf)
    return price - price % tick


def round_up_to_tick(price: int, *, etf: bool = False) -> int:
    """The lowest valid price not below `price`."""
    down = round_down_to_tick(price, etf=etf)
    return down if down == price else down + tick_size(down, etf=etf)


def round_to_tick(price: int, *, etf: bool = False) -> int:
    """The valid price nearest to `price` (ties go up)."""
    down = round_down_to_tick(price, etf=etf)
    up = round_up_to_tick(price, etf=etf)
    return up if up - price <= price - down else down


def is_on_tick(price: int, *, etf: bool = False) -> bool:
    return price > 0 and price % tick_size(price, etf=etf) == 0


def price_band(base: int, *, etf: bool = False) -> tuple[int, int]:
    """(하한가, 상한가) of a base price: ±30%, upper rounded down and lower up to a tick."""
    upper = round_down_to_tick(base * (100 + BAND_RATE_PERCENT) // 100, etf=etf)
    lower = round_up_to_tick(-(-base * (100 - BAND_RATE_PERCENT) // 100), etf=etf)
    return max(lower, 1), upper
