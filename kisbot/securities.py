"""Which stock the user means, and what it is called: the one resolver every command uses.

A user names a stock by code (`005930`, `5930`, `0004y0`) or by name (`삼성전자`, `NAVER`,
`하이닉스`). `Securities.resolve` gives one `Security` when the text names one stock: a code, an
exact name, or the only name that holds the text. Otherwise it gives `Choices` for the user to
pick from: several names holding the text, or names only spelled alike (a typo's likely
meaning, which is offered, never assumed). Anything else is a `Problem`. /price, /daily, /buy,
/sell and /alert all resolve here, so "삼성" means the same everywhere.

Names come from the KIS master files (`kisbot.kis.symbols`); when they cannot be had, codes
still work and a name is a Problem saying to use the code.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from kisbot.kis import is_stock_code
from kisbot.kis.master import Symbol, looks_like_code
from kisbot.kis.symbols import SymbolDirectory, SymbolSource
from kisbot.problems import Problem

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Security:
    """A stock the user means: its code, and its name when one is known."""

    code: str
    name: str | None = None

    @property
    def label(self) -> str:
        """What a reply calls it: the name, or the code when there is no name."""
        return self.name or self.code


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

    def __init__(self, symbols: SymbolSource) -> None:
        self._symbols = symbols

    async def resolve(self, text: str) -> Security | Choices:
        """The stock `text` names, or the choices when it names none for sure.

        Raises Problem securities.unknown_name when nothing fits, and
        securities.names_unavailable when the text is not a code and no names could be loaded.
        """
        return resolve_in(await self._symbols.get(), text)

    async def security(self, code: str) -> Security:
        """The stock with this code (from a button or KIS), named when the directory knows it."""
        return Security(code.strip().upper(), await self.name(code))

    async def name(self, code: str) -> str | None:
        """The stock's name, or None; never fails (names are a nicety)."""
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


def resolve_in(directory: SymbolDirectory, text: str) -> Security | Choices:
    """`Securities.resolve` against a given directory."""
    query = " ".join(text.split())
    if not query:
        raise Problem("securities.unknown_name", query=query)
    code = code_in(query)
    match = directory.lookup(code or query)
    if match.exact is not None:
        return _security(match.exact)
    if code is not None and (looks_like_code(code) or not match.candidates):
        return Security(code)
    if not directory.available:
        raise Problem("securities.names_unavailable", query=query)
    if len(match.candidates) == 1:
        return _security(match.candidates[0])
    if match.candidates:
        return Choices(query, tuple(map(_security, match.candidates)), ChoiceKind.SEVERAL)
    if match.similar:
        return Choices(query, tuple(map(_security, match.similar)), ChoiceKind.SIMILAR)
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
