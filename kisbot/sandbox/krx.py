"""KRX price rules the sandbox enforces: tick sizes (호가단위), the ±30% daily band (which NXT
shares), and when NXT trades."""

from __future__ import annotations

from datetime import datetime, time

from kisbot.clock import KST

# NXT's sessions (kis-api §8). The sandbox stands apart from kisbot's own session table
# (kisbot.market_hours, which speaks kisbot.kis's types) and, like its market, knows weekdays only.
NXT_SESSIONS = ((time(8, 0), time(8, 50)), (time(9, 0), time(15, 20)), (time(15, 30), time(20, 0)))

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


def nxt_trades(now: datetime) -> bool:
    """Whether NXT runs a session at `now` (a weekday, KST)."""
    local = now.astimezone(KST)
    moment = local.time()
    return local.weekday() < 5 and any(start <= moment < end for start, end in NXT_SESSIONS)
