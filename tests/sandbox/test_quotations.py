"""Quotation APIs: field names and string values, ticks and the band, history, multi-quote."""

from __future__ import annotations

from kisbot.sandbox import Sandbox, krx

from .conftest import QUOTATIONS, Kis, SandboxFactory


def daily_params(code: str, period: str = "D") -> dict[str, str]:
    return {
        "FID_COND_MRKT_DIV_CODE": "J",
        "FID_INPUT_ISCD": code,
        "FID_PERIOD_DIV_CODE": period,
        "FID_ORG_ADJ_PRC": "1",
    }


def chart_params(code: str, start: str, end: str, period: str = "D") -> dict[str, str]:
    return {
        "FID_COND_MRKT_DIV_CODE": "J",
        "FID_INPUT_ISCD": code,
        "FID_INPUT_DATE_1": start,
        "FID_INPUT_DATE_2": end,
        "FID_PERIOD_DIV_CODE": period,
        "FID_ORG_ADJ_PRC": "0",
    }


async def test_inquire_price_answers_strings_with_band_and_tick(real: Kis) -> None:
    response = await real.get(
        f"{QUOTATIONS}/inquire-price", "FHKST01010100", daily_params("005930")
    )
    body = response.json()
    assert (body["rt_cd"], body["msg_cd"]) == ("0", "MCA00000")
    assert response.headers["tr_id"] == "FHKST01010100"
    output = body["output"]
    assert all(isinstance(value, str) for value in output.values())
    price, base = int(output["stck_prpr"]), int(output["stck_sdpr"])
    assert int(output["stck_mxpr"]) == krx.round_down_to_tick(base * 13 // 10)
    assert int(output["stck_llam"]) == krx.round_up_to_tick(base * 7 // 10)
    assert output["aspr_unit"] == str(krx.tick_size(price))
    assert output["stck_shrn_iscd"] == "005930"


async def test_lowercase_query_names_work_like_mojito_sends_them(real: Kis) -> None:
    params = {"fid_cond_mrkt_div_code": "J", "fid_input_iscd": "000660"}
    response = await real.get(f"{QUOTATIONS}/inquire-price", "FHKST01010100", params)
    assert response.json()["output"]["stck_shrn_iscd"] == "000660"


async def test_set_price_snaps_to_ticks_and_the_band_and_signs_follow(
    sandbox: Sandbox, real: Kis
) -> None:
    assert sandbox.set_price("005930", 72_049) == 72_000  # 100-won ticks
    assert (await real.price("005930"))["prdy_vrss_sign"] == "2"
    assert sandbox.set_price("005930", 1_000_000) == 92_300  # 상한가
    up = await real.price("005930")
    assert (up["stck_prpr"], up["prdy_vrss_sign"], up["prdy_ctrt"]) == ("92300", "1", "30.00")
    assert sandbox.set_price("005930", 1) == 49_700  # 하한가
    assert (await real.price("005930"))["prdy_vrss_sign"] == "4"
    sandbox.set_price("005930", 70_000)
    down = await real.price("005930")
    assert (down["prdy_vrss"], down["prdy_vrss_sign"], down["prdy_ctrt"]) == ("-1000", "5", "-1.41")


async def test_the_walk_moves_prices_on_ticks_inside_the_band(sandbox: Sandbox) -> None:
    before = {code: s.price for code, s in sandbox.state.market.stocks.items()}
    sandbox.advance(300)
    stocks = sandbox.state.market.stocks
    assert any(stocks[code].price != price for code, price in before.items())
    for stock in stocks.values():
        lower, upper = stock.band
        assert lower <= stock.price <= upper
        assert krx.is_on_tick(stock.price, etf=stock.etf)


async def test_same_seed_same_walk(make_sandbox: SandboxFactory) -> None:
    first, second = make_sandbox(seed=7), make_sandbox(seed=7)
    first.advance(120)
    second.advance(120)
    assert first.price("035720") == second.price("035720")


async def test_alphanumeric_codes_and_etfs_are_quoted(real: Kis) -> None:
    assert (await real.price("0004Y0"))["stck_shrn_iscd"] == "0004Y0"
    etf = await real.price("069500")
    assert etf["aspr_unit"] == "5"


async def test_unknown_code_is_refused(real: Kis) -> None:
    response = await real.get(
        f"{QUOTATIONS}/inquire-price", "FHKST01010100", daily_params("999999")
    )
    assert response.json()["rt_cd"] != "0"


async def test_daily_price_gives_the_last_30_days_newest_first(sandbox: Sandbox, real: Kis) -> None:
    sandbox.set_price("035420", 200_000)
    response = await real.get(
        f"{QUOTATIONS}/inquire-daily-price", "FHKST01010400", daily_params("035420")
    )
    rows = response.json()["output"]
    assert len(rows) == 30
    dates = [row["stck_bsop_date"] for row in rows]
    assert dates == sorted(dates, reverse=True)
    assert rows[0]["stck_bsop_date"] == "20261123"
    assert rows[0]["stck_clpr"] == "200000"
    assert int(rows[1]["stck_clpr"]) + int(rows[0]["prdy_vrss"]) == 200_000
    weeks = await real.get(
        f"{QUOTATIONS}/inquire-daily-price", "FHKST01010400", daily_params("035420", "W")
    )
    assert len(weeks.json()["output"]) == 30


async def test_chart_gives_at_most_100_rows_in_range_newest_first(real: Kis) -> None:
    response = await real.get(
        f"{QUOTATIONS}/inquire-daily-itemchartprice",
        "FHKST03010100",
        chart_params("086520", "20250101", "20261120"),
    )
    body = response.json()
    assert body["output1"]["hts_kor_isnm"] == "에코프로"
    rows = body["output2"]
    assert len(rows) == 100
    assert rows[0]["stck_bsop_date"] == "20261120"
    dates = [row["stck_bsop_date"] for row in rows]
    assert dates == sorted(dates, reverse=True)
    # Paging by moving the window back gives the next older rows.
    older = await real.get(
        f"{QUOTATIONS}/inquire-daily-itemchartprice",
        "FHKST03010100",
        chart_params("086520", "20250101", str(int(dates[-1]) - 1)),
    )
    assert older.json()["output2"][0]["stck_bsop_date"] < dates[-1]
    monthly = await real.get(
        f"{QUOTATIONS}/inquire-daily-itemchartprice",
        "FHKST03010100",
        chart_params("086520", "20260101", "20261231", "M"),
    )
    assert [r["stck_bsop_date"][:6] for r in monthly.json()["output2"]][:2] == ["202611", "202610"]


async def test_multprice_takes_up_to_30_codes_with_names(sandbox: Sandbox, real: Kis) -> None:
    codes = list(sandbox.state.market.stocks)[:30]
    params: dict[str, str] = {}
    for n, code in enumerate(codes, start=1):
        params[f"FID_COND_MRKT_DIV_CODE_{n}"] = "J"
        params[f"FID_INPUT_ISCD_{n}"] = code
    response = await real.get(f"{QUOTATIONS}/intstock-multprice", "FHKST11300006", params)
    rows = response.json()["output"]
    assert [row["inter_shrn_iscd"] for row in rows] == codes
    by_code = {row["inter_shrn_iscd"]: row for row in rows}
    assert by_code["035720"]["inter_kor_isnm"] == "카카오"
    assert by_code["005930"]["inter2_prpr"] == str(sandbox.price("005930"))
