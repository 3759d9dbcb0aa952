"""Token rules (kis-api §2): issue, reuse, the one-a-minute limit, unknown keys, expiry, revoke."""

from __future__ import annotations

from datetime import datetime

import httpx

from kisbot.clock import ManualClock
from kisbot.sandbox import Sandbox

from .conftest import Kis, SandboxFactory

PRICE = "/uapi/domestic-stock/v1/quotations/inquire-price"
PRICE_PARAMS = {"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": "005930"}


async def test_token_lasts_a_day_and_is_given_again_within_six_hours(
    make_sandbox: SandboxFactory, clock: ManualClock
) -> None:
    async with make_sandbox(token_interval=60) as sb, httpx.AsyncClient(base_url=sb.real_url) as c:
        kis = Kis(c)
        first = (await kis.issue_token()).json()
        assert first["token_type"] == "Bearer"
        assert first["expires_in"] == 86400
        expires = datetime.strptime(first["access_token_token_expired"], "%Y-%m-%d %H:%M:%S")
        assert expires == datetime(2026, 11, 24, 9, 0)  # KST, 24 h after 09:00 on the 23rd

        await clock.advance(61)
        again = (await kis.issue_token()).json()
        assert again["access_token"] == first["access_token"]

        await clock.advance(6 * 3600)
        later = (await kis.issue_token()).json()
        assert later["access_token"] != first["access_token"]


async def test_second_token_call_within_a_minute_is_egw00133(
    make_sandbox: SandboxFactory, clock: ManualClock
) -> None:
    async with make_sandbox(token_interval=60) as sb, httpx.AsyncClient(base_url=sb.mock_url) as c:
        kis = Kis(c)
        assert (await kis.issue_token()).status_code == 200
        refused = await kis.issue_token()
        assert refused.status_code == 403
        assert refused.json() == {
            "error_code": "EGW00133",
            "error_description": "접근토큰 발급 잠시 후 다시 시도하세요(1분당 1회)",
        }
        # Another app key is not affected.
        assert (await Kis(c, "OTHERKEY", "S").issue_token()).status_code == 200
        await clock.advance(60)
        assert (await kis.issue_token()).status_code == 200


async def test_token_interval_zero_lifts_the_minute_rule(real: Kis) -> None:
    assert (await real.issue_token()).status_code == 200
    assert (await real.issue_token()).status_code == 200


async def test_unknown_app_key_is_egw00103_in_error_code_shape(sandbox: Sandbox) -> None:
    async with httpx.AsyncClient(base_url=sandbox.real_url) as c:
        response = await Kis(c, "BADKEY123", "whatever").issue_token()
    assert response.status_code == 403
    assert response.json() == {
        "error_code": "EGW00103",
        "error_description": "유효하지 않은 AppKey입니다.",
    }


async def test_a_different_secret_for_a_known_key_is_refused(real: Kis) -> None:
    response = await Kis(real.client, real.appkey, "not-the-secret").issue_token()
    assert response.status_code == 403
    assert response.json()["error_code"] == "EGW00105"


async def test_expired_token_is_egw00123_and_the_next_token_call_issues_a_new_one(
    make_sandbox: SandboxFactory,
) -> None:
    async with make_sandbox(token_interval=60) as sb, httpx.AsyncClient(base_url=sb.real_url) as c:
        kis = await Kis(c).login()
        old = kis.token
        assert sb.expire_tokens() == 1
        refused = await kis.get(PRICE, "FHKST01010100", PRICE_PARAMS)
        assert refused.status_code == 500
        assert refused.json() == {
            "rt_cd": "1",
            "msg_cd": "EGW00123",
            "msg1": "기간이 만료된 token 입니다.",
        }
        await kis.login()  # no EGW00133: expiry stands for a day having passed
        assert kis.token != old
        assert (await kis.get(PRICE, "FHKST01010100", PRICE_PARAMS)).json()["rt_cd"] == "0"


async def test_token_expires_after_24_hours(real: Kis, clock: ManualClock) -> None:
    await clock.advance(24 * 3600)
    response = await real.get(PRICE, "FHKST01010100", PRICE_PARAMS)
    assert response.json()["msg_cd"] == "EGW00123"


async def test_unknown_token_is_egw00121(real: Kis) -> None:
    real.token = "not-a-token"
    response = await real.get(PRICE, "FHKST01010100", PRICE_PARAMS)
    assert response.status_code == 500
    assert response.json()["msg_cd"] == "EGW00121"
    assert response.json()["msg1"] == "유효하지 않은 token 입니다."


async def test_token_of_one_host_is_unknown_on_the_other(sandbox: Sandbox, real: Kis) -> None:
    async with httpx.AsyncClient(base_url=sandbox.mock_url) as c:
        on_mock = Kis(c, real.appkey, real.appsecret)
        on_mock.token = real.token
        response = await on_mock.get(PRICE, "FHKST01010100", PRICE_PARAMS)
    assert response.json()["msg_cd"] == "EGW00121"


async def test_revoked_token_is_refused(real: Kis) -> None:
    body = {"appkey": real.appkey, "appsecret": real.appsecret, "token": real.token}
    revoked = await real.client.post("/oauth2/revokeP", json=body)
    assert revoked.status_code == 200
    assert revoked.json()["code"] == "200"
    response = await real.get(PRICE, "FHKST01010100", PRICE_PARAMS)
    assert response.json()["msg_cd"] == "EGW00121"
    again = await real.client.post("/oauth2/revokeP", json=body)
    assert again.status_code == 403
    assert again.json()["error_code"] == "EGW00121"


async def test_missing_bearer_and_bad_app_key_on_api_calls(real: Kis) -> None:
    headers = real.headers("FHKST01010100")
    del headers["authorization"]
    no_bearer = await real.client.get(PRICE, params=PRICE_PARAMS, headers=headers)
    assert no_bearer.json()["msg_cd"] == "EGW00205"
    bad_key = await real.client.get(
        PRICE, params=PRICE_PARAMS, headers={**real.headers("FHKST01010100"), "appkey": "BADKEY"}
    )
    assert bad_key.status_code == 500
    assert bad_key.json()["msg_cd"] == "EGW00103"


async def test_websocket_approval_key_takes_secretkey(real: Kis) -> None:
    body = {"grant_type": "client_credentials", "appkey": real.appkey, "secretkey": real.appsecret}
    response = await real.client.post("/oauth2/Approval", json=body)
    assert response.status_code == 200
    assert len(response.json()["approval_key"]) == 36
