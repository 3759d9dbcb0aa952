"""Reads are retried with bounded backoff; refusals become errors carrying msg_cd and msg1."""

from __future__ import annotations

import httpx
import pytest

from kisbot.kis import (
    KisAuthError,
    KisRateLimited,
    KisRefusal,
    KisUnavailable,
)
from tests.kis import payloads
from tests.kis.payloads import MOCK, REAL, Q, T

QUOTE_URL = f"{REAL}{Q}/inquire-price"


def _quote_ok() -> httpx.Response:
    return payloads.ok(output=payloads.price_output())


async def test_egw00201_backs_off_and_succeeds(make_service, kis, real_credential, auto_clock):
    route = kis.get(QUOTE_URL).mock(
        side_effect=[payloads.too_many_calls(), payloads.too_many_calls(), _quote_ok()]
    )
    started = auto_clock.monotonic()
    quote = await make_service().client(real_credential).quote("005930")
    assert quote.price == 71500
    assert route.call_count == 3
    assert auto_clock.monotonic() - started == pytest.approx(0.5 + 1.0)


async def test_egw00201_gives_up_after_the_bound(make_service, kis, real_credential):
    route = kis.get(QUOTE_URL).mock(return_value=payloads.too_many_calls())
    with pytest.raises(KisRateLimited) as caught:
        await make_service().client(real_credential).quote("005930")
    assert route.call_count == 4  # the first try and three retries
    assert caught.value.msg_cd == "EGW00201"
    assert "초당 거래건수를 초과하였습니다." in str(caught.value)


async def test_http_500_with_a_kis_body_is_a_refusal_not_retried(
    make_service, kis, real_credential
):
    route = kis.get(QUOTE_URL).mock(
        return_value=payloads.refusal(
            "OPSQ2001", "ERROR : INPUT INVALID_CHECK_INQR_DVSN  ", rt_cd="2"
        )
    )
    with pytest.raises(KisRefusal) as caught:
        await make_service().client(real_credential).quote("005930")
    assert route.call_count == 1
    assert caught.value.msg1 == "ERROR : INPUT INVALID_CHECK_INQR_DVSN"
    assert (caught.value.msg_cd, caught.value.rt_cd, caught.value.http_status) == (
        "OPSQ2001",
        "2",
        500,
    )
    assert caught.value.method == "GET"
    assert caught.value.path.endswith("/inquire-price")
    assert caught.value.tr_id == "FHKST01010100"


async def test_http_5xx_without_a_kis_body_is_retried(make_service, kis, real_credential):
    route = kis.get(QUOTE_URL).mock(
        side_effect=[httpx.Response(502, text="<html>Bad Gateway</html>"), _quote_ok()]
    )
    quote = await make_service().client(real_credential).quote("005930")
    assert quote.price == 71500
    assert route.call_count == 2


@pytest.mark.parametrize(
    "failure", [httpx.ReadTimeout("slow"), httpx.ConnectError("down"), httpx.ReadError("reset")]
)
async def test_read_timeouts_and_connection_errors_are_retried(
    make_service, kis, real_credential, failure
):
    route = kis.get(QUOTE_URL).mock(side_effect=[failure, _quote_ok()])
    quote = await make_service().client(real_credential).quote("005930")
    assert quote.price == 71500
    assert route.call_count == 2


async def test_reads_that_never_answer_are_unavailable(make_service, kis, real_credential):
    route = kis.get(f"{REAL}{T}/inquire-balance").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(KisUnavailable) as caught:
        await make_service().client(real_credential).balance()
    assert route.call_count == 4
    assert caught.value.tr_id == "TTTC8434R"


async def test_real_tr_on_mock_host_comes_back_as_a_refusal(make_service, kis, mock_credential):
    kis.get(f"{MOCK}{T}/inquire-balance").mock(
        return_value=httpx.Response(
            500, json={"rt_cd": "1", "msg_cd": "", "msg1": "모의투자 TR 이 아닙니다."}
        )
    )
    with pytest.raises(KisRefusal) as caught:
        await make_service().client(mock_credential).balance()
    assert caught.value.msg1 == "모의투자 TR 이 아닙니다."


async def test_unknown_service_on_mock_is_a_refusal(make_service, kis, mock_credential):
    kis.get(f"{MOCK}{T}/inquire-psbl-order").mock(
        return_value=payloads.refusal("MCA00124", "해당 서비스를 찾을수 없습니다.")
    )
    with pytest.raises(KisRefusal) as caught:
        await make_service().client(mock_credential).buying_power("005930", 1000)
    assert caught.value.msg_cd == "MCA00124"
    assert not isinstance(caught.value, KisAuthError)


async def test_mock_key_on_real_domain_is_an_auth_error(make_service, kis, real_credential):
    kis.get(QUOTE_URL).mock(
        return_value=payloads.refusal(
            "EGW02004", "실전투자 도메인은 모의투자 앱키로 호출하실 수 없습니다."
        )
    )
    with pytest.raises(KisAuthError):
        await make_service().client(real_credential).quote("005930")


async def test_a_non_json_success_status_is_unavailable(make_service, kis, real_credential):
    kis.get(QUOTE_URL).mock(return_value=httpx.Response(200, text="maintenance"))
    with pytest.raises(KisUnavailable):
        await make_service().client(real_credential).quote("005930")
