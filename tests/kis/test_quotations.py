"""Quotes, daily prices and multi-quotes: hosts, TR IDs, the sign rule and windowing."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import httpx
import pytest

from kisbot.clock import KST
from kisbot.kis import Direction, KisNotSupportedInMock, PriceFeed
from tests.kis import payloads
from tests.kis.payloads import MOCK, REAL, Q


@pytest.mark.parametrize(("which", "host"), [("real_credential", REAL), ("mock_credential", MOCK)])
async def test_quote_goes_to_the_environments_host_with_the_quote_tr_id(
    request, make_service, kis, which, host
):
    credential = request.getfixturevalue(which)
    route = kis.get(f"{host}{Q}/inquire-price").mock(
        return_value=payloads.ok(output=payloads.price_output())
    )
    quote = await make_service().client(credential).quote("005930")

    sent = route.calls.last.request
    assert sent.headers["tr_id"] == "FHKST01010100"
    assert sent.headers["authorization"] == f"Bearer {payloads.ACCESS_TOKEN}"
    assert sent.headers["custtype"] == "P"
    assert sent.url.params["FID_INPUT_ISCD"] == "005930"
    assert sent.url.params["FID_COND_MRKT_DIV_CODE"] == "J"
    assert quote.price == 71500
    assert quote.as_of.utcoffset() == timedelta(hours=9)


@pytest.mark.parametrize("feed", [PriceFeed.NXT, PriceFeed.COMBINED])
async def test_real_quotes_read_the_nxt_or_combined_price(make_service, kis, real_credential, feed):
    route = kis.get(f"{REAL}{Q}/inquire-price").mock(
        return_value=payloads.ok(output=payloads.price_output())
    )
    quote = await make_service().client(real_credential).quote("005930", feed=feed)
    assert route.calls.last.request.url.params["FID_COND_MRKT_DIV_CODE"] == feed.value
    assert quote.feed is feed


@pytest.mark.parametrize("feed", [PriceFeed.NXT, PriceFeed.COMBINED])
async def test_mock_has_no_nxt_or_combined_price_and_nothing_is_sent(
    make_service, kis, mock_credential, feed
):
    route = kis.get(f"{MOCK}{Q}/inquire-price").mock(
        return_value=payloads.ok(output=payloads.price_output())
    )
    with pytest.raises(KisNotSupportedInMock):
        await make_service().client(mock_credential).quote("005930", feed=feed)
    assert not route.called


async def test_quote_fields_are_typed_and_a_fall_is_negative(make_service, kis, real_credential):
    # KIS sends the magnitude unsigned on some rows; the sign code decides.
    output = payloads.price_output(prdy_vrss="1500", prdy_ctrt="2.05", prdy_vrss_sign="5")
    kis.get(f"{REAL}{Q}/inquire-price").mock(return_value=payloads.ok(output=output))
    quote = await make_service().client(real_credential).quote("005930")

    assert quote.direction is Direction.DOWN
    assert quote.change == -1500
    assert quote.change_rate == Decimal("-2.05")
    assert quote.prev_close == 73000
    assert (quote.upper_limit, quote.lower_limit, quote.tick_size) == (94900, 51100, 100)
    assert (quote.open, quote.high, quote.low, quote.volume) == (73000, 73100, 71200, 12345678)


@pytest.mark.parametrize(
    ("sign", "raw", "expected", "direction"),
    [
        ("1", "+2000", 2000, Direction.UP),
        ("2", "-300", 300, Direction.UP),
        ("3", "0", 0, Direction.FLAT),
        ("4", "-2000", -2000, Direction.DOWN),
        ("5", "300", -300, Direction.DOWN),
    ],
)
async def test_change_follows_the_sign_code(
    make_service, kis, real_credential, sign, raw, expected, direction
):
    output = payloads.price_output(prdy_vrss=raw, prdy_vrss_sign=sign)
    kis.get(f"{REAL}{Q}/inquire-price").mock(return_value=payloads.ok(output=output))
    quote = await make_service().client(real_credential).quote("005930")
    assert (quote.change, quote.direction) == (expected, direction)


async def test_alphanumeric_code_is_accepted(make_service, kis, real_credential):
    route = kis.get(f"{REAL}{Q}/inquire-price").mock(
        return_value=payloads.ok(output=payloads.price_output(stck_shrn_iscd="0004Y0"))
    )
    quote = await make_service().client(real_credential).quote("0004y0")
    assert route.calls.last.request.url.params["FID_INPUT_ISCD"] == "0004Y0"
    assert quote.code == "0004Y0"


@pytest.mark.parametrize("bad", ["5930", "0059301", "00593$", "", "삼성전자"])
async def test_bad_code_is_rejected_without_a_request(make_service, kis, real_credential, bad):
    route = kis.get(f"{REAL}{Q}/inquire-price")
    with pytest.raises(ValueError, match="six letters or digits"):
        await make_service().client(real_credential).quote(bad)
    assert route.call_count == 0


async def test_uppercase_and_padded_fields_are_read(make_service, kis, real_credential):
    output = {key.upper(): f" {value} " for key, value in payloads.price_output().items()}
    output["STCK_PRPR"] = "+00071500"
    kis.get(f"{REAL}{Q}/inquire-price").mock(
        return_value=httpx.Response(200, json={"RT_CD": "0", "MSG1": "ok", "OUTPUT": output})
    )
    quote = await make_service().client(real_credential).quote("005930")
    assert quote.price == 71500
    assert quote.change == -1500


async def test_missing_fields_do_not_break_a_quote(make_service, kis, real_credential):
    kis.get(f"{REAL}{Q}/inquire-price").mock(
        return_value=payloads.ok(output={"stck_prpr": "1995", "prdy_vrss_sign": "3", "new": "x"})
    )
    quote = await make_service().client(real_credential).quote("005930")
    assert quote.price == 1995
    assert quote.volume == 0
    assert quote.tick_size == 1  # from the KRX table when aspr_unit is missing


async def test_daily_prices_returns_the_last_n_days_oldest_first(
    make_service, kis, mock_credential
):
    rows = [payloads.daily_row(f"202611{day:02d}", 70000 + day) for day in range(20, 5, -1)]
    rows.append({"stck_bsop_date": "", "stck_clpr": ""})  # KIS pads with blank rows
    route = kis.get(f"{MOCK}{Q}/inquire-daily-price").mock(return_value=payloads.ok(output=rows))
    bars = await make_service().client(mock_credential).daily_prices("005930", days=5)

    sent = route.calls.last.request
    assert sent.headers["tr_id"] == "FHKST01010400"
    assert sent.url.params["FID_PERIOD_DIV_CODE"] == "D"
    assert sent.url.params["FID_ORG_ADJ_PRC"] == "1"
    assert [bar.day.day for bar in bars] == [16, 17, 18, 19, 20]
    assert bars[-1].close == 70020


def _chart_rows(newest: date, count: int) -> list[dict[str, str]]:
    return [
        payloads.daily_row((newest - timedelta(days=n)).strftime("%Y%m%d"), 50000 + n)
        for n in range(count)
    ]


async def test_daily_range_moves_the_window_back_past_100_rows(make_service, kis, real_credential):
    start, end = date(2026, 1, 1), date(2026, 8, 31)

    def answer(request: httpx.Request) -> httpx.Response:
        window_end = date.fromisoformat(_iso(request.url.params["FID_INPUT_DATE_2"]))
        assert request.url.params["FID_INPUT_DATE_1"] == "20260101"
        available = (window_end - start).days + 1
        rows = _chart_rows(window_end, min(100, available))
        return payloads.ok(output1={"hts_kor_isnm": "삼성전자"}, output2=rows)

    route = kis.get(f"{REAL}{Q}/inquire-daily-itemchartprice").mock(side_effect=answer)
    bars = await make_service().client(real_credential).daily_range("005930", start, end)

    ends = [call.request.url.params["FID_INPUT_DATE_2"] for call in route.calls]
    assert ends == ["20260831", "20260523", "20260212"]
    assert route.calls.last.request.headers["tr_id"] == "FHKST03010100"
    assert route.calls.last.request.url.params["FID_ORG_ADJ_PRC"] == "0"
    assert len(bars) == (end - start).days + 1
    assert bars[0].day == start and bars[-1].day == end
    assert len({bar.day for bar in bars}) == len(bars)


async def test_daily_prices_beyond_30_days_uses_the_period_chart(
    make_service, kis, real_credential
):
    today = date(2026, 11, 23)
    kis.get(f"{REAL}{Q}/inquire-daily-itemchartprice").mock(
        return_value=payloads.ok(output2=_chart_rows(today, 80))
    )
    bars = await make_service().client(real_credential).daily_prices("005930", days=60)
    assert len(bars) == 60
    assert bars[-1].day == today


async def test_multi_quote_sends_numbered_pairs_and_reads_names(make_service, kis, real_credential):
    rows = [
        {
            "inter_shrn_iscd": "005930",
            "inter_kor_isnm": "삼성전자",
            "inter2_prpr": "71500",
            "inter2_prdy_vrss": "1500",
            "prdy_vrss_sign": "5",
            "prdy_ctrt": "-2.05",
        },
        {"INTER_SHRN_ISCD": "0004Y0", "INTER_KOR_ISNM": "신규종목", "INTER2_PRPR": "10000"},
    ]
    route = kis.get(f"{REAL}{Q}/intstock-multprice").mock(return_value=payloads.ok(output=rows))
    quotes = await make_service().client(real_credential).multi_quote(["005930", "0004Y0"])

    params = route.calls.last.request.url.params
    assert route.calls.last.request.headers["tr_id"] == "FHKST11300006"
    assert params["FID_INPUT_ISCD_1"] == "005930" and params["FID_INPUT_ISCD_2"] == "0004Y0"
    assert params["FID_COND_MRKT_DIV_CODE_2"] == "J"
    assert quotes["005930"].name == "삼성전자"
    assert quotes["005930"].change == -1500
    assert quotes["0004Y0"].price == 10000


async def test_multi_quote_reads_the_feed_asked_for(make_service, kis, real_credential):
    route = kis.get(f"{REAL}{Q}/intstock-multprice").mock(return_value=payloads.ok(output=[]))
    await (
        make_service().client(real_credential).multi_quote(["005930", "000660"], feed=PriceFeed.NXT)
    )
    params = route.calls.last.request.url.params
    assert params["FID_COND_MRKT_DIV_CODE_1"] == params["FID_COND_MRKT_DIV_CODE_2"] == "NX"


async def test_multi_quote_splits_more_than_30_codes(make_service, kis, real_credential):
    route = kis.get(f"{REAL}{Q}/intstock-multprice").mock(return_value=payloads.ok(output=[]))
    codes = [f"{n:06d}" for n in range(1, 46)]
    await make_service().client(real_credential).multi_quote(codes)
    assert route.call_count == 2
    assert "FID_INPUT_ISCD_30" in route.calls[0].request.url.params
    assert "FID_INPUT_ISCD_16" not in route.calls[1].request.url.params


async def test_multi_quote_on_mock_is_not_supported_and_sends_nothing(
    make_service, kis, mock_credential
):
    with pytest.raises(KisNotSupportedInMock) as caught:
        await make_service().client(mock_credential).multi_quote(["005930"])
    assert caught.value.tr_id == "FHKST11300006"
    assert kis.calls.call_count == 0


async def test_quote_timestamp_is_kst(make_service, kis, real_credential, auto_clock):
    kis.get(f"{REAL}{Q}/inquire-price").mock(
        return_value=payloads.ok(output=payloads.price_output())
    )
    quote = await make_service().client(real_credential).quote("005930")
    assert quote.as_of == auto_clock.now().astimezone(KST)
    assert json.dumps(quote.as_of.isoformat()).endswith('+09:00"')


def _iso(yyyymmdd: str) -> str:
    return f"{yyyymmdd[:4]}-{yyyymmdd[4:6]}-{yyyymmdd[6:]}"
