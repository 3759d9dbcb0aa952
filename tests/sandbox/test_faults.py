"""Injected faults: each kind, on a path, for the next N calls, through Python and over HTTP."""

from __future__ import annotations

import time

import httpx
import pytest

from kisbot.sandbox import Sandbox

from .conftest import QUOTATIONS, TRADING, Kis

PRICE = f"{QUOTATIONS}/inquire-price"
PRICE_PARAMS = {"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": "005930"}


async def test_http_500_without_a_kis_body_for_the_next_n_calls(
    sandbox: Sandbox, real: Kis
) -> None:
    sandbox.inject_fault("inquire-price", "http500", count=2)
    for _ in range(2):
        response = await real.get(PRICE, "FHKST01010100", PRICE_PARAMS)
        assert response.status_code == 500
        with pytest.raises(ValueError):
            response.json()
    assert (await real.get(PRICE, "FHKST01010100", PRICE_PARAMS)).json()["rt_cd"] == "0"
    assert [e.status for e in sandbox.requests(PRICE)] == [500, 500, 200]


async def test_delay_then_the_normal_answer(sandbox: Sandbox, real: Kis) -> None:
    sandbox.inject_fault(PRICE, "delay", delay=0.3)
    started = time.monotonic()
    response = await real.get(PRICE, "FHKST01010100", PRICE_PARAMS)
    assert time.monotonic() - started >= 0.3
    assert response.json()["rt_cd"] == "0"
    with pytest.raises(httpx.ReadTimeout):
        sandbox.inject_fault(PRICE, "delay", delay=0.5)
        await real.client.get(
            PRICE, params=PRICE_PARAMS, headers=real.headers("FHKST01010100"), timeout=0.1
        )


async def test_rate_limit_fault_is_egw00201(sandbox: Sandbox, mock: Kis) -> None:
    sandbox.inject_fault("order-cash", "rate_limit", flavour="mock")
    response = await mock.order("VTTC0012U", "005930", 1)
    assert response.status_code == 500
    assert response.json()["msg_cd"] == "EGW00201"
    assert not sandbox.account("50012345-01").orders  # refused before it reached the broker


async def test_any_kis_refusal_can_be_injected(sandbox: Sandbox, mock: Kis) -> None:
    sandbox.inject_fault(
        f"{TRADING}/order-cash",
        "kis_error",
        msg_cd="40910000",
        msg1="모의투자 주문이 불가한 계좌입니다.",
    )
    body = (await mock.order("VTTC0012U", "005930", 1)).json()
    assert body == {
        "rt_cd": "1",
        "msg_cd": "40910000",
        "msg1": "모의투자 주문이 불가한 계좌입니다.",
    }
    assert "output" not in body


async def test_fault_on_one_host_leaves_the_other_alone(
    sandbox: Sandbox, real: Kis, mock: Kis
) -> None:
    sandbox.inject_fault(PRICE, "http500", flavour="mock")
    assert (await real.get(PRICE, "FHKST01010100", PRICE_PARAMS)).status_code == 200
    assert (await mock.get(PRICE, "FHKST01010100", PRICE_PARAMS)).status_code == 500


async def test_faults_over_the_control_api(sandbox: Sandbox, real: Kis) -> None:
    async with httpx.AsyncClient(base_url=sandbox.mock_url) as control:
        injected = await control.post(
            "/_sandbox/faults",
            json={
                "path": "/oauth2/tokenP",
                "kind": "kis_error",
                "status": 500,
                "rt_cd": "1",
                "msg_cd": "EGW00201",
                "msg1": "초당 거래건수를 초과하였습니다.",
                "flavour": "real",
            },
        )
        assert injected.status_code == 200
        assert len(injected.json()["faults"]) == 1
        refused = await real.issue_token()
        assert (refused.status_code, refused.json()["msg_cd"]) == (500, "EGW00201")
        bad = await control.post("/_sandbox/faults", json={"path": "*", "kind": "meteor"})
        assert bad.status_code == 400
