"""Overseas stocks at the KIS layer: the two exchange code systems, TR IDs (the US mock sell is
VTTT1001U), Decimal from the string to the result, BYMD paging, 200-character CTX keys."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import httpx
import pytest

from kisbot.kis import Direction, OrderState, Side
from kisbot.kis.overseas import EXCHANGES, exchange, normalize_symbol
from kisbot.kis.overseas.queries import price_text
from tests.kis import payloads
from tests.kis.payloads import MOCK, REAL

P = "/uapi/overseas-price/v1/quotations"
T = "/uapi/overseas-stock/v1/trading"
NASDAQ = exchange("NAS")


def _body(route) -> dict[str, str]:
    return json.loads(route.calls.last.request.content)


def _accepted() -> httpx.Response:
    output = {"KRX_FWDG_ORD_ORGNO": "01790", "ODNO": "0000004336", "ORD_TMD": "234512"}
    return httpx.Response(
        200, json={"rt_cd": "0", "msg_cd": "APBK0013", "msg1": "주문 전송 완료", "output": output}
    )


def test_every_exchange_is_found_by_either_code_or_its_names() -> None:
    assert NASDAQ is not None and NASDAQ.trade_code == "NASD"
    for market in EXCHANGES:
        for word in (market.quote_code, market.trade_code, market.name, market.english.upper()):
            assert exchange(word) is market
    assert exchange("KRX") is None
    assert exchange("상해").trade_code == "SHAA" and exchange("SZS").trade_code == "SZAA"


@pytest.mark.parametrize(("which", "host"), [("real_credential", REAL), ("mock_credential", MOCK)])
async def test_a_quote_asks_with_the_quote_code_and_reads_decimals(
    request, make_service, kis, which, host
):
    credential = request.getfixturevalue(which)
    output = {
        "rsym": "DNASAAPL",
        "zdiv": "4",
        "base": "193.1600",
        "last": "190.5000",
        "sign": "5",
        "diff": "2.6600",  # unsigned: the sign says it fell
        "rate": "-1.38",
        "tvol": "52345678",
        "tamt": "9971234567.8900",
        "ordy": "매수가능",
    }
    route = kis.get(f"{host}{P}/price").mock(return_value=payloads.ok(output=output))
    quote = await make_service().client(credential).overseas.quote(NASDAQ, "aapl")

    sent = route.calls.last.request
    assert sent.headers["tr_id"] == "HHDFS00000300"
    assert dict(sent.url.params) == {"AUTH": "", "EXCD": "NAS", "SYMB": "AAPL"}
    assert quote is not None
    assert quote.price == Decimal("190.5000") and isinstance(quote.price, Decimal)
    assert (quote.change, quote.change_rate) == (Decimal("-2.66"), Decimal("-1.38"))
    assert quote.direction is Direction.DOWN and quote.prev_close == Decimal("193.16")
    assert (quote.volume, quote.decimals, quote.exchange) == (52345678, 4, NASDAQ)
    assert quote.as_of.tzinfo is not None


async def test_an_unknown_symbol_is_an_empty_last_not_an_error(make_service, kis, real_credential):
    kis.get(f"{REAL}{P}/price").mock(
        return_value=payloads.ok(output={"rsym": "", "zdiv": "0", "last": "", "rate": " 0.00"})
    )
    assert await make_service().client(real_credential).overseas.quote(NASDAQ, "NOPE") is None


async def test_daily_bars_step_back_by_date_and_come_oldest_first(
    make_service, kis, real_credential
):
    def rows(newest: date, count: int) -> list[dict[str, str]]:
        days = [date.fromordinal(newest.toordinal() - n) for n in range(count)]
        return [
            {"xymd": d.strftime("%Y%m%d"), "clos": f"{100 + n}.25", "sign": "2", "diff": "0.50",
             "rate": "+0.50", "open": "100.00", "high": "101.00", "low": "99.00", "tvol": "1000"}
            for n, d in enumerate(days)
        ]  # fmt: skip

    first, second = rows(date(2026, 12, 4), 100), rows(date(2026, 8, 26), 100)
    route = kis.get(f"{REAL}{P}/dailyprice").mock(
        side_effect=[payloads.ok(output2=first), payloads.ok(output2=second)]
    )
    bars = await make_service().client(real_credential).overseas.daily(NASDAQ, "AAPL", 150)

    asked = [call.request.url.params for call in route.calls]
    assert [p["BYMD"] for p in asked] == ["", "20260826"]  # the day before the oldest row
    assert all(p["EXCD"] == "NAS" and p["MODP"] == "1" and p["GUBN"] == "0" for p in asked)
    assert len(bars) == 150 and bars[-1].day == date(2026, 12, 4)
    assert bars == sorted(bars, key=lambda bar: bar.day)
    assert bars[-1].close == Decimal("100.25") and bars[-1].direction is Direction.UP


@pytest.mark.parametrize(
    ("which", "host", "side", "tr_id", "sll_type"),
    [
        ("real_credential", REAL, Side.BUY, "TTTT1002U", ""),
        ("real_credential", REAL, Side.SELL, "TTTT1006U", "00"),
        ("mock_credential", MOCK, Side.BUY, "VTTT1002U", ""),
        ("mock_credential", MOCK, Side.SELL, "VTTT1001U", "00"),  # not V + TTTT1006U[1:]
    ],
)
async def test_a_us_limit_order_has_the_trade_code_and_a_decimal_price(
    request, make_service, kis, which, host, side, tr_id, sll_type
):
    credential = request.getfixturevalue(which)
    route = kis.post(f"{host}{T}/order").mock(return_value=_accepted())
    receipt = (
        await make_service()
        .client(credential)
        .overseas.place_order(NASDAQ, side, "AAPL", 1, Decimal("190.5"))
    )
    assert route.calls.last.request.headers["tr_id"] == tr_id
    assert _body(route) == {
        "CANO": "50012345",
        "ACNT_PRDT_CD": "01",
        "OVRS_EXCG_CD": "NASD",
        "PDNO": "AAPL",
        "ORD_QTY": "1",
        "OVRS_ORD_UNPR": "190.50",
        "SLL_TYPE": sll_type,
        "ORD_SVR_DVSN_CD": "0",
        "ORD_DVSN": "00",
        "CTAC_TLNO": "",
        "MGCO_APTM_ODNO": "",
    }
    assert (receipt.order_no, receipt.org_no, receipt.msg_cd) == ("0000004336", "01790", "APBK0013")


async def test_every_exchange_orders_with_its_own_tr_ids(make_service, kis, mock_credential):
    route = kis.post(f"{MOCK}{T}/order").mock(return_value=_accepted())
    overseas = make_service().client(mock_credential).overseas
    await overseas.place_order(exchange("HKS"), Side.SELL, "00700", 100, Decimal("380.2"))
    await overseas.place_order(exchange("TSE"), Side.BUY, "7203", 100, Decimal("3220"))
    await overseas.place_order(exchange("HSX"), Side.SELL, "HPG", 100, Decimal("27500"))
    sent = [(c.request.headers["tr_id"], json.loads(c.request.content)) for c in route.calls]
    assert [(tr, body["OVRS_EXCG_CD"], body["OVRS_ORD_UNPR"]) for tr, body in sent] == [
        ("VTTS1001U", "SEHK", "380.20"),
        ("VTTS0308U", "TKSE", "3220.00"),
        ("VTTS0310U", "VNSE", "27500.00"),
    ]


@pytest.mark.parametrize(
    ("quantity", "price"),
    [(0, Decimal("1")), (1, Decimal("0")), (1, Decimal("-1")), (1, Decimal("NaN"))],
)
async def test_a_bad_order_sends_nothing(make_service, kis, real_credential, quantity, price):
    route = kis.post(f"{REAL}{T}/order").mock(return_value=_accepted())
    with pytest.raises(ValueError):
        await (
            make_service()
            .client(real_credential)
            .overseas.place_order(NASDAQ, Side.BUY, "AAPL", quantity, price)
        )
    assert not route.called


async def test_cancel_and_modify_of_a_us_order(make_service, kis, mock_credential):
    route = kis.post(f"{MOCK}{T}/order-rvsecncl").mock(return_value=_accepted())
    overseas = make_service().client(mock_credential).overseas
    await overseas.cancel_order(NASDAQ, "AAPL", "0000004336", 1)
    cancel = _body(route)
    await overseas.modify_order(NASDAQ, "AAPL", "0000004336", 1, Decimal("189.99"))
    modify = _body(route)
    assert route.calls.last.request.headers["tr_id"] == "VTTT1004U"
    assert (cancel["RVSE_CNCL_DVSN_CD"], cancel["OVRS_ORD_UNPR"], cancel["ORGN_ODNO"]) == (
        "02",
        "0",
        "0000004336",
    )
    assert (modify["RVSE_CNCL_DVSN_CD"], modify["OVRS_ORD_UNPR"]) == ("01", "189.99")
    with pytest.raises(ValueError):  # the Asian revise/cancel TR IDs are not settled
        await overseas.cancel_order(exchange("HKS"), "00700", "0000004337", 100)
    assert len(route.calls) == 2


async def test_holdings_page_with_200_character_keys_and_skip_the_blank_row(
    make_service, kis, real_credential
):
    key = "20261204^50012345^01".ljust(200)
    holding = {
        "ovrs_pdno": "AAPL", "ovrs_item_name": "애플", "ovrs_cblc_qty": "3", "ord_psbl_qty": "3",
        "pchs_avg_pric": "180.123400", "frcr_pchs_amt1": "540.37", "now_pric2": "190.500000",
        "ovrs_stck_evlu_amt": "571.50", "frcr_evlu_pfls_amt": "31.13", "evlu_pfls_rt": "5.76",
        "tr_crcy_cd": "USD", "ovrs_excg_cd": "NASD",
    }  # fmt: skip
    blank = dict.fromkeys(holding, "") | {"pchs_avg_pric": "0.000000"}
    route = kis.get(f"{REAL}{T}/inquire-balance").mock(
        side_effect=[
            payloads.ok(tr_cont="M", output1=[holding], ctx_area_fk200=key, ctx_area_nk200=key),
            payloads.ok(tr_cont="D", output1=[blank]),
        ]
    )
    held = await make_service().client(real_credential).overseas.holdings(NASDAQ)

    first, second = (call.request for call in route.calls)
    assert first.headers["tr_id"] == "TTTS3012R"
    assert (first.url.params["OVRS_EXCG_CD"], first.url.params["TR_CRCY_CD"]) == ("NASD", "USD")
    assert second.headers["tr_cont"] == "N"
    assert second.url.params["CTX_AREA_FK200"] == key  # echoed untrimmed
    assert [(h.symbol, h.quantity, h.avg_price, h.pnl) for h in held] == [
        ("AAPL", 3, Decimal("180.1234"), Decimal("31.13"))
    ]
    assert held[0].exchange is NASDAQ


@pytest.mark.parametrize(("which", "host", "every"), [("real_credential", REAL, "%"),
                                                      ("mock_credential", MOCK, "")])  # fmt: skip
async def test_recent_orders_ask_two_local_days_with_the_filters_each_host_takes(
    request, make_service, kis, which, host, every
):
    credential = request.getfixturevalue(which)
    row = {
        "ord_dt": "20261122", "odno": "0000004336", "orgn_odno": "", "pdno": "AAPL",
        "prdt_name": "애플", "sll_buy_dvsn_cd": "02", "ft_ord_qty": "2", "ft_ccld_qty": "1",
        "ft_ord_unpr3": "190.50000000", "ft_ccld_unpr3": "190.49000000", "nccs_qty": "1",
        "prcs_stat_name": "완료", "rjct_rson": "", "ovrs_excg_cd": "NASD",
        "dmst_ord_dt": "20261123", "thco_ord_tmd": "004512",
    }  # fmt: skip
    route = kis.get(f"{host}{T}/inquire-ccnl").mock(return_value=payloads.ok(output=[row]))
    (record,) = await make_service().client(credential).overseas.recent_orders()

    params = route.calls.last.request.url.params
    assert route.calls.last.request.headers["tr_id"] == (
        "VTTS3035R" if every == "" else "TTTS3035R"
    )
    assert (params["PDNO"], params["OVRS_EXCG_CD"]) == (every, every)
    assert (params["ORD_STRT_DT"], params["ORD_END_DT"]) == ("20261121", "20261123")
    assert record.state is OrderState.PARTIAL and record.side is Side.BUY
    assert record.avg_fill_price == Decimal("190.49") and record.exchange is NASDAQ
    assert record.local_date == date(2026, 11, 22)  # the order's New York date
    assert record.ordered_at is not None and record.ordered_at.day == 23  # its KST time


@pytest.mark.parametrize(
    ("price", "text"),
    [("190.5", "190.50"), ("190", "190.00"), ("0.1234", "0.1234"), ("3220.0", "3220.00"),
     ("1E+2", "100.00")],
)  # fmt: skip
def test_prices_are_sent_as_plain_decimals(price: str, text: str) -> None:
    assert price_text(Decimal(price)) == text


@pytest.mark.parametrize("bad", ["", "  ", "AA PL", "A" * 17, "삼성"])
def test_a_ticker_is_letters_and_digits(bad: str) -> None:
    with pytest.raises(ValueError):
        normalize_symbol(bad)
    assert normalize_symbol(" brk.b ") == "BRK.B"
