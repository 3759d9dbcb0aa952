"""Listings added through the Python API trade like the built-in ones."""

from __future__ import annotations

from kisbot.sandbox import Sandbox
from kisbot.sandbox.catalog import Listing
from tests.sandbox.conftest import QUOTATIONS, Kis


async def test_an_added_listing_is_quoted_on_its_tick(sandbox: Sandbox, real: Kis) -> None:
    sandbox.state.market.add_listing(Listing("9999Z0", "벤치종목", "KOSDAQ", 12_345))

    response = await real.get(
        f"{QUOTATIONS}/inquire-price",
        "FHKST01010100",
        {"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": "9999Z0"},
    )

    output = response.json()["output"]
    assert output["stck_prpr"] == "12350"  # the nearest 10-won tick (ties go up)
    assert output["aspr_unit"] == "10"
