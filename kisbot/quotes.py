"""Market data and the account view, transport-neutral: which stock the user means, and its
price, its daily bars or the user's balance, fetched with the user's active credential.

A user names a stock by code (`005930`, `0004y0`) or by name (`삼성전자`, `NAVER`). An exact code
or name gives one `Security`; a name that only partly matches gives `Choices` for the user to pick
from; anything else is a `Problem` the Telegram side explains.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from kisbot.accounts import Accounts
from kisbot.kis import Balance, DailyBar, Environment, KisClient, Quote, is_stock_code
from kisbot.kis.master import Symbol, looks_like_code
from kisbot.kis.symbols import SymbolDirectory
from kisbot.problems import Problem
from kisbot.services import Services

logger = logging.getLogger(__name__)

DEFAULT_DAYS = 10
MAX_DAYS = 100


@dataclass(frozen=True, slots=True)
class Security:
    """A stock the user means: its code, and its name when one is known."""

    code: str
    name: str | None = None

    @property
    def label(self) -> str:
        """What a reply calls it: the name, or the code when there is no name."""
        return self.name or self.code


@dataclass(frozen=True, slots=True)
class Choices:
    """Several stocks fit what the user typed; they pick one."""

    query: str
    securities: tuple[Security, ...]


@dataclass(frozen=True, slots=True)
class DailyRequest:
    """What `/daily TEXT [N]` asks for: the stock text and how many trading days."""

    query: str
    days: int = DEFAULT_DAYS


@dataclass(frozen=True, slots=True)
class PriceView:
    security: Security
    quote: Quote
    environment: Environment


@dataclass(frozen=True, slots=True)
class DailyView:
    security: Security
    bars: tuple[DailyBar, ...]  # oldest first
    environment: Environment


@dataclass(frozen=True, slots=True)
class BalanceView:
    balance: Balance
    environment: Environment


class MarketData:
    """Resolves stock names and reads prices and balances for one bot's users."""

    def __init__(self, services: Services) -> None:
        self._services = services

    # -- which stock ----------------------------------------------------------------------

    async def resolve(self, text: str) -> Security | Choices:
        """The stock `text` names (a code or a name), or the choices when it is ambiguous.

        Raises Problem quotes.unknown_name when nothing fits, quotes.names_unavailable when the
        text is not a code and no names could be loaded.
        """
        query = " ".join(text.split())
        directory = await self._services.symbols.get()
        return resolve_in(directory, query)

    async def security(self, code: str) -> Security:
        """The stock with this code (from a button), named when the directory knows it."""
        directory = await self._services.symbols.get()
        return security_for_code(directory, code)

    async def daily_request(self, words: Sequence[str]) -> DailyRequest:
        """Split `/daily` arguments into the stock text and N (see `split_daily_words`)."""
        directory = await self._services.symbols.get()
        return split_daily_words(directory, words)

    # -- reading --------------------------------------------------------------------------

    async def client(self, user_id: int) -> KisClient:
        """The KIS client of the user's active credential; Problem common.no_credential if none."""
        return await Accounts(self._services).active_client(user_id)

    async def price(self, client: KisClient, security: Security) -> PriceView:
        """The current price of `security`."""
        quote = await client.quote(security.code)
        named = await self._named(security, quote.code, quote.name)
        return PriceView(named, quote, client.environment)

    async def daily(self, client: KisClient, security: Security, days: int) -> DailyView:
        """The last `days` trading days of `security`, oldest first."""
        check_days(days)
        bars = await client.daily_prices(security.code, days=days)
        return DailyView(security, tuple(bars), client.environment)

    async def balance(self, client: KisClient) -> BalanceView:
        """The holdings and summary of the user's active account."""
        return BalanceView(await client.balance(), client.environment)

    async def _named(self, security: Security, code: str, kis_name: str | None) -> Security:
        # KIS's own name wins; the directory's is the fallback.
        if kis_name:
            return Security(code, kis_name)
        if security.name:
            return security
        return await self.security(code)


def resolve_in(directory: SymbolDirectory, query: str) -> Security | Choices:
    """`MarketData.resolve` against a given directory."""
    if not query:
        raise Problem("quotes.unknown_name", query=_shown(query))
    match = directory.lookup(query)
    if match.exact is not None:
        return _security(match.exact)
    code = _code_of(query)
    if code is not None and (looks_like_code(code) or not match.candidates):
        return security_for_code(directory, code)
    if not directory.available:
        raise Problem("quotes.names_unavailable", query=_shown(query))
    if match.candidates:
        return Choices(query, tuple(_security(symbol) for symbol in match.candidates))
    raise Problem("quotes.unknown_name", query=_shown(query))


def security_for_code(directory: SymbolDirectory, code: str) -> Security:
    symbol = directory.by_code(code)
    return _security(symbol) if symbol else Security(code.strip().upper())


def split_daily_words(directory: SymbolDirectory, words: Sequence[str]) -> DailyRequest:
    """The stock text and N of `/daily TEXT [N]`.

    The last word is N when it is a whole number and the whole text is not itself a known name
    or code, so `/daily KODEX 200` is the ETF while `/daily 삼성전자 20` is twenty days. When the
    words before it name a stock, a last word that is not a number from 1 to 100 is a Problem
    quotes.bad_days; otherwise the whole text is taken as the name.
    """
    text = " ".join(words)
    if len(words) < 2 or _is_known(directory, text):
        return DailyRequest(text)
    last, rest = words[-1], " ".join(words[:-1])
    days = _whole_number(last)
    if days is not None and 1 <= days <= MAX_DAYS:
        return DailyRequest(rest, days)
    if _is_known(directory, rest) or _code_of(rest) is not None:
        raise Problem("quotes.bad_days", given=last, most=MAX_DAYS)
    return DailyRequest(text)


def check_days(days: int, given: str | None = None) -> None:
    """Problem quotes.bad_days unless 1 <= days <= MAX_DAYS."""
    if not 1 <= days <= MAX_DAYS:
        raise Problem("quotes.bad_days", given=given or str(days), most=MAX_DAYS)


def _whole_number(word: str) -> int | None:
    # Short on purpose: int() of thousands of digits is slow and then refused.
    return int(word) if word.isascii() and word.isdigit() and len(word) <= 6 else None


def _is_known(directory: SymbolDirectory, text: str) -> bool:
    return directory.lookup(text).exact is not None


def _code_of(text: str) -> str | None:
    code = text.strip().upper()
    return code if is_stock_code(code) else None


def _shown(query: str) -> str:
    # What was typed, as a reply repeats it: long enough to recognise, never a wall of text.
    return query if len(query) <= 60 else query[:59] + "…"


def _security(symbol: Symbol) -> Security:
    return Security(symbol.code, symbol.name)
