"""Orders, cancels and modifications: TR IDs, bodies, refusals, and never sending twice."""

from __future__ import annotations

import json
from datetime import datetime

import httpx
import pytest

from kisbot.clock import KST
from kisbot.kis import (
    KisNotSupportedInMock,
    KisOutcomeUnknown,
    KisRefusal,
    KisUnavailable,
    Side,
    Venue,
)
from tests.kis import payloads
from tests.kis.conftest import token_calls
from tests.kis.payloads import MOCK, REAL, T


def _accepted(uppercase: bool = True) -> httpx.Response:
    output = {"KRX_FWDG_ORD_ORGNO": "06010", "ODNO": "0000012345", "ORD_TMD": "091502"}
    if not uppercase:
        output = {key.lower(): value for key, value in output.items()}
    return httpx.Response(
        200,
        json={
            "rt_cd": "0",
            "msg_cd": "APBK0013",
            "msg1": "주문 전송 완료 되었습니다.  ",
            "output": output,
        },
    )


def _body(route) -> dict[str, str]:
    return json.loads(route.calls.last.request.content)


@pytest.mark.parametrize(
    ("which", "host", "side", "tr_id"),
    [
        ("real_credential", REAL, Side.BUY, "TTTC0012U"),
        ("real_credential", REAL, Side.SELL, "TTTC0011U"),
        ("mock_credential", MOCK, Side.BUY, "VTTC0012U"),
        ("mock_credential", MOCK, Side.SELL, "VTTC0011U"),
    ],
)
async def test_limit_order_uses_the_current_tr_ids(
    request, make_service, kis, which, host, side, tr_id
):
    credential = request.getfixturevalue(which)
    route = kis.post(f"{host}{T}/order-cash").mock(return_value=_accepted())
    receipt = await make_service().client(credential).place_order(side, "005930", 3, 71500)

    assert route.calls.last.request.headers["tr_id"] == tr_id
    assert _body(route) == {
        "CANO": "50012345",
        "ACNT_PRDT_CD": "01",
        "PDNO": "005930",
        "ORD_DVSN": "00",
        "ORD_QTY": "3",
        "ORD_UNPR": "71500",
        "EXCG_ID_DVSN_CD": "KRX",
    }
    assert (receipt.order_no, receipt.org_no) == ("0000012345", "06010")
    assert receipt.msg1 == "주문 전송 완료 되었습니다."
    assert receipt.ordered_at == datetime(2026, 11, 23, 9, 15, 2, tzinfo=KST)


async def test_market_order_sends_ord_dvsn_01_and_price_0(make_service, kis, real_credential):
    route = kis.post(f"{REAL}{T}/order-cash").mock(return_value=_accepted())
    await make_service().client(real_credential).place_order(Side.BUY, "0004Y0", 1)
    assert _body(route)["ORD_DVSN"] == "01"
    assert _body(route)["ORD_UNPR"] == "0"
    assert _body(route)["PDNO"] == "0004Y0"


@pytest.mark.parametrize("venue", [Venue.NXT, Venue.SOR])
async def test_an_order_names_its_venue(make_service, kis, real_credential, venue):
    route = kis.post(f"{REAL}{T}/order-cash").mock(return_value=_accepted())
    await make_service().client(real_credential).place_order(Side.BUY, "005930", 1, 71500, venue)
    assert _body(route)["EXCG_ID_DVSN_CD"] == venue.value


async def test_nxt_takes_no_market_order_and_nothing_is_sent(make_service, kis, real_credential):
    route = kis.post(f"{REAL}{T}/order-cash").mock(return_value=_accepted())
    with pytest.raises(ValueError, match="market"):
        await (
            make_service()
            .client(real_credential)
            .place_order(Side.BUY, "005930", 1, None, Venue.NXT)
        )
    assert not route.called


@pytest.mark.parametrize("venue", [Venue.NXT, Venue.SOR])
async def test_mock_orders_go_to_krx_only_and_nothing_is_sent(
    make_service, kis, mock_credential, venue
):
    route = kis.post(f"{MOCK}{T}/order-cash").mock(return_value=_accepted())
    with pytest.raises(KisNotSupportedInMock):
        await (
            make_service().client(mock_credential).place_order(Side.BUY, "005930", 1, 71500, venue)
        )
    assert not route.called


@pytest.mark.parametrize(("quantity", "price"), [(0, 1000), (-1, 1000), (1, 0), (1, -5)])
async def test_bad_quantity_or_price_is_rejected_without_a_request(
    make_service, kis, real_credential, quantity, price
):
    route = kis.post(f"{REAL}{T}/order-cash")
    with pytest.raises(ValueError):
        await (
            make_service().client(real_credential).place_order(Side.BUY, "005930", quantity, price)
        )
    assert route.call_count == 0


async def test_refused_order_raises_with_msg1_intact(make_service, kis, real_credential):
    kis.post(f"{REAL}{T}/order-cash").mock(
        return_value=payloads.refusal("APBK0919", " 주문가능금액을 초과 했습니다  ", status=200)
    )
    with pytest.raises(KisRefusal) as caught:
        await make_service().client(real_credential).place_order(Side.BUY, "005930", 1, 71500)
    assert caught.value.msg1 == "주문가능금액을 초과 했습니다"
    assert caught.value.msg_cd == "APBK0919"
    assert caught.value.tr_id == "TTTC0012U"


@pytest.mark.parametrize("failure", [httpx.ReadTimeout, httpx.RemoteProtocolError])
async def test_order_that_loses_its_answer_is_sent_once_and_outcome_unknown(
    make_service, kis, real_credential, failure
):
    route = kis.post(f"{REAL}{T}/order-cash").mock(side_effect=failure("lost"))
    with pytest.raises(KisOutcomeUnknown) as caught:
        await make_service().client(real_credential).place_order(Side.BUY, "005930", 1, 71500)
    assert route.call_count == 1
    assert "today's orders" in str(caught.value)


async def test_order_with_a_connect_error_is_unavailable_not_unknown(
    make_service, kis, real_credential
):
    route = kis.post(f"{REAL}{T}/order-cash").mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(KisUnavailable):
        await make_service().client(real_credential).place_order(Side.SELL, "005930", 1, 71500)
    assert route.call_count == 1


async def test_order_gateway_error_without_kis_body_is_outcome_unknown(
    make_service, kis, real_credential
):
    route = kis.post(f"{REAL}{T}/order-cash").mock(return_value=httpx.Response(502, text="bad"))
    with pytest.raises(KisOutcomeUnknown):
        await make_service().client(real_credential).place_order(Side.BUY, "005930", 1, 71500)
    assert route.call_count == 1


async def test_order_rate_limited_is_not_resent(make_service, kis, real_credential):
    route = kis.post(f"{REAL}{T}/order-cash").mock(return_value=payloads.too_many_calls())
    with pytest.raises(KisRefusal) as caught:
        await make_service().client(real_credential).place_order(Side.BUY, "005930", 1, 71500)
    assert caught.value.msg_cd == "EGW00201"
    assert route.call_count == 1


async def test_order_turned_away_for_its_token_is_resent_once_with_a_new_token(
    make_service, kis, real_credential, auto_clock
):
    new_token = payloads.ACCESS_TOKEN + "NEW"
    kis.routes[f"token{REAL}"].side_effect = [payloads.token_ok(), payloads.token_ok(new_token)]
    route = kis.post(f"{REAL}{T}/order-cash").mock(
        side_effect=[payloads.token_expired(), _accepted()]
    )
    receipt = await make_service().client(real_credential).place_order(Side.BUY, "005930", 1, 71500)
    assert receipt.order_no == "0000012345"
    assert route.call_count == 2
    assert route.calls.last.request.headers["authorization"] == f"Bearer {new_token}"
    assert token_calls(kis) == 2


@pytest.mark.parametrize(
    ("which", "host", "tr_id"),
    [("real_credential", REAL, "TTTC0013U"), ("mock_credential", MOCK, "VTTC0013U")],
)
async def test_cancel_whole_remainder(request, make_service, kis, which, host, tr_id):
    credential = request.getfixturevalue(which)
    route = kis.post(f"{host}{T}/order-rvsecncl").mock(return_value=_accepted(uppercase=False))
    receipt = await make_service().client(credential).cancel_order("0000012345", "06010")

    assert route.calls.last.request.headers["tr_id"] == tr_id
    body = _body(route)
    assert body["RVSE_CNCL_DVSN_CD"] == "02"
    assert body["ORGN_ODNO"] == "0000012345"
    assert body["KRX_FWDG_ORD_ORGNO"] == "06010"
    assert (body["QTY_ALL_ORD_YN"], body["ORD_QTY"], body["ORD_UNPR"]) == ("Y", "0", "0")
    assert receipt.order_no == "0000012345"  # read from the lowercase rvsecncl answer


async def test_cancel_part_of_an_order(make_service, kis, real_credential):
    route = kis.post(f"{REAL}{T}/order-rvsecncl").mock(return_value=_accepted(uppercase=False))
    await make_service().client(real_credential).cancel_order("12345", "06010", quantity=2)
    assert (_body(route)["QTY_ALL_ORD_YN"], _body(route)["ORD_QTY"]) == ("N", "2")


async def test_modify_sets_the_new_price_on_the_open_remainder(make_service, kis, real_credential):
    route = kis.post(f"{REAL}{T}/order-rvsecncl").mock(return_value=_accepted(uppercase=False))
    await make_service().client(real_credential).modify_order("0000012345", "06010", 70500)
    body = _body(route)
    assert body["RVSE_CNCL_DVSN_CD"] == "01"
    assert (body["ORD_DVSN"], body["ORD_UNPR"]) == ("00", "70500")
    assert (body["QTY_ALL_ORD_YN"], body["ORD_QTY"]) == ("Y", "0")


async def test_a_cancel_or_modify_keeps_the_orders_venue(make_service, kis, real_credential):
    route = kis.post(f"{REAL}{T}/order-rvsecncl").mock(return_value=_accepted(uppercase=False))
    client = make_service().client(real_credential)
    await client.cancel_order("0000012345", "06010", venue=Venue.NXT)
    assert _body(route)["EXCG_ID_DVSN_CD"] == "NXT"
    await client.modify_order("0000012345", "06010", 70500, venue=Venue.SOR)
    assert _body(route)["EXCG_ID_DVSN_CD"] == "SOR"
    await client.cancel_order("0000012345", "06010")  # venue unknown: KIS's default, KRX
    assert "EXCG_ID_DVSN_CD" not in _body(route)


async def test_cancel_timeout_is_outcome_unknown_and_sent_once(make_service, kis, real_credential):
    route = kis.post(f"{REAL}{T}/order-rvsecncl").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(KisOutcomeUnknown):
        await make_service().client(real_credential).cancel_order("0000012345", "06010")
    assert route.call_count == 1


async def test_mock_nothing_to_cancel_is_a_refusal(make_service, kis, mock_credential):
    kis.post(f"{MOCK}{T}/order-rvsecncl").mock(
        return_value=payloads.refusal(
            "40330000", "모의투자 정정/취소할 수량이 없습니다.", status=200
        )
    )
    with pytest.raises(KisRefusal, match="정정/취소할 수량이 없습니다"):
        await make_service().client(mock_credential).cancel_order("0000000001", "00950")


async def test_hashkey_is_off_by_default_and_sent_when_enabled(make_service, kis, real_credential):
    hashkey = kis.post(f"{REAL}/uapi/hashkey").mock(
        return_value=httpx.Response(200, json={"HASH": "abc123", "BODY": {}})
    )
    route = kis.post(f"{REAL}{T}/order-cash").mock(return_value=_accepted())

    await make_service().client(real_credential).place_order(Side.BUY, "005930", 1, 71500)
    assert hashkey.call_count == 0
    assert "hashkey" not in route.calls.last.request.headers

    await (
        make_service(use_hashkey=True)
        .client(real_credential)
        .place_order(Side.BUY, "005930", 1, 71500)
    )
    assert hashkey.call_count == 1
    assert json.loads(hashkey.calls.last.request.content) == _body(route)
    assert hashkey.calls.last.request.headers["appsecret"] == payloads.APP_SECRET
    assert route.calls.last.request.headers["hashkey"] == "abc123"
