"""Balance, buying power, open orders and today's orders: TR IDs, paging and typed rows."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import httpx
import pytest

from kisbot.clock import KST
from kisbot.kis import OrderState, Side
from tests.kis import payloads
from tests.kis.payloads import MOCK, REAL, T


@pytest.mark.parametrize(
    ("which", "host", "tr_id"),
    [("real_credential", REAL, "TTTC8434R"), ("mock_credential", MOCK, "VTTC8434R")],
)
async def test_balance_uses_the_environments_tr_id_and_inqr_dvsn_01(
    request, make_service, kis, which, host, tr_id
):
    credential = request.getfixturevalue(which)
    route = kis.get(f"{host}{T}/inquire-balance").mock(
        return_value=payloads.ok(
            output1=[payloads.holding_row("005930", "10")], output2=[payloads.summary_row()]
        )
    )
    balance = await make_service().client(credential).balance()

    sent = route.calls.last.request
    assert sent.headers["tr_id"] == tr_id
    assert sent.url.params["INQR_DVSN"] == "01"
    assert sent.url.params["CANO"] == "50012345"
    assert sent.url.params["ACNT_PRDT_CD"] == "01"
    assert sent.headers["tr_cont"] == ""
    holding = balance.holdings[0]
    assert (holding.code, holding.name, holding.quantity) == ("005930", "삼성전자", 10)
    assert holding.avg_price == Decimal("70250.5")
    assert holding.pnl_rate == Decimal("1.78")
    assert balance.summary.d2_cash == 980000
    assert balance.summary.total_evaluation == 1695000
    assert balance.summary.pnl_total == 12495
    assert balance.summary.pnl_rate == Decimal("1.78")


async def test_balance_follows_tr_cont_and_echoes_the_ctx_keys_verbatim(
    make_service, kis, real_credential
):
    fk, nk = "50012345^01^005930^   ", "005930                "
    pages = [
        payloads.ok(
            tr_cont="M",
            output1=[payloads.holding_row("005930", "10"), payloads.holding_row("000660", "0")],
            output2=[payloads.summary_row()],
            ctx_area_fk100=fk,
            ctx_area_nk100=nk,
        ),
        payloads.ok(
            tr_cont="D",
            output1=[payloads.holding_row("0004Y0", "3", name="신규")],
            output2=[payloads.summary_row()],
        ),
    ]
    route = kis.get(f"{REAL}{T}/inquire-balance").mock(side_effect=pages)
    balance = await make_service().client(real_credential).balance()

    first, second = (call.request for call in route.calls)
    assert first.headers["tr_cont"] == ""
    assert first.url.params["CTX_AREA_FK100"] == ""
    assert second.headers["tr_cont"] == "N"
    assert second.url.params["CTX_AREA_FK100"] == fk
    assert second.url.params["CTX_AREA_NK100"] == nk
    # Sold-out holdings (hldg_qty 0) are left out.
    assert [h.code for h in balance.holdings] == ["005930", "0004Y0"]


async def test_balance_paging_stops_at_the_cap(make_service, kis, real_credential):
    route = kis.get(f"{REAL}{T}/inquire-balance").mock(
        return_value=payloads.ok(tr_cont="F", output1=[], output2=[payloads.summary_row()])
    )
    balance = await make_service().client(real_credential).balance()
    assert route.call_count == 10
    assert balance.holdings == ()


@pytest.mark.parametrize(
    ("which", "host", "tr_id"),
    [("real_credential", REAL, "TTTC8908R"), ("mock_credential", MOCK, "VTTC8908R")],
)
async def test_buying_power_for_limit_and_market(request, make_service, kis, which, host, tr_id):
    credential = request.getfixturevalue(which)
    output = {
        "ord_psbl_cash": "1000000",
        "nrcvb_buy_amt": "994000",
        "nrcvb_buy_qty": "13",
        "max_buy_amt": "2400000",
        "max_buy_qty": "33",
    }
    route = kis.get(f"{host}{T}/inquire-psbl-order").mock(return_value=payloads.ok(output=output))
    client = make_service().client(credential)

    limit = await client.buying_power("005930", 71500)
    assert route.calls.last.request.headers["tr_id"] == tr_id
    assert route.calls.last.request.url.params["ORD_DVSN"] == "00"
    assert route.calls.last.request.url.params["ORD_UNPR"] == "71500"
    assert (limit.cash, limit.max_quantity, limit.max_quantity_with_credit) == (1000000, 13, 33)

    await client.buying_power("005930")
    assert route.calls.last.request.url.params["ORD_DVSN"] == "01"


async def test_todays_orders_read_daily_ccld_for_today_kst_across_pages(
    make_service, kis, real_credential
):
    pages = [
        payloads.ok(
            tr_cont="F",
            output1=[payloads.ccld_row("0000012345")],
            output2={"tot_ord_qty": "10"},
            ctx_area_fk100="FK",
            ctx_area_nk100="NK",
        ),
        payloads.ok(
            tr_cont="E",
            output1=[
                payloads.ccld_row(
                    "0000012346", sll_buy_dvsn_cd="01", tot_ccld_qty="10", rmn_qty="0"
                ),
                payloads.ccld_row("0000012347", cncl_yn="Y", tot_ccld_qty="0", rmn_qty="0"),
            ],
        ),
    ]
    route = kis.get(f"{REAL}{T}/inquire-daily-ccld").mock(side_effect=pages)
    orders = await make_service().client(real_credential).todays_orders()

    first, second = (call.request for call in route.calls)
    assert first.headers["tr_id"] == "TTTC0081R"
    assert first.url.params["INQR_STRT_DT"] == "20261123" == first.url.params["INQR_END_DT"]
    assert first.url.params["CCLD_DVSN"] == "00"
    assert second.headers["tr_cont"] == "N"
    assert second.url.params["CTX_AREA_NK100"] == "NK"
    assert [o.order_no for o in orders] == ["0000012345", "0000012346", "0000012347"]
    assert [o.state for o in orders] == [
        OrderState.PARTIAL,
        OrderState.FILLED,
        OrderState.CANCELLED,
    ]
    first_order = orders[0]
    assert first_order.side is Side.BUY and orders[1].side is Side.SELL
    assert (first_order.org_no, first_order.remaining_quantity) == ("06010", 6)
    assert first_order.ordered_at == datetime(2026, 11, 23, 9, 15, 2, tzinfo=KST)


async def test_open_orders_on_real_use_psbl_rvsecncl(make_service, kis, real_credential):
    row = {
        "ord_gno_brno": "06010",
        "odno": "0000012345",
        "orgn_odno": "",
        "pdno": "005930",
        "prdt_name": "삼성전자",
        "ord_qty": "10",
        "ord_unpr": "71000",
        "ord_tmd": "091502",
        "tot_ccld_qty": "4",
        "psbl_qty": "6",
        "sll_buy_dvsn_cd": "02",
        "ord_dvsn_cd": "00",
    }
    route = kis.get(f"{REAL}{T}/inquire-psbl-rvsecncl").mock(return_value=payloads.ok(output=[row]))
    orders = await make_service().client(real_credential).open_orders()

    assert route.calls.last.request.headers["tr_id"] == "TTTC0084R"
    assert orders[0].cancellable_quantity == 6
    assert orders[0].ordered_at == datetime(2026, 11, 23, 9, 15, 2, tzinfo=KST)


async def test_open_orders_on_mock_fall_back_to_unfilled_daily_executions(
    make_service, kis, mock_credential
):
    route = kis.get(f"{MOCK}{T}/inquire-daily-ccld").mock(
        return_value=payloads.ok(
            output1=[payloads.ccld_row("0000000077"), payloads.ccld_row("78", rmn_qty="0")]
        )
    )
    orders = await make_service().client(mock_credential).open_orders()

    sent = route.calls.last.request
    assert sent.headers["tr_id"] == "VTTC0081R"
    assert sent.url.params["CCLD_DVSN"] == "02"
    assert route.call_count == 1
    assert kis.calls.call_count == 2  # the token and daily-ccld: no TTTC0084R attempt
    assert [(o.order_no, o.cancellable_quantity) for o in orders] == [("0000000077", 6)]


async def test_unexpected_shapes_are_tolerated(make_service, kis, real_credential):
    # output1 as a lone object, output2 as an object, unknown extra keys.
    body = {
        "rt_cd": "0",
        "msg1": "ok",
        "output1": payloads.holding_row("005930", "1"),
        "output2": {**payloads.summary_row(), "extra": "1"},
        "surprise": [],
    }
    kis.get(f"{REAL}{T}/inquire-balance").mock(return_value=httpx.Response(200, json=body))
    balance = await make_service().client(real_credential).balance()
    assert len(balance.holdings) == 1
    assert balance.summary.d2_cash == 980000
