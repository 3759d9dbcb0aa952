"""The /_sandbox/ JSON control API, as a process outside Python would use it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from kisbot.sandbox import Sandbox

from .conftest import ACCOUNT_TEXT, Kis


@pytest.fixture
async def control(sandbox: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"{sandbox.real_url}/_sandbox/") as client:
        yield client


async def test_set_and_move_prices(control: httpx.AsyncClient, real: Kis) -> None:
    assert (await control.post("price", json={"code": "005930", "price": 72_040})).json() == {
        "code": "005930",
        "price": 72_000,
    }
    assert (await control.post("price", json={"code": "005930", "delta": -500})).json()[
        "price"
    ] == 71_500
    assert (await real.price("005930"))["stck_prpr"] == "71500"
    prices = (await control.get("prices")).json()
    assert prices["005930"]["name"] == "삼성전자"
    assert (await control.post("price", json={"code": "XXXXXX", "price": 1})).status_code == 404
    assert (
        await control.post("price", json={"code": "005930", "price": "lots"})
    ).status_code == 400


async def test_advance_walks_and_market_closes(
    sandbox: Sandbox, control: httpx.AsyncClient
) -> None:
    before = {code: s.price for code, s in sandbox.state.market.stocks.items()}
    assert (await control.post("market", json={"open": False})).json() == {"open": False}
    await control.post("advance", json={"seconds": 300})
    assert {code: s.price for code, s in sandbox.state.market.stocks.items()} == before
    await control.post("market", json={"open": True})
    await control.post("advance", json={"seconds": 300})
    assert {code: s.price for code, s in sandbox.state.market.stocks.items()} != before


async def test_expire_tokens_and_read_the_request_log(
    control: httpx.AsyncClient, real: Kis
) -> None:
    await real.balance("TTTC8434R")
    assert (await control.post("expire-tokens", json={})).json() == {"expired": 1}
    assert (await real.balance("TTTC8434R")).json()["msg_cd"] == "EGW00123"
    log = (await control.get("requests", params={"path": "inquire-balance"})).json()["requests"]
    assert [(e["tr_id"], e["status"]) for e in log] == [("TTTC8434R", 200), ("TTTC8434R", 500)]
    assert set(log[0]) == {"flavour", "method", "path", "tr_id", "time", "status"}


async def test_accounts_cash_fill_and_reset(
    sandbox: Sandbox, control: httpx.AsyncClient, mock: Kis
) -> None:
    order = (await mock.order("VTTC0012U", "000660", 10, price=150_000)).json()["output"]
    filled = await control.post("fill", json={"flavour": "mock", "odno": order["ODNO"], "qty": 4})
    assert filled.status_code == 200
    account = (await control.get(f"accounts/mock/{ACCOUNT_TEXT}")).json()
    assert account["orders"][0]["open_qty"] == 6
    assert {h["code"]: h["qty"] for h in account["holdings"]}["000660"] == 4
    cash = await control.post(f"accounts/mock/{ACCOUNT_TEXT}/cash", json={"amount": 5_000_000})
    assert cash.json()["deposit"] == 5_000_000

    assert (await control.post("reset")).status_code == 200
    assert sandbox.state.hosts["mock"].broker.accounts == {}
    assert (await mock.balance("VTTC8434R")).json()["msg_cd"] == "EGW00121"  # tokens are gone
