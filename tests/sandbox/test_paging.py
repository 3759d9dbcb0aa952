"""연속조회: page sizes, the tr_cont header and the CTX_AREA keys; INQR_DVSN must be 01."""

from __future__ import annotations

from kisbot.sandbox import Sandbox

from .conftest import ACCOUNT_TEXT, Kis


async def buy_many(sandbox: Sandbox, kis: Kis, tr_id: str, count: int) -> list[str]:
    """Market-buy one share each of `count` stocks not already held; returns their codes."""
    sandbox.set_cash(ACCOUNT_TEXT, 100_000_000, flavour="mock" if tr_id.startswith("V") else "real")
    held = {"005930", "035720", "069500"}
    codes = [code for code in sandbox.state.market.stocks if code not in held][:count]
    for code in codes:
        assert (await kis.order(tr_id, code, 1)).json()["rt_cd"] == "0"
    return codes


async def test_mock_balance_pages_by_20_with_tr_cont(sandbox: Sandbox, mock: Kis) -> None:
    await buy_many(sandbox, mock, "VTTC0012U", 22)  # 3 starting holdings + 22 = 25 rows
    first = await mock.balance("VTTC8434R")
    body = first.json()
    assert first.headers["tr_cont"] == "F"
    assert len(body["output1"]) == 20
    assert len(body["ctx_area_nk100"]) == 100  # padded like KIS's; echo it as it came

    second = await mock.balance(
        "VTTC8434R", tr_cont="N", fk=body["ctx_area_fk100"], nk=body["ctx_area_nk100"]
    )
    assert second.headers["tr_cont"] == "E"
    rows = body["output1"] + second.json()["output1"]
    assert len(rows) == 25
    assert len({row["pdno"] for row in rows}) == 25
    assert second.json()["output2"] == body["output2"]


async def test_follow_up_without_tr_cont_n_starts_over(sandbox: Sandbox, mock: Kis) -> None:
    await buy_many(sandbox, mock, "VTTC0012U", 22)
    body = (await mock.balance("VTTC8434R")).json()
    again = await mock.balance("VTTC8434R", fk=body["ctx_area_fk100"], nk=body["ctx_area_nk100"])
    assert again.headers["tr_cont"] == "F"
    assert again.json()["output1"] == body["output1"]


async def test_real_balance_pages_by_50(sandbox: Sandbox, real: Kis) -> None:
    await buy_many(sandbox, real, "TTTC0012U", 22)
    response = await real.balance("TTTC8434R")
    assert response.headers["tr_cont"] == "D"
    assert len(response.json()["output1"]) == 25


async def test_balance_inqr_dvsn_02_is_opsq2001(mock: Kis) -> None:
    body = (await mock.balance("VTTC8434R", inqr_dvsn="02")).json()
    assert (body["rt_cd"], body["msg_cd"]) == ("2", "OPSQ2001")
    assert "INQR_DVSN" in body["msg1"]


async def test_mock_daily_ccld_pages_by_15(sandbox: Sandbox, mock: Kis) -> None:
    await buy_many(sandbox, mock, "VTTC0012U", 16)
    first = await mock.daily_ccld("VTTC0081R")
    body = first.json()
    assert (first.headers["tr_cont"], len(body["output1"])) == ("F", 15)
    second = await mock.daily_ccld(
        "VTTC0081R", tr_cont="N", fk=body["ctx_area_fk100"], nk=body["ctx_area_nk100"]
    )
    assert (second.headers["tr_cont"], len(second.json()["output1"])) == ("E", 1)
    assert body["output2"]["tot_ccld_qty"] == "16"
