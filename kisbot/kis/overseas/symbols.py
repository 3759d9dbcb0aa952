"""The overseas symbol directory: tickers and Korean/English names from KIS's overseas master
files, one per exchange, kept current like the domestic one (kisbot.kis.master_cache).

A ticker may be listed on more than one exchange, so a lookup by ticker answers every listing;
the caller asks the user which when there are several.
"""

from __future__ import annotations

import asyncio
import difflib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import httpx

from kisbot.clock import Clock
from kisbot.kis.master_cache import MasterFileCache, reload_due
from kisbot.kis.overseas.markets import EXCHANGES, Exchange
from kisbot.kis.overseas.master import FILES, OverseasSymbol, file_name, parse_overseas_master

logger = logging.getLogger(__name__)

MAX_CANDIDATES = 8
_FILE_EXCHANGES = tuple(e for e in EXCHANGES if e.quote_code.lower() in FILES)


def _key(text: str) -> str:
    return "".join(text.split()).casefold()


@dataclass(frozen=True, slots=True)
class OverseasMatch:
    """What a lookup found: the listings of an exact ticker or name (several when it is listed
    on several exchanges), else names holding the text, else names spelled alike."""

    query: str
    exact: tuple[OverseasSymbol, ...] = ()
    candidates: tuple[OverseasSymbol, ...] = ()
    similar: tuple[OverseasSymbol, ...] = ()


class OverseasDirectory:
    """Every overseas listing, searchable by ticker, exchange:ticker and name."""

    def __init__(self, symbols: Iterable[OverseasSymbol] = ()) -> None:
        self.symbols = tuple(symbols)
        self._by_listing = {(s.exchange.quote_code, s.symbol): s for s in self.symbols}
        self._by_ticker: dict[str, list[OverseasSymbol]] = {}
        self._names: list[tuple[str, OverseasSymbol]] = []
        self._by_name: dict[str, list[OverseasSymbol]] = {}
        self._korean_names = sorted({_key(s.korean_name) for s in self.symbols} - {""})
        for symbol in self.symbols:
            self._by_ticker.setdefault(symbol.symbol, []).append(symbol)
            for name in {_key(symbol.korean_name), _key(symbol.english_name)} - {""}:
                self._names.append((name, symbol))
                self._by_name.setdefault(name, []).append(symbol)

    def __len__(self) -> int:
        return len(self.symbols)

    @property
    def available(self) -> bool:
        return bool(self.symbols)

    def listing(self, exchange: Exchange, ticker: str) -> OverseasSymbol | None:
        """The listing of `ticker` on `exchange`, if the master file has it."""
        return self._by_listing.get((exchange.quote_code, ticker.strip().upper()))

    def exact(self, text: str) -> tuple[OverseasSymbol, ...]:
        """The listings of the ticker or the exact name `text` is (two dictionary reads: cheap
        enough for every lookup of a Korean name too)."""
        key = _key(text)
        return tuple(self._by_ticker.get(key.upper()) or self._by_name.get(key) or ())

    def lookup(self, text: str, limit: int = MAX_CANDIDATES) -> OverseasMatch:
        """`exact`, else the names holding the text, else names spelled alike (a scan)."""
        key = _key(text)
        if not key:
            return OverseasMatch(text)
        exact = self.exact(text)
        if exact:
            return OverseasMatch(text, exact=exact)
        holding = _unique(s for name, s in self._names if key in name)
        prefixed = [s for s in holding if any(n.startswith(key) for n in _names_of(s))]
        candidates = (prefixed + [s for s in holding if s not in prefixed])[:limit]
        if candidates:
            return OverseasMatch(text, candidates=tuple(candidates))
        # Korean names only: a typo is mostly made in Korean, and tens of thousands of English
        # names more would make every miss slow.
        close = difflib.get_close_matches(key, self._korean_names, n=limit, cutoff=0.6)
        similar = _unique(s for name in close for s in self._by_name[name])[:limit]
        return OverseasMatch(text, similar=tuple(similar))


def _names_of(symbol: OverseasSymbol) -> tuple[str, str]:
    return _key(symbol.korean_name), _key(symbol.english_name)


def _unique(symbols: Iterable[OverseasSymbol]) -> list[OverseasSymbol]:
    return list(dict.fromkeys(symbols))


class OverseasSymbolSource:
    """Keeps an OverseasDirectory built from the exchanges' master zips, reloaded daily (sooner
    while some exchange's file could not be had)."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        base_url: str,
        data_dir: Path,
        clock: Clock,
        *,
        max_age: timedelta = timedelta(days=1),
        retry_after: timedelta = timedelta(minutes=15),
    ) -> None:
        self._files = MasterFileCache(
            client, base_url, Path(data_dir) / "symbols", clock, max_age=max_age
        )
        self._clock = clock
        self._max_age = max_age
        self._retry_after = retry_after
        self._lock = asyncio.Lock()
        self._directory: OverseasDirectory | None = None
        self._loaded_at: datetime | None = None
        self._complete = False

    async def get(self) -> OverseasDirectory:
        if self._directory is None or reload_due(
            self._loaded_at, self._clock.now(), self._max_age, self._retry_after, self._complete
        ):
            return await self.load()
        return self._directory

    async def load(self) -> OverseasDirectory:
        """Read every exchange's file, fresh or cached; never raises on network errors."""
        async with self._lock:
            found = await asyncio.gather(*map(self._exchange_symbols, _FILE_EXCHANGES))
            directory = OverseasDirectory(s for symbols in found for s in symbols)
            self._directory, self._loaded_at = directory, self._clock.now()
            self._complete = all(found)
            return directory

    async def _exchange_symbols(self, exchange: Exchange) -> list[OverseasSymbol]:
        return await self._files.read(
            file_name(exchange),
            lambda data: parse_overseas_master(data, exchange),
            f"{exchange.quote_code} master",
        )
