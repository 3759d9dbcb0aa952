"""What the sandbox answers that other KIS clients depend on (found running python-kis on it)."""

from __future__ import annotations

import httpx

from kisbot.sandbox import Sandbox

QUOTE = "/uapi/domestic-stock/v1/quotations/inquire-price"


async def test_inquire_price_has_the_fields_python_kis_reads(sandbox: Sandbox) -> None:
    keys = {"appkey": "FIDELITYKEY", "appsecret": "FIDELITYSECRET"}
    async with httpx.AsyncClient(base_url=sandbox.real_url) as http:
        issued = await http.post(
            "/oauth2/tokenP", json={"grant_type": "client_credentials", **keys}
        )
        headers = {
            **keys,
            "authorization": f"Bearer {issued.json()['access_token']}",
            "tr_id": "FHKST01010100",
        }
        params = {"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": "005930"}
        answer = await http.get(QUOTE, params=params, headers=headers)

    output = answer.json()["output"]
    assert {"prdy_vrss_vol_rate", "w52_hgpr_date", "w52_lwpr_date"} <= set(output)
