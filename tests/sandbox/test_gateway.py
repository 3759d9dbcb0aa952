"""Gateway rules: what the mock host refuses, TR IDs, the call rate, hashkey and the request log."""

from __future__ import annotations

import httpx
import pytest

from kisbot.clock import ManualClock
from kisbot.sandbox import Sandbox

from .conftest import ACCOUNT, QUOTATIONS, TRADING, Kis, SandboxFactory

PRICE_PARAMS = {"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": "005930"}


@pytest.mark.parametrize("tr_id", ["TTTC8434R", "TTTC0012U"])
async def test_real_tr_id_on_the_mock_host_is_refused(mock: Kis, tr_id: str) -> None:
    if tr_id.endswith("U"):
        response = await mock.order(tr_id, "005930", 1)
    else:
        response = await mock.balance(tr_id)
    assert response.status_code == 500
    assert response.json()["rt_cd"] == "1"
    assert response.json()["msg1"] == "모의투자 TR 이 아닙니다."


async def test_real_only_apis_are_not_found_on_the_mock_host(mock: Kis) -> None:
    params = {"FID_COND_MRKT_DIV_CODE_1": "J", "FID_INPUT_ISCD_1": "005930"}
    multprice = await mock.get(f"{QUOTATIONS}/intstock-multprice", "FHKST11300006", params)
    assert multprice.status_code == 500
    assert multprice.json() == {
        "rt_cd": "1",
        "msg_cd": "MCA00124",
        "msg1": "해당 서비스를 찾을수 없습니다.",
    }
    info = await mock.get(f"{QUOTATIONS}/search-stock-info", "CTPF1002R", {"PDNO": "005930"})
    assert info.json()["msg1"] == "모의투자 TR 이 아닙니다."  # a C… TR ID: the TR check speaks
    open_orders = await mock.get(f"{TRADING}/inquire-psbl-rvsecncl", "TTTC0084R", ACCOUNT)
    assert open_orders.json()["msg1"] == "모의투자 TR 이 아닙니다."


async def test_the_same_apis_work_on_the_real_host(real: Kis) -> None:
    params = {"FID_COND_MRKT_DIV_CODE_1": "J", "FID_INPUT_ISCD_1": "005930"}
    response = await real.get(f"{QUOTATIONS}/intstock-multprice", "FHKST11300006", params)
    assert response.json()["rt_cd"] == "0"
    assert response.json()["output"][0]["inter_kor_isnm"] == "삼성전자"


async def test_mock_tr_id_on_the_real_host_and_a_foreign_tr_id_are_refused(real: Kis) -> None:
    mock_tr = await real.balance("VTTC8434R")
    assert mock_tr.status_code == 500
    assert mock_tr.json()["msg1"] == "실전투자 TR 이 아닙니다."
    wrong = await real.get(f"{QUOTATIONS}/inquire-price", "FHKST01010400", PRICE_PARAMS)
    assert wrong.json()["msg_cd"] == "EGW00202"


async def test_legacy_tr_ids_are_still_accepted(mock: Kis, real: Kis) -> None:
    assert (await mock.order("VTTC0802U", "005930", 1)).json()["rt_cd"] == "0"
    sold = await real.order("TTTC0801U", "005930", 1)
    assert sold.json()["rt_cd"] == "0"
    assert (await real.daily_ccld("TTTC8001R")).json()["rt_cd"] == "0"
    legacy_open_orders = await real.get(f"{TRADING}/inquire-psbl-rvsecncl", "TTTC8036R", ACCOUNT)
    assert legacy_open_orders.json()["rt_cd"] == "0"


async def test_rate_limit_per_app_key_is_egw00201(
    make_sandbox: SandboxFactory, clock: ManualClock
) -> None:
    async with (
        make_sandbox(mock_rate=2, token_interval=0) as sb,
        httpx.AsyncClient(base_url=sb.mock_url) as c,
    ):
        first, second = await Kis(c, "KEY1", "S").login(), await Kis(c, "KEY2", "S").login()
        path = f"{QUOTATIONS}/inquire-price"
        answers = [await first.get(path, "FHKST01010100", PRICE_PARAMS) for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 500]
        assert answers[2].json() == {
            "rt_cd": "1",
            "msg_cd": "EGW00201",
            "msg1": "초당 거래건수를 초과하였습니다.",
        }
        assert (await second.get(path, "FHKST01010100", PRICE_PARAMS)).status_code == 200
        await clock.advance(1.0)
        assert (await first.get(path, "FHKST01010100", PRICE_PARAMS)).status_code == 200


async def test_rate_zero_lifts_the_limit(mock: Kis) -> None:
    path = f"{QUOTATIONS}/inquire-price"
    for _ in range(20):
        assert (await mock.get(path, "FHKST01010100", PRICE_PARAMS)).status_code == 200


async def test_hashkey_echoes_the_body_with_a_hash(mock: Kis) -> None:
    body = {**ACCOUNT, "PDNO": "005930", "ORD_DVSN": "01", "ORD_QTY": "1", "ORD_UNPR": "0"}
    headers = {"appkey": mock.appkey, "appsecret": mock.appsecret}
    response = await mock.client.post("/uapi/hashkey", json=body, headers=headers)
    data = response.json()
    assert {k: v for k, v in data.items() if k != "HASH"} == body
    assert 0 < len(data["HASH"]) <= 256


async def test_request_log_has_path_tr_id_and_time_but_no_secrets(
    sandbox: Sandbox, real: Kis
) -> None:
    await real.balance("TTTC8434R")
    entries = sandbox.requests("inquire-balance", flavour="real")
    assert [(e.method, e.path, e.tr_id, e.status) for e in entries] == [
        ("GET", f"{TRADING}/inquire-balance", "TTTC8434R", 200)
    ]
    assert entries[0].time == sandbox.state.clock.now()
    everything = repr(sandbox.requests())
    for secret in (real.token, real.appkey, real.appsecret, ACCOUNT["CANO"]):
        assert secret not in everything
    assert sandbox.requests("/oauth2/tokenP")[0].flavour == "real"
