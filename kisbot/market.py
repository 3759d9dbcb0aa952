"""What the user reads: a stock's price, its daily bars, and the balance of their account.

Every read uses the user's active account (`Accounts.client`) at the user's priority; the stock
comes from the one resolver (`Securities`), so an ambiguous name gives `Choices` here exactly
as it does for an order or an alert. A stock listed abroad is read with the same key's overseas
operations, in its own currency (Decimal), with the exchange's local time.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from kisbot.accounts import Accounts
from kisbot.clock import Clock, SystemClock
from kisbot.kis import (
    Balance,
    DailyBar,
    Environment,
    KisClient,
    KisError,
    PriceFeed,
    Quote,
)
from kisbot.kis.overseas import EXCHANGES, Exchange, OverseasBar, OverseasHolding, OverseasQuote
from kisbot.market_hours import KrxCalendar
from kisbot.overseas_hours import OverseasHours
from kisbot.problems import Problem
from kisbot.securities import Choices, Securities, Security, code_in

DEFAULT_DAYS = 10
MAX_DAYS = 100


@dataclass(frozen=True, slots=True)
class PriceView:
    """A stock's price: on real keys the combined (통합) price, with KRX's and NXT's beside it
    while NXT trades; on mock keys KRX's, the only one mock has."""

    security: Security
    quote: Quote
    environment: Environment
    venues: tuple[Quote, ...] = ()  # KRX's and NXT's, when shown side by side


@dataclass(frozen=True, slots=True)
class OverseasPriceView:
    """A price abroad, in its currency, with the exchange's local time and whether it trades."""

    security: Security
    quote: OverseasQuote
    environment: Environment
    krw_rate: Decimal | None  # KIS's won per unit (real keys), for the KRW equivalent
    local_time: datetime
    is_open: bool

    @property
    def krw_price(self) -> Decimal | None:
        """The price in won at KIS's rate, whole won; None without a rate."""
        if self.krw_rate is None:
            return None
        return (self.quote.price * self.krw_rate).quantize(Decimal(1))


@dataclass(frozen=True, slots=True)
class OverseasDailyView:
    security: Security
    bars: tuple[OverseasBar, ...]  # oldest first, by the exchange's date
    environment: Environment


@dataclass(frozen=True, slots=True)
class DailyView:
    security: Security
    bars: tuple[DailyBar, ...]  # oldest first
    environment: Environment


@dataclass(frozen=True, slots=True)
class DailyChoices:
    """`/daily NAME N` where NAME fits several stocks: pick one, then N days of it."""

    choices: Choices
    days: int


@dataclass(frozen=True, slots=True)
class BalanceView:
    balance: Balance
    environment: Environment
    masked_account: str


@dataclass(frozen=True, slots=True)
class CurrencyHoldings:
    """The holdings abroad in one currency, their totals, and the won they come to."""

    currency: str
    symbol: str  # $, HK$, ...
    holdings: tuple[OverseasHolding, ...]
    krw_rate: Decimal | None  # KIS's rate (real keys); None on mock

    @property
    def evaluation(self) -> Decimal:
        return sum((h.evaluation for h in self.holdings), Decimal(0))

    @property
    def purchase(self) -> Decimal:
        return sum((h.purchase_amount for h in self.holdings), Decimal(0))

    @property
    def pnl(self) -> Decimal:
        return sum((h.pnl for h in self.holdings), Decimal(0))

    @property
    def pnl_rate(self) -> Decimal | None:
        if not self.purchase:
            return None
        return (self.pnl * 100 / self.purchase).quantize(Decimal("0.01"))

    def in_won(self, amount: Decimal) -> Decimal | None:
        return None if self.krw_rate is None else (amount * self.krw_rate).quantize(Decimal(1))


@dataclass(frozen=True, slots=True)
class OverseasBalanceView:
    """`/balance us` (or hk, cn, jp, vn, 해외): holdings abroad by currency, with the won
    totals at KIS's rates on real keys."""

    environment: Environment
    masked_account: str
    currencies: tuple[CurrencyHoldings, ...]
    as_of: datetime

    @property
    def krw_evaluation(self) -> Decimal | None:
        return _won_total(c.in_won(c.evaluation) for c in self.currencies)

    @property
    def krw_pnl(self) -> Decimal | None:
        return _won_total(c.in_won(c.pnl) for c in self.currencies)


def _won_total(amounts: Iterable[Decimal | None]) -> Decimal | None:
    values = list(amounts)
    if not values or any(value is None for value in values):
        return None
    return sum((value for value in values if value is not None), Decimal(0))


# Which exchanges `/balance WORD` reads (on mock, NASD is NASDAQ alone: each US one is asked).
_COUNTRIES = {
    "us": ("US",), "미국": ("US",), "hk": ("HK",), "홍콩": ("HK",), "cn": ("CN",),
    "중국": ("CN",), "jp": ("JP",), "일본": ("JP",), "vn": ("VN",), "베트남": ("VN",),
}  # fmt: skip
_ALL_ABROAD = frozenset({"해외", "overseas", "abroad", "all", "전체"})


class Market:
    """Prices, daily bars and balances for the bot's users."""

    def __init__(
        self,
        accounts: Accounts,
        securities: Securities,
        calendar: KrxCalendar | None = None,
        overseas_hours: OverseasHours | None = None,
        clock: Clock | None = None,
    ) -> None:
        self._clock = clock or SystemClock()
        self._accounts = accounts
        self._securities = securities
        self._calendar = calendar
        self._overseas_hours = overseas_hours

    async def price(
        self, user_id: int, words: Sequence[str]
    ) -> PriceView | OverseasPriceView | Choices:
        """`/price CODE|NAME`: the current price, or the choices when the name is ambiguous."""
        if not words:
            raise Problem("quotes.price_usage")
        client = await self._accounts.client(user_id)
        found = await self._securities.resolve(" ".join(words))
        if isinstance(found, Choices):
            return found
        return await self._price(client, found)

    async def price_of(self, user_id: int, code: str) -> PriceView | OverseasPriceView:
        """The current price of the stock with this key (a button's)."""
        client = await self._accounts.client(user_id)
        return await self._price(client, await self._securities.security(code))

    async def daily(
        self, user_id: int, words: Sequence[str]
    ) -> DailyView | OverseasDailyView | DailyChoices:
        """`/daily CODE|NAME [N]`: the last N trading days, or the choices for an ambiguous name."""
        if not words:
            raise Problem("quotes.daily_usage")
        client = await self._accounts.client(user_id)
        query, days = await self._split_daily(words)
        found = await self._securities.resolve(query)
        if isinstance(found, Choices):
            return DailyChoices(found, days)
        return await self._daily(client, found, days)

    async def daily_of(self, user_id: int, code: str, days: int) -> DailyView | OverseasDailyView:
        """The last `days` trading days of the stock with this key (a button's)."""
        check_days(days)
        client = await self._accounts.client(user_id)
        return await self._daily(client, await self._securities.security(code), days)

    async def balance(
        self, user_id: int, words: Sequence[str] = ()
    ) -> BalanceView | OverseasBalanceView:
        """The holdings and summary of the user's active account; `/balance us` (hk, cn, jp,
        vn, 해외) its holdings abroad instead."""
        client = await self._accounts.client(user_id)
        if words:
            return await self._balance_abroad(client, _countries(words))
        balance = await client.balance()
        return BalanceView(balance, client.environment, client.credential.account.masked)

    async def _balance_abroad(
        self, client: KisClient, countries: tuple[str, ...]
    ) -> OverseasBalanceView:
        held: list[OverseasHolding] = []
        for market in _balance_exchanges(countries, client.environment):
            held += await client.overseas.holdings(market)
        unique = {(h.symbol, h.exchange.quote_code if h.exchange else ""): h for h in held}
        by_currency: dict[str, list[OverseasHolding]] = {}
        for holding in unique.values():
            by_currency.setdefault(holding.currency, []).append(holding)
        currencies = []
        for currency, holdings in sorted(by_currency.items()):
            market = holdings[0].exchange
            rate = None
            if market is not None:
                with contextlib.suppress(KisError):  # a nicety: none on mock
                    rate = await client.overseas.krw_rate(market, holdings[0].symbol)
            symbol = market.currency_symbol if market is not None else ""
            currencies.append(CurrencyHoldings(currency, symbol, tuple(holdings), rate))
        return OverseasBalanceView(
            client.environment, client.credential.account.masked, tuple(currencies),
            self._clock.now(),
        )  # fmt: skip

    async def _price(self, client: KisClient, security: Security) -> PriceView | OverseasPriceView:
        if security.exchange is not None:
            return await self._overseas_price(client, security)
        if client.environment.is_mock:
            quote, venues = await client.quote(security.code), ()
        elif self._calendar is not None and self._calendar.nxt_trading():
            quote, *both = await asyncio.gather(
                *(
                    client.quote(security.code, feed=feed)
                    for feed in (PriceFeed.COMBINED, PriceFeed.KRX, PriceFeed.NXT)
                )
            )
            venues = tuple(both)
        else:
            quote, venues = await client.quote(security.code, feed=PriceFeed.COMBINED), ()
        # KIS's own name wins; the directory's is the fallback.
        named = Security(quote.code, quote.name) if quote.name else security
        return PriceView(named, quote, client.environment, venues)

    async def _daily(
        self, client: KisClient, security: Security, days: int
    ) -> DailyView | OverseasDailyView:
        if security.exchange is not None:
            found = await client.overseas.daily(security.exchange, security.code, days)
            if not found:
                raise Problem("quotes.overseas_unknown", code=security.shown_code)
            return OverseasDailyView(security, tuple(found), client.environment)
        bars = await client.daily_prices(security.code, days=days)
        return DailyView(security, tuple(bars), client.environment)

    async def _overseas_price(self, client: KisClient, security: Security) -> OverseasPriceView:
        market = security.exchange
        assert market is not None
        quote, rate = await asyncio.gather(
            client.overseas.quote(market, security.code), self._krw_rate(client, security)
        )
        if quote is None:  # KIS's answer for a ticker the exchange does not list
            raise Problem("quotes.overseas_unknown", code=security.shown_code)
        hours = self._overseas_hours
        return OverseasPriceView(
            security,
            quote,
            client.environment,
            rate,
            quote.as_of.astimezone(market.timezone),
            hours.is_open(market, quote.as_of) if hours is not None else False,
        )

    async def _krw_rate(self, client: KisClient, security: Security) -> Decimal | None:
        """KIS's rate for the KRW equivalent, a nicety: none on mock (no API for it) or when
        KIS does not give it now."""
        assert security.exchange is not None
        with contextlib.suppress(KisError):
            return await client.overseas.krw_rate(security.exchange, security.code)
        return None

    async def _split_daily(self, words: Sequence[str]) -> tuple[str, int]:
        """The stock text and N of `/daily TEXT [N]`.

        The last word is N when it is a whole number and the whole text is not itself a known
        name or code, so `/daily KODEX 200` is the ETF while `/daily 삼성전자 20` is twenty
        days. When the words before it name a stock, a last word that is not a number from 1
        to 100 is a Problem quotes.bad_days; otherwise the whole text is taken as the name.
        """
        text = " ".join(words)
        if len(words) < 2 or await self._securities.is_known(text):
            return text, DEFAULT_DAYS
        last, rest = words[-1], " ".join(words[:-1])
        days = _whole_number(last)
        if days is not None and 1 <= days <= MAX_DAYS:
            return rest, days
        if await self._securities.is_known(rest) or code_in(rest) is not None:
            raise Problem("quotes.bad_days", given=last, most=MAX_DAYS)
        return text, DEFAULT_DAYS


def _countries(words: Sequence[str]) -> tuple[str, ...]:
    """The countries `/balance WORDS` asks for (Problem account.balance_usage otherwise)."""
    countries: list[str] = []
    for word in words:
        key = word.strip().casefold()
        if key in _ALL_ABROAD:
            return ("US", "HK", "CN", "JP", "VN")
        if key not in _COUNTRIES:
            raise Problem("account.balance_usage", word=word)
        countries += [c for c in _COUNTRIES[key] if c not in countries]
    return tuple(countries)


def _balance_exchanges(countries: tuple[str, ...], environment: Environment) -> list[Exchange]:
    """The exchanges to ask: one a country, but every US one on mock, where NASD means NASDAQ
    only (kis-api §13.1), and both Chinese and both Vietnamese ones everywhere."""
    chosen: list[Exchange] = []
    for market in EXCHANGES:
        if market.country not in countries:
            continue
        if market.is_us and not environment.is_mock and market.trade_code != "NASD":
            continue  # real NASD answers every US exchange
        chosen.append(market)
    return chosen


def check_days(days: int) -> None:
    """Problem quotes.bad_days unless 1 <= days <= MAX_DAYS."""
    if not 1 <= days <= MAX_DAYS:
        raise Problem("quotes.bad_days", given=str(days), most=MAX_DAYS)


def _whole_number(word: str) -> int | None:
    # Short on purpose: int() of thousands of digits is slow and then refused.
    return int(word) if word.isascii() and word.isdigit() and len(word) <= 6 else None
