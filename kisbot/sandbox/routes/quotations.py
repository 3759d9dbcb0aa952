"""Quotation APIs: inquire-price, inquire-daily-price, inquire-daily-itemchartprice,
intstock-multprice (real only) and search-stock-info (real only)."""

from __future__ import annotations

import zlib
from decimal import ROUND_HALF_UP, Decimal

from aiohttp import web

from kisbot.sandbox import krx, messages
from kisbot.sandbox.formats import change_sign, parse_ymd, rate, ymd
from kisbot.sandbox.gateway import KisCall, kis_response
from kisbot.sandbox.history import PERIODS, bars_for_period
from kisbot.sandbox.market import DailyBar, Stock
from kisbot.sandbox.masterfiles import standard_code

DAILY_PRICE_ROWS = 30
CHART_MAX_ROWS = 100
MULTPRICE_MAX = 30


FEEDS = frozenset({"J", "NX", "UN"})  # FID_COND_MRKT_DIV_CODE: KRX, NXT, combined


async def inquire_price(call: KisCall) -> web.Response:
    """주식현재가 시세: one object of today's figures for FID_INPUT_ISCD, on KRX (J), NXT (NX)
    or both combined (UN); mock has KRX only."""
    feed = _feed(call, "FID_COND_MRKT_DIV_CODE")
    if isinstance(feed, messages.Message):
        return kis_response(feed, tr_id=call.tr_id)
    stock = call.state.market.get(call.param("FID_INPUT_ISCD"))
    if stock is None:
        return kis_response(messages.UNKNOWN_QUOTE, tr_id=call.tr_id)
    output = _on_feed(_price_output(call, stock), stock, feed, "stck_prpr")
    return kis_response(messages.QUERY_OK, tr_id=call.tr_id, output=output)


async def inquire_daily_price(call: KisCall) -> web.Response:
    """주식현재가 일자별: the last 30 days, weeks or months, newest first."""
    stock = call.state.market.get(call.param("FID_INPUT_ISCD"))
    if stock is None:
        return kis_response(messages.UNKNOWN_QUOTE, tr_id=call.tr_id)
    period = call.param("FID_PERIOD_DIV_CODE", "D").upper() or "D"
    if period not in {"D", "W", "M"}:
        return kis_response(messages.invalid_input("FID_PERIOD_DIV_CODE"), tr_id=call.tr_id)
    bars = bars_for_period(stock.bars(call.state.market.today()), period)
    rows = [_daily_row(bar, prev) for bar, prev in _with_previous(bars)][-DAILY_PRICE_ROWS:]
    return kis_response(messages.QUERY_OK, tr_id=call.tr_id, output=rows[::-1])


async def inquire_daily_itemchartprice(call: KisCall) -> web.Response:
    """기간별시세: bars between two dates (at most 100, newest first) and a snapshot."""
    stock = call.state.market.get(call.param("FID_INPUT_ISCD"))
    if stock is None:
        return kis_response(messages.UNKNOWN_QUOTE, tr_id=call.tr_id)
    start = parse_ymd(call.param("FID_INPUT_DATE_1"))
    end = parse_ymd(call.param("FID_INPUT_DATE_2"))
    period = call.param("FID_PERIOD_DIV_CODE", "D").upper()
    for name, ok in (
        ("FID_INPUT_DATE_1", start),
        ("FID_INPUT_DATE_2", end),
        ("FID_PERIOD_DIV_CODE", period in PERIODS),
    ):
        if not ok:
            return kis_response(messages.invalid_input(name), tr_id=call.tr_id)
    assert start is not None and end is not None
    bars = bars_for_period(stock.bars(call.state.market.today()), period)
    rows = [_chart_row(bar, prev) for bar, prev in _with_previous(bars) if start <= bar.day <= end]
    return kis_response(
        messages.QUERY_OK,
        tr_id=call.tr_id,
        output1=_chart_snapshot(call, stock),
        output2=rows[::-1][:CHART_MAX_ROWS],
    )


async def intstock_multprice(call: KisCall) -> web.Response:
    """관심종목(멀티종목) 시세: one row per FID_INPUT_ISCD_n (n = 1…30) that names a stock."""
    market = call.state.market
    rows = []
    for n in range(1, MULTPRICE_MAX + 1):
        code = call.param(f"FID_INPUT_ISCD_{n}").strip()
        stock = market.get(code) if code else None
        if stock is None:
            continue
        feed = _feed(call, f"FID_COND_MRKT_DIV_CODE_{n}")
        if isinstance(feed, messages.Message):
            return kis_response(feed, tr_id=call.tr_id)
        rows.append(_on_feed(_multprice_row(stock), stock, feed, "inter2_prpr", "inter2_"))
    return kis_response(messages.QUERY_OK, tr_id=call.tr_id, output=rows)


def _feed(call: KisCall, name: str) -> str | messages.Message:
    """The market code asked for; the mock host knows only J (UNCONFIRMED how KIS words its
    refusal of NX/UN there: an input error, as for other values it does not take)."""
    feed = (call.param(name, "J").strip() or "J").upper()
    if feed not in FEEDS or (feed != "J" and call.flavour == "mock"):
        return messages.invalid_input(name)
    return feed


def _on_feed(
    output: dict[str, str], stock: Stock, feed: str, price_key: str, change_prefix: str = ""
) -> dict[str, str]:
    """A row of KRX's figures with the price (and change against 기준가) of `feed`."""
    price = stock.price_on(feed)
    if price == stock.price:
        return output
    diff = price - stock.base
    return {
        **output,
        price_key: str(price),
        f"{change_prefix}prdy_vrss": str(diff),
        "prdy_vrss_sign": change_sign(price, stock.base, stock.band),
        "prdy_ctrt": rate(diff, stock.base),
    }


async def search_stock_info(call: KisCall) -> web.Response:
    """주식기본조회: names and market of PDNO."""
    stock = call.state.market.get(call.param("PDNO"))
    if stock is None:
        return kis_response(messages.UNKNOWN_QUOTE, tr_id=call.tr_id)
    listing = stock.listing
    output = {
        "pdno": listing.code,
        "prdt_type_cd": call.param("PRDT_TYPE_CD", "300"),
        "mket_id_cd": "STK" if listing.market == "KOSPI" else "KSQ",
        "scty_grp_id_cd": listing.group,
        "prdt_name": listing.name,
        "prdt_abrv_name": listing.name,
        "prdt_eng_name": "",
        "std_pdno": standard_code(listing.code),
        "lstg_stqt": str(_shares(stock)),
        "tr_stop_yn": "N",
        "admn_item_yn": "N",
        "thdt_clpr": str(stock.price),
        "bfdy_clpr": str(stock.base),
        "kospi200_item_yn": "Y" if listing.market == "KOSPI" and not listing.is_etf else "N",
        "cptt_trad_tr_psbl_yn": "Y",
        "nxt_tr_stop_yn": "N",
    }
    return kis_response(messages.QUERY_OK, tr_id=call.tr_id, output=output)


def change_fields(stock: Stock) -> dict[str, str]:
    """prdy_vrss, prdy_vrss_sign, prdy_ctrt of a stock today."""
    diff = stock.price - stock.base
    return {
        "prdy_vrss": str(diff),
        "prdy_vrss_sign": change_sign(stock.price, stock.base, stock.band),
        "prdy_ctrt": rate(diff, stock.base),
    }


def _price_output(call: KisCall, stock: Stock) -> dict[str, str]:
    listing = stock.listing
    lower, upper = stock.band
    year = stock.bars(call.state.market.today())[-250:]
    high = max(year, key=lambda bar: bar.high)
    low = min(year, key=lambda bar: bar.low)
    shares = _shares(stock)
    eps = _eps(stock)
    return {
        "iscd_stat_cls_code": "55",
        "marg_rate": "20.00",
        "rprs_mrkt_kor_name": _market_name(stock),
        "bstp_kor_isnm": listing.sector,
        "temp_stop_yn": "N",
        "crdt_able_yn": "Y",
        "stck_prpr": str(stock.price),
        **change_fields(stock),
        "acml_tr_pbmn": str(stock.turnover),
        "acml_vol": str(stock.volume),
        "stck_oprc": str(stock.open),
        "stck_hgpr": str(stock.high),
        "stck_lwpr": str(stock.low),
        "stck_mxpr": str(upper),
        "stck_llam": str(lower),
        "stck_sdpr": str(stock.base),
        "wghn_avrg_stck_prc": str(stock.turnover // stock.volume if stock.volume else stock.price),
        "aspr_unit": str(krx.tick_size(stock.price, etf=stock.etf)),
        "hts_deal_qty_unit_val": "1",
        "lstn_stcn": str(shares),
        "hts_avls": str(stock.price * shares // 100_000_000),
        "per": _ratio(stock.price, eps),
        "pbr": _ratio(stock.price, eps * 8),
        "eps": f"{eps}.00",
        "bps": f"{eps * 8}.00",
        "w52_hgpr": str(high.high),
        "w52_hgpr_date": high.day.strftime("%Y%m%d"),
        "w52_lwpr": str(low.low),
        "w52_lwpr_date": low.day.strftime("%Y%m%d"),
        "prdy_vrss_vol_rate": _volume_rate(stock.volume, year[-2].volume if len(year) > 1 else 0),
        "stck_shrn_iscd": listing.code,
        "vi_cls_code": "N",
        "ovtm_vi_cls_code": "N",
        "invt_caful_yn": "N",
        "mrkt_warn_cls_code": "00",
        "short_over_yn": "N",
        "sltr_yn": "N",
        "mang_issu_cls_code": "N",
    }


def _volume_rate(today: int, yesterday: int) -> str:
    """Today's volume as a percent of yesterday's (전일 대비 거래량 비율), two decimals."""
    return f"{today * 100 / yesterday:.2f}" if yesterday else "0.00"


def _chart_snapshot(call: KisCall, stock: Stock) -> dict[str, str]:
    lower, upper = stock.band
    previous = stock.history[-1] if stock.history else stock.today_bar(call.state.market.today())
    return {
        **change_fields(stock),
        "stck_prdy_clpr": str(stock.base),
        "acml_vol": str(stock.volume),
        "acml_tr_pbmn": str(stock.turnover),
        "hts_kor_isnm": stock.listing.name,
        "stck_prpr": str(stock.price),
        "stck_shrn_iscd": stock.listing.code,
        "prdy_vol": str(previous.volume),
        "stck_mxpr": str(upper),
        "stck_llam": str(lower),
        "stck_oprc": str(stock.open),
        "stck_hgpr": str(stock.high),
        "stck_lwpr": str(stock.low),
        "stck_prdy_oprc": str(previous.open),
        "stck_prdy_hgpr": str(previous.high),
        "stck_prdy_lwpr": str(previous.low),
        "per": _ratio(stock.price, _eps(stock)),
        "eps": f"{_eps(stock)}.00",
        "pbr": _ratio(stock.price, _eps(stock) * 8),
        "hts_avls": str(stock.price * _shares(stock) // 100_000_000),
        "lstn_stcn": str(_shares(stock)),
    }


def _daily_row(bar: DailyBar, prev: DailyBar | None) -> dict[str, str]:
    base = prev.close if prev else bar.open
    return {
        "stck_bsop_date": ymd(bar.day),
        "stck_oprc": str(bar.open),
        "stck_hgpr": str(bar.high),
        "stck_lwpr": str(bar.low),
        "stck_clpr": str(bar.close),
        "acml_vol": str(bar.volume),
        "prdy_vrss_vol_rate": rate(bar.volume - prev.volume, prev.volume) if prev else "0.00",
        "prdy_vrss": str(bar.close - base),
        "prdy_vrss_sign": change_sign(bar.close, base, krx.price_band(base)),
        "prdy_ctrt": rate(bar.close - base, base),
        "hts_frgn_ehrt": "0.00",
        "frgn_ntby_qty": "0",
        "flng_cls_code": "00",
        "acml_prtt_rate": "0.00",
    }


def _chart_row(bar: DailyBar, prev: DailyBar | None) -> dict[str, str]:
    base = prev.close if prev else bar.open
    return {
        "stck_bsop_date": ymd(bar.day),
        "stck_clpr": str(bar.close),
        "stck_oprc": str(bar.open),
        "stck_hgpr": str(bar.high),
        "stck_lwpr": str(bar.low),
        "acml_vol": str(bar.volume),
        "acml_tr_pbmn": str(bar.turnover),
        "flng_cls_code": "00",
        "prtt_rate": "0.00",
        "mod_yn": "N",
        "prdy_vrss_sign": change_sign(bar.close, base, krx.price_band(base)),
        "prdy_vrss": str(bar.close - base),
        "revl_issu_reas": "",
    }


def _multprice_row(stock: Stock) -> dict[str, str]:
    lower, upper = stock.band
    tick = krx.tick_size(stock.price, etf=stock.etf)
    changes = change_fields(stock)
    return {
        "kospi_kosdaq_cls_name": stock.listing.market,
        "mrkt_trtm_cls_name": "",
        "hour_cls_code": "0",
        "inter_shrn_iscd": stock.listing.code,
        "inter_kor_isnm": stock.listing.name,
        "inter2_prpr": str(stock.price),
        "inter2_prdy_vrss": changes["prdy_vrss"],
        "prdy_vrss_sign": changes["prdy_vrss_sign"],
        "prdy_ctrt": changes["prdy_ctrt"],
        "acml_vol": str(stock.volume),
        "acml_tr_pbmn": str(stock.turnover),
        "inter2_oprc": str(stock.open),
        "inter2_hgpr": str(stock.high),
        "inter2_lwpr": str(stock.low),
        "inter2_llam": str(lower),
        "inter2_mxpr": str(upper),
        "inter2_askp": str(min(stock.price + tick, upper)),
        "inter2_bidp": str(max(stock.price - tick, lower)),
        "inter2_prdy_clpr": str(stock.base),
        "inter2_sdpr": str(stock.base),
    }


def _with_previous(bars: list[DailyBar]) -> list[tuple[DailyBar, DailyBar | None]]:
    return [(bar, bars[i - 1] if i else None) for i, bar in enumerate(bars)]


def _shares(stock: Stock) -> int:
    # A stable, plausible share count per code: market cap of a few trillion won.
    return 50_000_000 + zlib.crc32(stock.listing.code.encode()) % 500_000_000


def _eps(stock: Stock) -> int:
    return max(stock.listing.base_price // (8 + zlib.crc32(stock.listing.name.encode()) % 20), 1)


def _ratio(price: int, per_share: int) -> str:
    if not per_share:
        return "0.00"
    return str((Decimal(price) / per_share).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _market_name(stock: Stock) -> str:
    """rprs_mrkt_kor_name: the index family the stock is shown under."""
    if stock.listing.is_etf:
        return "ETF"
    return "KOSPI200" if stock.listing.market == "KOSPI" else "KOSDAQ"
