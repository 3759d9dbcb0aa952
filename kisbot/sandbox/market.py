"""The simulated KRX market: today's prices moved by a seeded random walk, and daily history.

Every price the market holds is on a tick and inside the day's ±30% band. Time comes from the
injected clock: while the market is open, each `walk_interval` seconds of clock time is one
step of the walk (`sync`), and `walk(steps)` moves it by hand. Whoever needs to react to a
price (the order books) subscribes with `on_price`; whoever reports trades (the WebSocket's
ticks) with `on_trade`, told of every price change and every traded volume.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from kisbot.clock import KST, Clock
from kisbot.sandbox import krx
from kisbot.sandbox.catalog import LISTINGS, Listing

logger = logging.getLogger(__name__)

HISTORY_DAYS = 400  # business days of history before today
MAX_STEPS_PER_SYNC = 600  # a long pause is not replayed second by second
_STEP_SIGMA = 0.002
_DAY_SIGMA = 0.018

PriceListener = Callable[[str, int], None]


@dataclass(frozen=True, slots=True)
class DailyBar:
    """One trading day of one stock."""

    day: date
    open: int
    high: int
    low: int
    close: int
    volume: int
    turnover: int


@dataclass(slots=True)
class Stock:
    """A listing and its state today; `base` is 기준가 (yesterday's close)."""

    listing: Listing
    base: int
    price: int
    open: int
    high: int
    low: int
    volume: int = 0
    turnover: int = 0
    seed: int = 0
    nxt_price: int | None = None  # NXT's last trade today; None: NXT follows KRX's price
    nxt_last: bool = False  # whether NXT traded after KRX did (the combined price is NXT's)
    first_day: date | None = None  # the session day the stock was created on
    first_base: int = 0
    _older: list[DailyBar] | None = field(default=None, repr=False)  # before first_day
    _newer: list[DailyBar] = field(default_factory=list, repr=False)  # first_day .. yesterday

    @property
    def history(self) -> list[DailyBar]:
        """Daily bars before today, oldest first; made on first use (most stocks go unasked)."""
        if self._older is None:
            assert self.first_day is not None
            self._older = _history(self.listing, self.seed, self.first_day, self.first_base)
        return [*self._older, *self._newer]

    def price_on(self, feed: str) -> int:
        """The price of FID_COND_MRKT_DIV_CODE `feed`: J (KRX), NX (NXT) or UN (the last trade
        on either)."""
        nxt = self.price if self.nxt_price is None else self.nxt_price
        if feed == "NX" or (feed == "UN" and self.nxt_last):
            return nxt
        return self.price

    def close_day(self, day: date, *, traded: bool) -> None:
        """End the session: today's bar joins the history, the close becomes the next base."""
        if traded:
            self._newer.append(self.today_bar(day))
        self.base = self.price
        self.nxt_price, self.nxt_last = None, False
        self.open = self.high = self.low = self.price
        self.volume = self.turnover = 0

    @property
    def etf(self) -> bool:
        return self.listing.is_etf

    @property
    def band(self) -> tuple[int, int]:
        return krx.price_band(self.base, etf=self.etf)

    def today_bar(self, day: date) -> DailyBar:
        return DailyBar(day, self.open, self.high, self.low, self.price, self.volume, self.turnover)

    def bars(self, day: date) -> list[DailyBar]:
        """History plus today, oldest first."""
        return [*self.history, self.today_bar(day)]


TradeListener = Callable[[Stock, int], None]


class Market:
    """All listings with today's prices; deterministic for a seed and a sequence of calls."""

    def __init__(self, clock: Clock, *, seed: int = 0, walk_interval: float = 1.0) -> None:
        self._clock = clock
        self._seed = seed
        self.walk_interval = walk_interval
        self.is_open = True
        self._listeners: list[PriceListener] = []
        self._nxt_listeners: list[PriceListener] = []
        self._trade_listeners: list[TradeListener] = []
        self._day_listeners: list[Callable[[], None]] = []
        self.reset()

    def reset(self) -> None:
        """Back to the seed's opening state; subscribers stay."""
        self._rng = random.Random(self._seed)
        self.session_day = self._clock.now().astimezone(KST).date()
        self._last_walk = self._clock.monotonic()
        self.stocks: dict[str, Stock] = {
            listing.code: _new_stock(listing, self._seed, self.session_day) for listing in LISTINGS
        }

    def add_listing(self, listing: Listing) -> Stock:
        """List one more security (benchmarks that need thousands of codes); returns its stock."""
        stock = _new_stock(listing, self._seed, self.session_day)
        self.stocks[listing.code] = stock
        return stock

    def on_price(self, listener: PriceListener) -> None:
        self._listeners.append(listener)

    def on_trade(self, listener: TradeListener) -> None:
        """Call `listener(stock, volume)` after each trade or price change (volume may be 0)."""
        self._trade_listeners.append(listener)

    def on_new_day(self, listener: Callable[[], None]) -> None:
        """Call `listener` after the market rolls to a new session day."""
        self._day_listeners.append(listener)

    def get(self, code: str) -> Stock | None:
        return self.stocks.get(code.strip().upper())

    def today(self) -> date:
        return self.session_day

    def set_price(self, code: str, price: int) -> int:
        """Move a stock to `price`, snapped to a tick and clamped to the band; returns the price."""
        stock = self.stocks[code]
        lower, upper = stock.band
        price = min(max(krx.round_to_tick(price, etf=stock.etf), lower), upper)
        self._trade(stock, price, volume=0)
        return price

    def set_nxt_price(self, code: str, price: int) -> int:
        """NXT trades a stock at `price` (snapped to a tick and KRX's band, which NXT shares)."""
        stock = self.stocks[code]
        lower, upper = stock.band
        stock.nxt_price = min(max(krx.round_to_tick(price, etf=stock.etf), lower), upper)
        stock.nxt_last = True
        for listener in self._nxt_listeners:
            listener(code, stock.nxt_price)
        return stock.nxt_price

    def on_nxt_price(self, listener: PriceListener) -> None:
        self._nxt_listeners.append(listener)

    def record_fill(self, code: str, price: int, qty: int) -> None:
        """A sandbox order traded: count it in today's volume and turnover."""
        stock = self.stocks[code]
        stock.volume += qty
        stock.turnover += qty * price
        self._tell_trade(stock, qty)

    def walk(self, steps: int = 1) -> None:
        """Move every stock `steps` steps of the random walk (only while open)."""
        if not self.is_open:
            return
        for _ in range(steps):
            for stock in self.stocks.values():
                self._step(stock)

    def sync(self) -> None:
        """Catch up with the clock: roll the day if the date changed, walk for elapsed time."""
        today = self._clock.now().astimezone(KST).date()
        if today != self.session_day:
            self._roll_day(today)
        now = self._clock.monotonic()
        if self.walk_interval <= 0:
            self._last_walk = now
            return
        steps = int((now - self._last_walk) / self.walk_interval)
        if steps > 0:
            self._last_walk += steps * self.walk_interval
            self.walk(min(steps, MAX_STEPS_PER_SYNC))

    def _step(self, stock: Stock) -> None:
        lower, upper = stock.band
        target = stock.price * (1 + self._rng.gauss(0.0, _STEP_SIGMA))
        price = min(max(krx.round_to_tick(round(target), etf=stock.etf), lower), upper)
        self._trade(stock, price, volume=self._rng.randint(0, 30) * 10)

    def _trade(self, stock: Stock, price: int, *, volume: int) -> None:
        moved = price != stock.price
        stock.price = price
        stock.nxt_last = False
        stock.high = max(stock.high, price)
        stock.low = min(stock.low, price)
        stock.volume += volume
        stock.turnover += volume * price
        for listener in self._listeners:
            listener(stock.listing.code, price)
        if moved or volume:
            self._tell_trade(stock, volume)

    def _tell_trade(self, stock: Stock, volume: int) -> None:
        for listener in self._trade_listeners:
            listener(stock, volume)

    def _roll_day(self, today: date) -> None:
        logger.info("sandbox market rolls to %s", today.isoformat())
        traded = self.session_day.weekday() < 5
        for stock in self.stocks.values():
            stock.close_day(self.session_day, traded=traded)
        self.session_day = today
        for listener in self._day_listeners:
            listener()


def _new_stock(listing: Listing, seed: int, today: date) -> Stock:
    base = krx.round_to_tick(listing.base_price, etf=listing.is_etf)
    return Stock(listing, base, base, base, base, base, seed=seed, first_day=today, first_base=base)


def _history(listing: Listing, seed: int, today: date, last_close: int) -> list[DailyBar]:
    """HISTORY_DAYS business days ending the day before `today`, closing at `last_close`."""
    rng = random.Random(f"{seed}:{listing.code}")
    etf = listing.is_etf
    bars: list[DailyBar] = []
    close = last_close
    for day in _business_days_before(today, HISTORY_DAYS):
        prev_close = max(
            krx.round_to_tick(round(close / (1 + rng.gauss(0, _DAY_SIGMA))), etf=etf), 1
        )
        lower, upper = krx.price_band(prev_close, etf=etf)
        close = min(max(close, lower), upper)
        open_ = min(
            max(krx.round_to_tick(round(prev_close * (1 + rng.gauss(0, 0.006))), etf=etf), lower),
            upper,
        )
        high = min(
            krx.round_to_tick(round(max(open_, close) * (1 + abs(rng.gauss(0, 0.006)))), etf=etf),
            upper,
        )
        low = max(
            krx.round_to_tick(round(min(open_, close) * (1 - abs(rng.gauss(0, 0.006)))), etf=etf),
            lower,
        )
        volume = rng.randint(50_000, 5_000_000) if close < 100_000 else rng.randint(5_000, 500_000)
        bars.append(
            DailyBar(
                day,
                open_,
                max(high, open_, close),
                min(low, open_, close),
                close,
                volume,
                volume * close,
            )
        )
        close = prev_close
    bars.reverse()
    return bars


def _business_days_before(today: date, count: int) -> list[date]:
    """`count` weekdays before `today`, newest first (holidays are not modelled)."""
    days: list[date] = []
    day = today
    while len(days) < count:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            days.append(day)
    return days
