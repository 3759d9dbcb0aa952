"""A symbol source without downloads: a fixed directory (empty by default)."""

from __future__ import annotations

from kisbot.kis.symbols import SymbolDirectory


class FixedSymbols:
    """The SymbolSource surface the core uses, over a directory given up front."""

    def __init__(self, directory: SymbolDirectory | None = None) -> None:
        self.directory = directory or SymbolDirectory()

    async def get(self) -> SymbolDirectory:
        return self.directory

    async def load(self) -> SymbolDirectory:
        return self.directory
