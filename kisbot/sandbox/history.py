"""Daily bars grouped by week, month or year, as the chart APIs return them."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import date

from kisbot.sandbox.market import DailyBar

PERIODS = ("D", "W", "M", "Y")


def bars_for_period(bars: list[DailyBar], period: str) -> list[DailyBar]:
    """Oldest-first bars for D/W/M/Y; each longer bar is dated by its last trading day."""
    if period == "D":
        return list(bars)
    key = _PERIOD_KEYS[period]
    groups: list[list[DailyBar]] = []
    for bar in bars:
        if groups and key(groups[-1][0].day) == key(bar.day):
            groups[-1].append(bar)
        else:
            groups.append([bar])
    return [_merge(group) for group in groups]


def _merge(group: list[DailyBar]) -> DailyBar:
    return DailyBar(
        day=group[-1].day,
        open=group[0].open,
        high=max(bar.high for bar in group),
        low=min(bar.low for bar in group),
        close=group[-1].close,
        volume=sum(bar.volume for bar in group),
        turnover=sum(bar.turnover for bar in group),
    )


_PERIOD_KEYS: dict[str, Callable[[date], Hashable]] = {
    "W": lambda day: day.isocalendar()[:2],
    "M": lambda day: (day.year, day.month),
    "Y": lambda day: day.year,
}
