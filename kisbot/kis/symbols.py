"""The symbol directory: Korean names and codes from the KIS master files, and where they come from.

`SymbolDirectory` answers "which product does the user mean"; `SymbolSource` keeps it current by
downloading the master zips at most once a day into KISBOT_DATA_DIR/symbols, falling back to the
cached copy when KIS cannot be reached. Without any copy the directory is empty and marked
unavailable; codes typed by the user still work then (`SymbolMatch.code`).
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
from kisbot.kis.master import FILE_NAMES, Market, Symbol, looks_like_code, parse_master
from kisbot.kis.master_cache import MasterFileCache, reload_due

logger = logging.getLogger(__name__)

__all__ = ["Symbol", "SymbolDirectory", "SymbolMatch", "SymbolSource", "parse_master"]

MAX_CANDIDATES = 8
# Common stocks and ETFs are what people mostly mean; other groups lose ties.
_GROUP_RANK = {"ST": 0, "EF": 1}


def normalize_text(text: str) -> str:
    """A name or code as lookups compare it: case-folded, without whitespace."""
    return "".join(text.split()).casefold()


@dataclass(frozen=True, slots=True)
class SymbolMatch:
    """What a lookup found: the exact symbol if any, then names holding the text (`candidates`),
    then names only spelled alike (`similar`, a typo's likely meaning), best first."""

    query: str
    exact: Symbol | None = None
    candidates: tuple[Symbol, ...] = ()
    code: str | None = None  # the code to use: the exact match's, or the text itself if code-shaped
    similar: tuple[Symbol, ...] = ()

    @property
    def symbols(self) -> tuple[Symbol, ...]:
        """The exact match (if any), the candidates, then the similar names."""
        found = (*self.candidates, *self.similar)
        return (self.exact, *found) if self.exact else found


class SymbolDirectory:
    """All known symbols, searchable by code, ISIN and Korean name."""

    __slots__ = ("_by_code", "_by_name", "_ranked", "symbols")

    def __init__(self, symbols: Iterable[Symbol] = ()) -> None:
        self.symbols: tuple[Symbol, ...] = tuple(symbols)
        ranked = sorted(self.symbols, key=_rank)
        self._ranked = [(normalize_text(symbol.name), symbol) for symbol in ranked]
        self._by_code: dict[str, Symbol] = {}
        self._by_name: dict[str, Symbol] = {}
        for key, symbol in self._ranked:
            self._by_code.setdefault(symbol.code, symbol)
            if symbol.isin:
                self._by_code.setdefault(symbol.isin.upper(), symbol)
            self._by_name.setdefault(key, symbol)

    def __repr__(self) -> str:
        return f"SymbolDirectory({len(self.symbols)} symbols)"

    @property
    def available(self) -> bool:
        """Whether any names are known (False when no master file could be had)."""
        return bool(self.symbols)

    def __len__(self) -> int:
        return len(self.symbols)

    def by_code(self, code: str) -> Symbol | None:
        """The symbol with this short code (or ISIN), if listed."""
        return self._by_code.get(code.strip().upper())

    def lookup(self, text: str, limit: int = MAX_CANDIDATES) -> SymbolMatch:
        """The exact code or name match first, then names starting with the text, then fuzzy."""
        key = normalize_text(text)
        if not key:
            return SymbolMatch(query=text)
        by_code = self._by_code.get(key.upper())
        if by_code is not None:
            # A code names one stock: ranking every name against it would only cost time, and
            # /price CODE is the hottest lookup there is.
            return SymbolMatch(query=text, exact=by_code, code=by_code.code)
        exact = self._by_name.get(key)
        code_shaped = key.upper() if looks_like_code(key) else None
        seen: set[str] = {exact.code} if exact else set()
        prefixed = [s for name, s in self._ranked if name.startswith(key)]
        candidates = _take(
            [
                *sorted(prefixed, key=lambda s: (_GROUP_RANK.get(s.group, 2), len(s.name))),
                *(s for name, s in self._ranked if key in name),
            ],
            seen,
            limit,
        )
        room = limit - len(candidates)
        similar = _take(self._fuzzy(key, limit), seen, room) if room > 0 else ()
        return SymbolMatch(
            query=text,
            exact=exact,
            candidates=candidates,
            code=exact.code if exact else code_shaped,
            similar=similar,
        )

    def _fuzzy(self, key: str, limit: int) -> list[Symbol]:
        names = [name for name, _ in self._ranked]
        close = difflib.get_close_matches(key, names, n=limit, cutoff=0.6)
        return [self._by_name[name] for name in close]


def _take(symbols: Iterable[Symbol], seen: set[str], limit: int) -> tuple[Symbol, ...]:
    """Up to `limit` symbols not seen before, in order; marks them seen."""
    found: list[Symbol] = []
    for symbol in symbols:
        if len(found) >= limit:
            break
        if symbol.code not in seen:
            seen.add(symbol.code)
            found.append(symbol)
    return tuple(found)


def _rank(symbol: Symbol) -> tuple[int, str, str]:
    return (_GROUP_RANK.get(symbol.group, 2), symbol.market, symbol.code)


class SymbolSource:
    """Keeps a SymbolDirectory built from master zips downloaded at most once per `max_age`."""

    MARKETS: tuple[Market, ...] = ("KOSPI", "KOSDAQ")

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
        self._complete = False
        self._lock = asyncio.Lock()
        self._directory: SymbolDirectory | None = None
        self._loaded_at: datetime | None = None

    async def get(self) -> SymbolDirectory:
        """The directory in memory, reloaded once it is `max_age` old (sooner if incomplete)."""
        if self._directory is None or reload_due(
            self._loaded_at, self._clock.now(), self._max_age, self._retry_after, self._complete
        ):
            return await self.load()
        return self._directory

    async def load(self) -> SymbolDirectory:
        """Read the cache, downloading stale or missing markets; never raises on network errors."""
        async with self._lock:
            symbols: list[Symbol] = []
            complete = True
            for market in self.MARKETS:
                found = await self._market_symbols(market)
                complete = complete and bool(found)
                symbols.extend(found)
            directory = SymbolDirectory(symbols)
            if not directory.available:
                logger.warning("symbol directory unavailable: no master file downloaded or cached")
            self._directory, self._loaded_at, self._complete = (
                directory,
                self._clock.now(),
                complete,
            )
            return directory

    async def _market_symbols(self, market: Market) -> list[Symbol]:
        return await self._files.read(
            f"{FILE_NAMES[market]}.zip",
            lambda data: parse_master(data, market),
            f"{market} master",
        )
