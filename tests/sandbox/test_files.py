"""The master-file zips served on both hosts, built from the sandbox's own listings."""

from __future__ import annotations

import httpx
import pytest

from kisbot.kis.master import parse_master
from kisbot.sandbox import Sandbox


@pytest.mark.parametrize("flavour", ["real", "mock"])
async def test_master_zips_list_the_sandbox_market(sandbox: Sandbox, flavour: str) -> None:
    async with httpx.AsyncClient(base_url=sandbox.url(flavour)) as client:  # type: ignore[arg-type]
        kospi = await client.get("/_files/kospi_code.mst.zip")
        kosdaq = await client.get("/_files/kosdaq_code.mst.zip")
    assert kospi.headers["content-type"] == "application/zip"
    kospi_names = {s.code: (s.name, s.group) for s in parse_master(kospi.content, "kospi")}
    kosdaq_names = {s.code: s.name for s in parse_master(kosdaq.content, "kosdaq")}
    assert kospi_names["005930"] == ("삼성전자", "ST")
    assert kospi_names["069500"] == ("KODEX 200", "EF")
    assert kospi_names["0004Y0"][0] == "샌드박스알파"
    assert kosdaq_names["086520"] == "에코프로"
    assert "086520" not in kospi_names
    listed = {code for code, s in sandbox.state.market.stocks.items()}
    assert set(kospi_names) | set(kosdaq_names) == listed


async def test_master_zip_carries_the_base_price(sandbox: Sandbox) -> None:
    async with httpx.AsyncClient(base_url=sandbox.files_url + "/") as client:
        data = (await client.get("kospi_code.mst.zip")).content
    samsung = next(s for s in parse_master(data, "kospi") if s.code == "005930")
    assert samsung.base_price == sandbox.state.market.stocks["005930"].base
