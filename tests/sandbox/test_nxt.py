"""NXT in the sandbox: NX and UN quotes on the real host only, orders that name a venue, and
NXT orders that trade on NXT's price during NXT's hours."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kisbot.clock import ManualClock
from kisbot.sandbox import Sandbox

from .conftest import ACCOUNT, QUOTATIONS, TRADING, Kis

AT_1900_KST = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday
AT_2030_KST = datetime(2026, 11, 23, 11, 30, tzinfo=UTC)


async def quote(kis: Kis, feed: str, code: str = "005930") -> dict:
    params = {"FID_COND_MRKT_DIV_CODE": feed, "FID_INPUT_ISCD": code}
    return (await kis.get(f"{QUOTATIONS}/inquire-price", "FHKST01010100", params)).json()


async def nxt_order(kis: Kis, code: str, qty: int, price: int, dvsn: str = "00") -> dict:
    body = {
        **ACCOUNT,
        "PDNO": code,
        "ORD_DVSN": dvsn,
        "ORD_QTY": str(qty),
        "ORD_UNPR": str(price),
        "EXCG_ID_DVSN_CD": "NXT",
    }
    return (await kis.post(f"{TRADING}/order-cash", "TTTC0012U", body)).json()


async def test_real_host_quotes_krx_nxt_and_the_last_of_both(sandbox: Sandbox, real: Kis) -> None:
    sandbox.set_price("005930", 71_000)
    sandbox.set_price("005930", 71_500, venue="nxt")
    assert (await quote(real, "J"))["output"]["stck_prpr"] == "71000"
    nxt = (await quote(real, "NX"))["output"]
    assert nxt["stck_prpr"] == "71500"
    assert nxt["prdy_vrss"] == str(71_500 - int(nxt["stck_sdpr"]))
    assert (await quote(real, "UN"))["output"]["stck_prpr"] == "71500"
    sandbox.set_price("005930", 70_900)  # KRX trades last
    assert (await quote(real, "UN"))["output"]["stck_prpr"] == "70900"


@pytest.mark.parametrize("feed", ["NX", "UN"])
async def test_mock_host_refuses_nxt_and_combined_quotes(mock: Kis, feed: str) -> None:
    body = await quote(mock, feed)
    assert body["rt_cd"] != "0"
    assert "FID_COND_MRKT_DIV_CODE" in body["msg1"]


async def test_multi_quote_reads_each_pairs_feed(sandbox: Sandbox, real: Kis) -> None:
    sandbox.set_price("005930", 71_000)
    sandbox.set_price("005930", 72_000, venue="nxt")
    params = {
        "FID_COND_MRKT_DIV_CODE_1": "NX",
        "FID_INPUT_ISCD_1": "005930",
        "FID_COND_MRKT_DIV_CODE_2": "J",
        "FID_INPUT_ISCD_2": "005930",
    }
    response = await real.get(f"{QUOTATIONS}/intstock-multprice", "FHKST11300006", params)
    assert [row["inter2_prpr"] for row in response.json()["output"]] == ["72000", "71000"]


async def test_nxt_order_fills_on_nxt_price_during_the_after_market(
    sandbox: Sandbox, real: Kis, clock: ManualClock
) -> None:
    await clock.advance((AT_1900_KST - clock.now()).total_seconds())
    sandbox.set_price("005930", 70_000, venue="nxt")
    body = await nxt_order(real, "005930", 2, 69_500)
    assert body["rt_cd"] == "0"
    rows = (await real.daily_ccld("TTTC0081R")).json()["output1"]
    assert [(r["excg_id_dvsn_Cd"], r["rmn_qty"]) for r in rows] == [("NXT", "2")]
    sandbox.set_price("005930", 69_000)  # KRX's price does not fill an NXT order
    assert (await real.daily_ccld("TTTC0081R")).json()["output1"][0]["rmn_qty"] == "2"
    sandbox.set_price("005930", 69_500, venue="nxt")
    row = (await real.daily_ccld("TTTC0081R")).json()["output1"][0]
    assert (row["tot_ccld_qty"], row["avg_prvs"]) == ("2", "69500")


async def test_nxt_orders_rest_when_nxt_is_closed(
    sandbox: Sandbox, real: Kis, clock: ManualClock
) -> None:
    await clock.advance((AT_2030_KST - clock.now()).total_seconds())
    sandbox.set_price("005930", 70_000, venue="nxt")
    await nxt_order(real, "005930", 1, 70_000)
    assert (await real.daily_ccld("TTTC0081R")).json()["output1"][0]["rmn_qty"] == "1"


async def test_nxt_refuses_market_orders(real: Kis) -> None:
    body = await nxt_order(real, "005930", 1, 0, dvsn="01")
    assert body["rt_cd"] != "0"


async def test_mock_host_takes_krx_orders_only(mock: Kis) -> None:
    body = {
        **ACCOUNT,
        "PDNO": "005930",
        "ORD_DVSN": "00",
        "ORD_QTY": "1",
        "ORD_UNPR": "70000",
        "EXCG_ID_DVSN_CD": "NXT",
    }
    answer = (await mock.post(f"{TRADING}/order-cash", "VTTC0012U", body)).json()
    assert answer["rt_cd"] != "0"
