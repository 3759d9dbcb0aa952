"""The overseas symbol directory from the sandbox's master files over HTTP: a ticker, an
exchange's listing, a Korean or English name, a name listed twice, typos; cached on disk."""

from __future__ import annotations

from pathlib import Path

import httpx

from kisbot.clock import ManualClock
from kisbot.kis.overseas import exchange
from kisbot.kis.overseas.symbols import OverseasSymbolSource
from kisbot.sandbox import Sandbox


async def test_lookups_by_ticker_listing_and_names(
    sandbox: Sandbox, auto_clock: ManualClock, tmp_path: Path
):
    async with httpx.AsyncClient() as http:
        source = OverseasSymbolSource(http, sandbox.files_url, tmp_path, auto_clock)
        directory = await source.get()

    assert directory.available and len(directory) >= 15
    (apple,) = directory.lookup("aapl").exact
    assert (apple.exchange, apple.korean_name) == (exchange("NAS"), "애플")
    assert directory.lookup("애플").exact == (apple,)
    assert directory.lookup("Apple Inc").exact == (apple,)
    assert directory.listing(exchange("NAS"), "aapl") is apple
    assert directory.listing(exchange("NYS"), "AAPL") is None
    # One name, two listings (New York's ADR and Hong Kong's shares): both, for the user to pick.
    assert {(s.exchange.quote_code, s.symbol) for s in directory.lookup("알리바바").exact} == {
        ("NYS", "BABA"),
        ("HKS", "09988"),
    }
    assert [s.symbol for s in directory.lookup("마이크로").candidates] == ["MSFT"]
    assert [s.symbol for s in directory.lookup("엔비디야").similar] == ["NVDA"]  # a typo
    assert directory.lookup("없는회사").exact == ()
    assert sorted(path.name for path in (tmp_path / "symbols").iterdir())[:2] == [
        "amsmst.cod.zip",
        "hksmst.cod.zip",
    ]


async def test_a_source_that_cannot_download_uses_its_cache_or_nothing(
    sandbox: Sandbox, auto_clock: ManualClock, tmp_path: Path
):
    async with httpx.AsyncClient() as http:
        await OverseasSymbolSource(http, sandbox.files_url, tmp_path, auto_clock).load()
        cold = OverseasSymbolSource(http, "http://127.0.0.1:9", tmp_path / "empty", auto_clock)
        assert not (await cold.load()).available
        warm = OverseasSymbolSource(http, "http://127.0.0.1:9", tmp_path, auto_clock)
        assert (await warm.load()).lookup("TSLA").exact
