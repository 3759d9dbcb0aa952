"""Orders: fills, resting limits, cancel, modify; balance, buying power and executions agree."""

from __future__ import annotations

from kisbot.clock import ManualClock
from kisbot.sandbox import Sandbox

from .conftest import ACCOUNT, ACCOUNT_TEXT, TRADING, Kis


async def holdings(kis: Kis, tr_id: str) -> dict[str, dict[str, str]]:
    body = (await kis.balance(tr_id)).json()
    return {row["pdno"]: row for row in body["output1"]}


async def summary(kis: Kis, tr_id: str) -> dict[str, str]:
    return (await kis.balance(tr_id)).json()["output2"][0]


async def test_market_buy_fills_at_once_and_everything_agrees(sandbox: Sandbox, mock: Kis) -> None:
    sandbox.set_price("000660", 180_000)
    cash_before = int((await summary(mock, "VTTC8434R"))["prvs_rcdl_excc_amt"])

    response = await mock.order("VTTC0012U", "000660", 3)
    body = response.json()
    assert (body["rt_cd"], body["msg_cd"]) == ("0", "40600000")
    assert body["msg1"] == "모의투자 매수주문이 완료 되었습니다."
    assert set(body["output"]) == {"KRX_FWDG_ORD_ORGNO", "ODNO", "ORD_TMD"}
    assert len(body["output"]["ODNO"]) == 10

    held = (await holdings(mock, "VTTC8434R"))["000660"]
    assert (held["hldg_qty"], held["pchs_avg_pric"], held["pchs_amt"]) == (
        "3",
        "180000.0000",
        "540000",
    )
    after = await summary(mock, "VTTC8434R")
    assert int(after["prvs_rcdl_excc_amt"]) == cash_before - 540_000
    assert after["thdt_buy_amt"] == "540000"
    assert int(after["tot_evlu_amt"]) == int(after["scts_evlu_amt"]) + int(
        after["prvs_rcdl_excc_amt"]
    )

    power = await mock.buying_power("VTTC8908R", "000660", 180_000)
    assert int(power["ord_psbl_cash"]) == cash_before - 540_000
    assert int(power["nrcvb_buy_qty"]) == (cash_before - 540_000) // 180_000

    executions = (await mock.daily_ccld("VTTC0081R")).json()
    row = executions["output1"][0]
    assert row["odno"] == body["output"]["ODNO"]
    assert (row["tot_ccld_qty"], row["avg_prvs"], row["rmn_qty"]) == ("3", "180000", "0")
    assert executions["output2"]["tot_ccld_amt"] == "540000"


async def test_real_order_answers_apbk0013(real: Kis) -> None:
    body = (await real.order("TTTC0012U", "005930", 1)).json()
    assert (body["rt_cd"], body["msg_cd"], body["msg1"]) == (
        "0",
        "APBK0013",
        "주문 전송 완료 되었습니다.",
    )


async def test_limit_order_rests_until_the_price_crosses(sandbox: Sandbox, mock: Kis) -> None:
    sandbox.set_price("035720", 40_000)
    order = (await mock.order("VTTC0012U", "035720", 5, price=39_000)).json()["output"]
    open_rows = (await mock.daily_ccld("VTTC0081R", ccld_dvsn="02")).json()["output1"]
    assert [(r["odno"], r["rmn_qty"]) for r in open_rows] == [(order["ODNO"], "5")]
    power = await mock.buying_power("VTTC8908R", "035720", 39_000)
    assert sandbox.account(ACCOUNT_TEXT).settled_cash - int(power["ord_psbl_cash"]) == 5 * 39_000

    sandbox.set_price("035720", 39_500)
    assert (await holdings(mock, "VTTC8434R"))["035720"]["hldg_qty"] == "20"  # still resting
    sandbox.set_price("035720", 38_950)
    assert (await holdings(mock, "VTTC8434R"))["035720"]["hldg_qty"] == "25"
    filled = (await mock.daily_ccld("VTTC0081R", ccld_dvsn="01")).json()["output1"][0]
    assert (filled["tot_ccld_qty"], filled["avg_prvs"]) == ("5", "39000")  # at its limit


async def test_limit_sell_rests_and_fills_when_price_rises(sandbox: Sandbox, real: Kis) -> None:
    sandbox.set_price("005930", 71_000)
    await real.order("TTTC0011U", "005930", 4, price=75_000)
    assert (await holdings(real, "TTTC8434R"))["005930"]["ord_psbl_qty"] == "6"
    sandbox.set_price("005930", 75_100)
    held = (await holdings(real, "TTTC8434R"))["005930"]
    assert (held["hldg_qty"], held["thdt_sll_qty"]) == ("6", "4")
    assert (await summary(real, "TTTC8434R"))["thdt_sll_amt"] == str(4 * 75_000)


async def test_cancel_takes_the_open_remainder(sandbox: Sandbox, real: Kis) -> None:
    sandbox.set_price("035420", 190_000)
    order = (await real.order("TTTC0012U", "035420", 10, price=185_000)).json()["output"]
    sandbox.fill(order["ODNO"], 4, flavour="real")

    cancel = (await real.rvsecncl("TTTC0013U", order, "02")).json()
    assert (cancel["rt_cd"], cancel["msg_cd"]) == ("0", "APBK0013")
    assert set(cancel["output"]) == {"krx_fwdg_ord_orgno", "odno", "ord_tmd"}
    assert cancel["output"]["odno"] != order["ODNO"]

    rows = {r["odno"]: r for r in (await real.daily_ccld("TTTC0081R")).json()["output1"]}
    original = rows[order["ODNO"]]
    assert (original["tot_ccld_qty"], original["rmn_qty"], original["cnc_cfrm_qty"]) == (
        "4",
        "0",
        "6",
    )
    cancelled = rows[cancel["output"]["odno"]]
    assert (cancelled["orgn_odno"], cancelled["cncl_yn"], cancelled["ord_qty"]) == (
        order["ODNO"],
        "Y",
        "6",
    )
    assert (await holdings(real, "TTTC8434R"))["035420"]["hldg_qty"] == "4"
    open_orders = await real.get(f"{TRADING}/inquire-psbl-rvsecncl", "TTTC0084R", ACCOUNT)
    assert open_orders.json()["output"] == []


async def test_partial_cancel_leaves_the_rest_open(real: Kis) -> None:
    order = (await real.order("TTTC0012U", "035420", 10, price=150_000)).json()["output"]
    await real.rvsecncl("TTTC0013U", order, "02", qty=3)
    rows = (await real.get(f"{TRADING}/inquire-psbl-rvsecncl", "TTTC0084R", ACCOUNT)).json()
    assert [(r["odno"], r["psbl_qty"]) for r in rows["output"]] == [(order["ODNO"], "7")]


async def test_mock_cancel_with_nothing_left_is_40330000(mock: Kis) -> None:
    order = (await mock.order("VTTC0012U", "005930", 1)).json()["output"]  # fills at once
    response = (await mock.rvsecncl("VTTC0013U", order, "02")).json()
    assert (response["rt_cd"], response["msg_cd"]) == ("1", "40330000")
    assert response["msg1"] == "모의투자 정정/취소할 수량이 없습니다."


async def test_modify_moves_the_open_remainder_to_a_new_price_and_order_number(
    sandbox: Sandbox, mock: Kis
) -> None:
    sandbox.set_price("005930", 71_000)
    order = (await mock.order("VTTC0012U", "005930", 2, price=69_000)).json()["output"]
    revised = (await mock.rvsecncl("VTTC0013U", order, "01", price=70_000)).json()
    assert (revised["rt_cd"], revised["msg_cd"]) == ("0", "40600000")
    new_odno = revised["output"]["odno"]
    assert new_odno != order["ODNO"]

    rows = {r["odno"]: r for r in (await mock.daily_ccld("VTTC0081R")).json()["output1"]}
    assert rows[order["ODNO"]]["rmn_qty"] == "0"
    assert (rows[new_odno]["orgn_odno"], rows[new_odno]["ord_unpr"], rows[new_odno]["rmn_qty"]) == (
        order["ODNO"],
        "70000",
        "2",
    )
    sandbox.set_price("005930", 69_500)  # crosses the new price, not the old one
    row = {r["odno"]: r for r in (await mock.daily_ccld("VTTC0081R")).json()["output1"]}[new_odno]
    assert (row["tot_ccld_qty"], row["avg_prvs"]) == ("2", "70000")


async def test_refusals_name_the_problem(sandbox: Sandbox, mock: Kis) -> None:
    sandbox.set_cash(ACCOUNT_TEXT, 100_000)
    too_much = (await mock.order("VTTC0012U", "005930", 100)).json()
    assert too_much["rt_cd"] == "1" and "주문가능금액" in too_much["msg1"]
    oversell = (await mock.order("VTTC0011U", "005930", 11)).json()
    assert oversell["rt_cd"] == "1"
    off_tick = (await mock.order("VTTC0012U", "005930", 1, price=70_050)).json()
    assert off_tick["rt_cd"] == "1"
    unknown = (await mock.order("VTTC0012U", "999999", 1)).json()
    assert (unknown["msg_cd"], unknown["msg1"]) == (
        "40070000",
        "모의투자 주문처리가 안되었습니다(매매불가 종목)",
    )


async def test_numbers_must_be_strings_and_accounts_well_formed(mock: Kis) -> None:
    body = {**ACCOUNT, "PDNO": "005930", "ORD_DVSN": "01", "ORD_QTY": 1, "ORD_UNPR": "0"}
    numeric = (await mock.post(f"{TRADING}/order-cash", "VTTC0012U", body)).json()
    assert (numeric["rt_cd"], numeric["msg_cd"]) == ("2", "OPSQ2001")
    bad_account = {**body, "ORD_QTY": "1", "CANO": "123"}
    refused = (await mock.post(f"{TRADING}/order-cash", "VTTC0012U", bad_account)).json()
    assert refused["msg_cd"] == "APAC0081"


async def test_orders_rest_while_the_market_is_closed_and_fill_when_it_opens(
    sandbox: Sandbox, mock: Kis
) -> None:
    sandbox.close_market()
    order = (await mock.order("VTTC0012U", "000660", 1)).json()
    assert order["rt_cd"] == "0"
    assert "000660" not in await holdings(mock, "VTTC8434R")
    sandbox.open_market()
    assert (await holdings(mock, "VTTC8434R"))["000660"]["hldg_qty"] == "1"


async def test_post_body_keys_must_be_upper_case(mock: Kis) -> None:
    body = {
        "cano": "50012345",
        "acnt_prdt_cd": "01",
        "pdno": "005930",
        "ord_dvsn": "01",
        "ord_qty": "1",
        "ord_unpr": "0",
    }
    response = (await mock.post(f"{TRADING}/order-cash", "VTTC0012U", body)).json()
    assert response["rt_cd"] != "0"


async def test_a_new_day_expires_open_orders_and_settles_cash(
    sandbox: Sandbox, mock: Kis, clock: ManualClock
) -> None:
    sandbox.set_price("000660", 180_000)
    await mock.order("VTTC0012U", "000660", 1)  # fills
    await mock.order("VTTC0012U", "000660", 1, price=150_000)  # rests
    settled = (await summary(mock, "VTTC8434R"))["prvs_rcdl_excc_amt"]

    await clock.advance(24 * 3600)
    await mock.login()  # yesterday's token has expired

    after = await summary(mock, "VTTC8434R")
    assert (after["dnca_tot_amt"], after["thdt_buy_amt"]) == (settled, "0")
    assert (await mock.daily_ccld("VTTC0081R", ccld_dvsn="02")).json()["output1"] == []
    quote = await mock.price("000660")
    assert (quote["stck_sdpr"], quote["prdy_vrss"]) == ("180000", "0")
