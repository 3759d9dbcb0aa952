"""A KIS client nobody here wrote — mojito2 0.1.6, legacy TR IDs, plain requests — works against
the sandbox with only its base URL changed."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from kisbot.sandbox import Sandbox

mojito = pytest.importorskip("mojito")


def mojito_session(base_url: str, *, mock: bool) -> Any:
    """A mojito.KoreaInvestment whose every call goes to `base_url`."""

    class SandboxedKoreaInvestment(mojito.KoreaInvestment):  # type: ignore[misc, name-defined]
        def set_base_url(self, mock: bool = True) -> None:
            self.base_url = base_url

    return SandboxedKoreaInvestment(
        api_key="MOJITOKEY", api_secret="MOJITOSECRET", acc_no="50012345-01", mock=mock
    )


def mojito_round_trip(base_url: str) -> dict[str, Any]:
    """What a mojito user does: price, daily prices, balance, a limit buy and its cancel."""
    broker = mojito_session(base_url, mock=True)
    price = broker.fetch_price("005930")
    daily = broker.fetch_ohlcv_recent30("005930")
    balance = broker.fetch_balance()
    order = broker.create_limit_buy_order("005930", 65_000, 2)
    output = order["output"]
    cancel = broker.cancel_order(output["KRX_FWDG_ORD_ORGNO"], output["ODNO"], 2, total=True)
    return {"price": price, "daily": daily, "balance": balance, "order": order, "cancel": cancel}


async def test_mojito_reads_and_trades_on_the_mock_host(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # mojito writes token.dat into the working directory
    sandbox.set_price("005930", 71_000)

    result = await asyncio.to_thread(mojito_round_trip, sandbox.mock_url)

    assert result["price"]["output"]["stck_prpr"] == "71000"
    assert len(result["daily"]["output"]) == 30
    holdings = {row["pdno"]: row for row in result["balance"]["output1"]}
    assert holdings["005930"]["hldg_qty"] == "10"
    assert result["balance"]["output2"][0]["dnca_tot_amt"] == "10000000"
    assert (result["order"]["rt_cd"], result["order"]["msg_cd"]) == ("0", "40600000")
    assert result["cancel"]["rt_cd"] == "0", result["cancel"]
    assert result["cancel"]["msg1"] == "모의투자 취소주문이 완료 되었습니다."
    assert sandbox.account("50012345-01").open_orders() == []
    assert (tmp_path / "token.dat").exists()
    # mojito sent the legacy order TR IDs, and asked for a hashkey before each order.
    tr_ids = [entry.tr_id for entry in sandbox.requests(flavour="mock")]
    assert "VTTC0802U" in tr_ids and "VTTC0803U" in tr_ids
    assert len(sandbox.requests("/uapi/hashkey")) == 2
