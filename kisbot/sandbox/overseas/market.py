"""Overseas prices: one Decimal price per listing, quoted with the exchange's decimals, moved by
tests (`set_price`); each exchange is open on weekdays in its local hours (holidays are not
modelled), or as a test forces it. Daily history is a seeded walk back from the base price."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from kisbot.clock import Clock
from kisbot.sandbox.overseas.listings import BY_EXCD, LISTINGS, OverseasListing, Venue

_HISTORY_DAYS = 300


@dataclass(frozen=True, slots=True)
class OverseasBar:
    day: date  # local
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: int


@dataclass(slots=True)
class OverseasStock:
    listing: OverseasListing
    venue: Venue
    last: Decimal
    base: Decimal  # the previous close
    history: list[OverseasBar]  # oldest first, days before today
    volume: int = 0
    amount: Decimal = Decimal(0)
    day_open: Decimal | None = None
    high: Decimal | None = None
    low: Decimal | None = None

    def quantize(self, price: Decimal) -> Decimal:
        step = Decimal(1).scaleb(-self.listing.decimals)
        return price.quantize(step, rounding=ROUND_HALF_UP)


PriceListener = Callable[[OverseasStock], None]


@dataclass(slots=True)
class OverseasMarket:
    clock: Clock
    seed: int = 0
    forced_open: bool | None = None  # None: each exchange's own hours
    stocks: dict[tuple[str, str], OverseasStock] = field(default_factory=dict)
    _listeners: list[PriceListener] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.forced_open = None
        self.stocks = {
            (listing.excd, listing.symbol): _new_stock(listing, self.seed, self._local_today(
                BY_EXCD[listing.excd]))
            for listing in LISTINGS
        }  # fmt: skip

    def on_price(self, listener: PriceListener) -> None:
        self._listeners.append(listener)

    def get(self, excd: str, symbol: str) -> OverseasStock | None:
        return self.stocks.get((excd, symbol.strip().upper()))

    def set_price(self, excd: str, symbol: str, price: Decimal) -> Decimal:
        """Trade `symbol` at `price` (rounded to its decimals); resting orders it reaches fill
        while the exchange is open."""
        stock = self.stocks[(excd, symbol)]
        self.trade(stock, stock.quantize(Decimal(price)), 0)
        for listener in list(self._listeners):
            listener(stock)
        return stock.last

    def trade(self, stock: OverseasStock, price: Decimal, qty: int) -> None:
        stock.last = price
        stock.volume += qty
        stock.amount += price * qty
        stock.day_open = stock.day_open if stock.day_open is not None else price
        stock.high = price if stock.high is None else max(stock.high, price)
        stock.low = price if stock.low is None else min(stock.low, price)

    def is_open(self, venue: Venue, at: datetime | None = None) -> bool:
        if self.forced_open is not None:
            return self.forced_open
        local = (at or self.clock.now()).astimezone(venue.zone)
        if local.weekday() >= 5:
            return False
        return any(start <= local.time() < end for start, end in venue.hours)

    def local_now(self, venue: Venue) -> datetime:
        return self.clock.now().astimezone(venue.zone)

    def _local_today(self, venue: Venue) -> date:
        return self.local_now(venue).date()

    def bars(self, stock: OverseasStock) -> list[OverseasBar]:
        """Every bar, oldest first, today's (if it traded today) last."""
        bars = list(stock.history)
        today = self._local_today(stock.venue)
        if stock.day_open is not None and today.weekday() < 5:
            assert stock.high is not None and stock.low is not None
            bars.append(
                OverseasBar(today, stock.day_open, stock.high, stock.low, stock.last, stock.volume)
            )
        return bars


def _new_stock(listing: OverseasListing, seed: int, today: date) -> OverseasStock:
    venue = BY_EXCD[listing.excd]
    stock = OverseasStock(listing, venue, listing.base_price, listing.base_price, [])
    stock.history = _history(stock, seed, today)
    return stock


def _history(stock: OverseasStock, seed: int, today: date) -> list[OverseasBar]:
    """Weekdays before `today`, walking back from the base price (the last close)."""
    rng = random.Random(f"{seed}:{stock.listing.excd}:{stock.listing.symbol}")
    days: list[date] = []
    day = today
    while len(days) < _HISTORY_DAYS:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            days.append(day)
    bars: list[OverseasBar] = []
    close = stock.listing.base_price
    for day in days:  # newest first while walking back
        move = Decimal(str(round(rng.gauss(0, 0.015), 4)))
        open_ = stock.quantize(close * (1 - move / 2))
        high = stock.quantize(max(open_, close) * Decimal("1.006"))
        low = stock.quantize(min(open_, close) * Decimal("0.994"))
        bars.append(OverseasBar(day, open_, high, low, close, rng.randint(100_000, 5_000_000)))
        close = stock.quantize(close * (1 - move))
    return bars[::-1]
