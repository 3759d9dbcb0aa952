"""Fixtures for the sandbox tests: an in-process sandbox and a plain-httpx KIS caller."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from kisbot.clock import ManualClock
from kisbot.sandbox import Sandbox

QUOTATIONS = "/uapi/domestic-stock/v1/quotations"
TRADING = "/uapi/domestic-stock/v1/trading"
ACCOUNT = {"CANO": "50012345", "ACNT_PRDT_CD": "01"}
ACCOUNT_TEXT = "50012345-01"


class Kis:
    """Calls one sandbox host the way a KIS client does, with plain httpx."""

    def __init__(
        self, client: httpx.AsyncClient, appkey: str = "APPKEY1", appsecret: str = "SECRET1"
    ):
        self.client = client
        self.appkey = appkey
        self.appsecret = appsecret
        self.token = ""

    async def issue_token(self) -> httpx.Response:
        body = {
            "grant_type": "client_credentials",
            "appkey": self.appkey,
            "appsecret": self.appsecret,
        }
        response = await self.client.post("/oauth2/tokenP", json=body)
        if response.status_code == 200:
            self.token = response.json()["access_token"]
        return response

    async def login(self) -> Kis:
        response = await self.issue_token()
        assert response.status_code == 200, response.text
        return self

    def headers(self, tr_id: str, **extra: str) -> dict[str, str]:
        return {
            "content-type": "application/json; charset=utf-8",
            "authorization": f"Bearer {self.token}",
            "appkey": self.appkey,
            "appsecret": self.appsecret,
            "tr_id": tr_id,
            "custtype": "P",
            **extra,
        }

    async def get(
        self, path: str, tr_id: str, params: dict[str, str], **headers: str
    ) -> httpx.Response:
        return await self.client.get(path, params=params, headers=self.headers(tr_id, **headers))

    async def post(self, path: str, tr_id: str, body: dict[str, Any]) -> httpx.Response:
        return await self.client.post(path, json=body, headers=self.headers(tr_id))

    async def price(self, code: str) -> dict[str, str]:
        params = {"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": code}
        response = await self.get(f"{QUOTATIONS}/inquire-price", "FHKST01010100", params)
        return response.json()["output"]

    async def order(
        self, tr_id: str, code: str, qty: int, price: int = 0, dvsn: str | None = None
    ) -> httpx.Response:
        body = {
            **ACCOUNT,
            "PDNO": code,
            "ORD_DVSN": dvsn or ("00" if price else "01"),
            "ORD_QTY": str(qty),
            "ORD_UNPR": str(price),
        }
        return await self.post(f"{TRADING}/order-cash", tr_id, body)

    async def rvsecncl(
        self, tr_id: str, order: dict[str, str], kind: str, *, price: int = 0, qty: int = 0
    ) -> httpx.Response:
        """정정 (kind 01) or 취소 (02) of an order given as order-cash's `output`."""
        output = {key.upper(): value for key, value in order.items()}
        body = {
            **ACCOUNT,
            "KRX_FWDG_ORD_ORGNO": output["KRX_FWDG_ORD_ORGNO"],
            "ORGN_ODNO": output["ODNO"],
            "ORD_DVSN": "00",
            "RVSE_CNCL_DVSN_CD": kind,
            "ORD_QTY": str(qty),
            "ORD_UNPR": str(price),
            "QTY_ALL_ORD_YN": "N" if qty else "Y",
        }
        return await self.post(f"{TRADING}/order-rvsecncl", tr_id, body)

    async def balance(
        self, tr_id: str, *, tr_cont: str = "", fk: str = "", nk: str = "", inqr_dvsn: str = "01"
    ) -> httpx.Response:
        params = {
            **ACCOUNT,
            "AFHR_FLPR_YN": "N",
            "OFL_YN": "",
            "INQR_DVSN": inqr_dvsn,
            "UNPR_DVSN": "01",
            "FUND_STTL_ICLD_YN": "N",
            "FNCG_AMT_AUTO_RDPT_YN": "N",
            "PRCS_DVSN": "00",
            "CTX_AREA_FK100": fk,
            "CTX_AREA_NK100": nk,
        }
        return await self.get(f"{TRADING}/inquire-balance", tr_id, params, tr_cont=tr_cont)

    async def daily_ccld(
        self, tr_id: str, *, ccld_dvsn: str = "00", tr_cont: str = "", fk: str = "", nk: str = ""
    ) -> httpx.Response:
        params = {
            **ACCOUNT,
            "INQR_STRT_DT": "20261101",
            "INQR_END_DT": "20261130",
            "SLL_BUY_DVSN_CD": "00",
            "INQR_DVSN": "00",
            "PDNO": "",
            "CCLD_DVSN": ccld_dvsn,
            "ORD_GNO_BRNO": "",
            "ODNO": "",
            "INQR_DVSN_3": "00",
            "INQR_DVSN_1": "",
            "CTX_AREA_FK100": fk,
            "CTX_AREA_NK100": nk,
        }
        return await self.get(f"{TRADING}/inquire-daily-ccld", tr_id, params, tr_cont=tr_cont)

    async def buying_power(
        self, tr_id: str, code: str = "005930", price: int = 0
    ) -> dict[str, str]:
        params = {
            **ACCOUNT,
            "PDNO": code,
            "ORD_UNPR": str(price),
            "ORD_DVSN": "00" if price else "01",
            "CMA_EVLU_AMT_ICLD_YN": "N",
            "OVRS_ICLD_YN": "N",
        }
        response = await self.get(f"{TRADING}/inquire-psbl-order", tr_id, params)
        return response.json()["output"]


SandboxFactory = Callable[..., Sandbox]


@pytest.fixture
async def sandbox(clock: ManualClock) -> AsyncIterator[Sandbox]:
    """A sandbox with no rate or token limits, still prices, on the test's manual clock."""
    async with Sandbox(
        seed=1, real_rate=0, mock_rate=0, token_interval=0, walk_interval=0, clock=clock
    ) as sb:
        yield sb


@pytest.fixture
def make_sandbox(clock: ManualClock) -> SandboxFactory:
    """A sandbox with the given options (manual clock, still prices unless told)."""

    def make(**options: Any) -> Sandbox:
        defaults: dict[str, Any] = {"seed": 1, "walk_interval": 0, "clock": clock}
        return Sandbox(**{**defaults, **options})

    return make


@pytest.fixture
async def real(sandbox: Sandbox) -> AsyncIterator[Kis]:
    async with httpx.AsyncClient(base_url=sandbox.real_url) as client:
        yield await Kis(client, "REALKEY", "REALSECRET").login()


@pytest.fixture
async def mock(sandbox: Sandbox) -> AsyncIterator[Kis]:
    async with httpx.AsyncClient(base_url=sandbox.mock_url) as client:
        yield await Kis(client, "MOCKKEY", "MOCKSECRET").login()
