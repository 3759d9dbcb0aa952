"""Which stock the user means, and what it is called: the one resolver every command uses.

A user names a stock by code (`005930`, `5930`, `0004y0`) or by name (`삼성전자`, `NAVER`,
`하이닉스`); an overseas one by ticker (`AAPL`), by exchange and ticker (`NAS:AAPL`, `나스닥:AAPL`)
or by name (`애플`, `apple`). `Securities.resolve` gives one `Security` when the text names one
stock: a code, an exact name or ticker, or the only name that holds the text. Otherwise it gives
`Choices` for the user to pick from: several stocks (a name listed in Seoul and New York, a
ticker listed twice, names holding the text), or names only spelled alike (a typo's likely
meaning, which is offered, never assumed). Anything else is a `Problem`. /price, /daily, /buy,
/sell and /alert all resolve here, so "삼성" means the same everywhere.

A security is known everywhere else by its `key`: the KRX code, or `EXCD.TICKER` for an
overseas listing (`NAS.AAPL`; a dot, since button data is colon-separated).

Names come from the KIS master files (`kisbot.kis.symbols`, `kisbot.kis.overseas.symbols`); when
they cannot be had, codes (and `NAS:AAPL`) still work and a name is a Problem saying so.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from kisbot.kis import is_stock_code
from kisbot.kis.master import Symbol, looks_like_code
from kisbot.kis.overseas import Exchange, exchange, normalize_symbol
from kisbot.kis.overseas.master import OverseasSymbol
from kisbot.kis.overseas.symbols import OverseasDirectory, OverseasSymbolSource
from kisbot.kis.symbols import SymbolDirectory, SymbolSource
from kisbot.problems import Problem

logger = logging.getLogger(__name__)


MAX_CHOICES = 8


@dataclass(frozen=True, slots=True)
class Security:
    """A stock the user means: its code (an overseas ticker), its name when one is known, and
    its exchange when it is listed abroad."""

    code: str
    name: str | None = None
    exchange: Exchange | None = None  # None: KRX

    @property
    def is_overseas(self) -> bool:
        return self.exchange is not None

    @property
    def key(self) -> str:
        """How buttons, orders and alerts name it: `005930`, or `NAS.AAPL` abroad."""
        return f"{self.exchange.quote_code}.{self.code}" if self.exchange else self.code

    @property
    def shown_code(self) -> str:
        """How a reply writes its code: `005930`, or `NAS:AAPL` abroad."""
        return f"{self.exchange.quote_code}:{self.code}" if self.exchange else self.code

    @property
    def label(self) -> str:
        """What a reply calls it: the name, or the code when there is no name."""
        return self.name or self.code


def overseas_key(text: str) -> Security | None:
    """The overseas listing `text` spells as EXCHANGE:TICKER or EXCHANGE.TICKER (`NAS:AAPL`,
    `나스닥:aapl`, `NAS.BRK.B`), unnamed; None when it is not one."""
    word = text.strip()
    for separator in (":", "."):
        head, found, tail = word.partition(separator)
        market = exchange(head) if found else None
        if market is not None:
            try:
                return Security(normalize_symbol(tail), None, market)
            except ValueError:
                return None
    return None


def shown_code(key: str) -> str:
    """How a reply writes a security key: `005930`, or `NAS:AAPL` abroad."""
    security = overseas_key(key)
    return security.shown_code if security is not None else key


def is_security_key(text: str) -> bool:
    """Whether `text` is a `Security.key` (a KRX code, or EXCD.TICKER)."""
    return is_stock_code(text) or overseas_key(text) is not None


class ChoiceKind(StrEnum):
    SEVERAL = "several"  # several names hold what was typed
    SIMILAR = "similar"  # nothing holds it; these are spelled alike (did you mean…?)


@dataclass(frozen=True, slots=True)
class Choices:
    """What the user typed fits no single stock; they pick one of these."""

    query: str
    securities: tuple[Security, ...]
    kind: ChoiceKind = ChoiceKind.SEVERAL


class Securities:
    """Resolves and names stocks from the symbol directory."""

    def __init__(self, symbols: SymbolSource, overseas: OverseasSymbolSource | None = None) -> None:
        self._symbols = symbols
        self._overseas = overseas

    async def resolve(self, text: str) -> Security | Choices:
        """The stock `text` names, or the choices when it names none for sure.

        Raises Problem securities.unknown_name when nothing fits, and
        securities.names_unavailable when the text is not a code and no names could be loaded.
        """
        explicit = overseas_key(text)
        if explicit is not None:
            return await self._named(explicit)
        overseas = await self._overseas_directory() if code_in(text) is None else None
        return resolve_in(await self._symbols.get(), text, overseas)

    async def security(self, key: str) -> Security:
        """The stock with this key (from a button, an alert or KIS), named when known."""
        abroad = overseas_key(key)
        if abroad is not None:
            return await self._named(abroad)
        return Security(key.strip().upper(), await self.name(key))

    async def name(self, code: str) -> str | None:
        """The stock's name (by code or key), or None; never fails (names are a nicety)."""
        abroad = overseas_key(code)
        if abroad is not None:
            return (await self._named(abroad)).name
        directory = await self._directory()
        symbol = directory.by_code(code) if directory is not None else None
        return symbol.name if symbol is not None else None

    async def is_known(self, text: str) -> bool:
        """Whether `text` is itself a listed code or an exact name."""
        directory = await self._directory()
        return directory is not None and directory.lookup(text).exact is not None

    async def _directory(self) -> SymbolDirectory | None:
        try:
            return await self._symbols.get()
        except Exception as error:  # names are optional; codes always work
            logger.warning("symbol directory unavailable (%s)", type(error).__name__)
            return None

    async def lot(self, security: Security) -> int:
        """How many shares an order abroad must be a multiple of (the master file's lot; 1 for
        a KRX stock, or when the file is not at hand: KIS then refuses a wrong one itself)."""
        if security.exchange is None:
            return 1
        directory = await self._overseas_directory()
        listing = directory.listing(security.exchange, security.code) if directory else None
        return listing.buy_lot if listing is not None else 1

    async def _overseas_directory(self) -> OverseasDirectory | None:
        if self._overseas is None:
            return None
        try:
            return await self._overseas.get()
        except Exception as error:  # names are optional; NAS:AAPL always works
            logger.warning("overseas symbols unavailable (%s)", type(error).__name__)
            return None

    async def _named(self, security: Security) -> Security:
        directory = await self._overseas_directory()
        assert security.exchange is not None
        listing = directory.listing(security.exchange, security.code) if directory else None
        return _overseas(listing) if listing is not None else security


def resolve_in(
    directory: SymbolDirectory, text: str, overseas: OverseasDirectory | None = None
) -> Security | Choices:
    """`Securities.resolve` against given directories (KRX first: most mean a Korean stock)."""
    query = " ".join(text.split())
    if not query:
        raise Problem("securities.unknown_name", query=query)
    code = code_in(query)
    match = directory.lookup(code or query)
    abroad = overseas if code is None else None
    exact = ([_security(match.exact)] if match.exact else []) + [
        _overseas(s) for s in (abroad.exact(query) if abroad else ())
    ]
    if len(exact) == 1:
        return exact[0]
    if exact:
        return Choices(query, tuple(exact[:MAX_CHOICES]), ChoiceKind.SEVERAL)
    if code is not None and (looks_like_code(code) or not match.candidates):
        return Security(code)
    if not directory.available and not (abroad is not None and abroad.available):
        raise Problem("securities.names_unavailable", query=query)
    # Only now the overseas names are scanned: an exact KRX name or code never pays for it.
    found = abroad.lookup(query) if abroad is not None else None
    candidates = [*map(_security, match.candidates)]
    candidates += [_overseas(s) for s in (found.candidates if found else ())]
    if len(candidates) == 1:
        return candidates[0]
    if candidates:
        return Choices(query, tuple(candidates[:MAX_CHOICES]), ChoiceKind.SEVERAL)
    similar = [*map(_security, match.similar)]
    similar += [_overseas(s) for s in (found.similar if found else ())]
    if similar:
        return Choices(query, tuple(similar[:MAX_CHOICES]), ChoiceKind.SIMILAR)
    if not directory.available:  # it may well be a KRX name kisbot cannot read now
        raise Problem("securities.names_unavailable", query=query)
    raise Problem("securities.unknown_name", query=query)


def code_in(text: str) -> str | None:
    """The stock code `text` is, if it is one: six of [0-9A-Z] (any case), or four or five
    digits, which people type for codes with leading zeros (`5930` is 005930)."""
    word = text.strip().upper()
    if word.isascii() and word.isdigit() and 4 <= len(word) <= 5:
        word = word.zfill(6)
    return word if is_stock_code(word) else None


def _security(symbol: Symbol) -> Security:
    return Security(symbol.code, symbol.name)


def _overseas(symbol: OverseasSymbol) -> Security:
    return Security(symbol.symbol, symbol.korean_name or symbol.english_name, symbol.exchange)
