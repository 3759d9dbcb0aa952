"""The overseas APIs (kis-api §13.2-§13.7) in KIS's shapes: every value a string, prices with
the listing's decimals, `diff` unsigned beside its `sign`, 200-character CTX keys."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from aiohttp import web

from kisbot.sandbox import messages
from kisbot.sandbox.gateway import KisCall, kis_response
from kisbot.sandbox.messages import Message
from kisbot.sandbox.overseas.broker import (
    BAD_ORDER_TYPE,
    BUY,
    SELL,
    OverseasAccount,
    OverseasOrder,
)
from kisbot.sandbox.overseas.listings import BY_EXCD, BY_TRADE_CODE
from kisbot.sandbox.overseas.market import OverseasStock
from kisbot.sandbox.paging import paginate

# Order TR IDs by (trade codes, side), real and mock (kis-api §13.4).
ORDER_TRS: dict[str, tuple[frozenset[str], str]] = {
    "TTTT1002U": (frozenset({"NASD", "NYSE", "AMEX"}), BUY),
    "TTTT1006U": (frozenset({"NASD", "NYSE", "AMEX"}), SELL),
    "VTTT1002U": (frozenset({"NASD", "NYSE", "AMEX"}), BUY),
    "VTTT1001U": (frozenset({"NASD", "NYSE", "AMEX"}), SELL),
    "TTTS1002U": (frozenset({"SEHK"}), BUY),
    "TTTS1001U": (frozenset({"SEHK"}), SELL),
    "VTTS1002U": (frozenset({"SEHK"}), BUY),
    "VTTS1001U": (frozenset({"SEHK"}), SELL),
    "TTTS0202U": (frozenset({"SHAA"}), BUY),
    "TTTS1005U": (frozenset({"SHAA"}), SELL),
    "VTTS0202U": (frozenset({"SHAA"}), BUY),
    "VTTS1005U": (frozenset({"SHAA"}), SELL),
    "TTTS0308U": (frozenset({"TKSE"}), BUY),
    "TTTS0307U": (frozenset({"TKSE"}), SELL),
    "VTTS0308U": (frozenset({"TKSE"}), BUY),
    "VTTS0307U": (frozenset({"TKSE"}), SELL),
    "TTTS0311U": (frozenset({"HASE", "VNSE"}), BUY),
    "TTTS0310U": (frozenset({"HASE", "VNSE"}), SELL),
    "VTTS0311U": (frozenset({"HASE", "VNSE"}), BUY),
    "VTTS0310U": (frozenset({"HASE", "VNSE"}), SELL),
}
_CTX_WIDTH = 200
_SIGNS = {1: "2", 0: "3", -1: "5"}  # 상승, 보합, 하락


# -- quotations -----------------------------------------------------------------------------


async def price(call: KisCall) -> web.Response:
    """해외주식 현재체결가: an unknown symbol answers an empty `last`, not an error."""
    stock = _stock(call)
    if stock is None:
        output = {"rsym": "", "zdiv": "0", "base": "", "pvol": "", "last": "", "sign": "",
                  "diff": "", "rate": " 0.00", "tvol": "", "tamt": "", "ordy": ""}  # fmt: skip
        return kis_response(messages.QUERY_OK, tr_id=call.tr_id, output=output)
    diff = stock.last - stock.base
    output = {
        "rsym": f"D{stock.venue.excd}{stock.listing.symbol}",
        "zdiv": str(stock.listing.decimals),
        "base": _price(stock, stock.base),
        "pvol": "1000000",
        "last": _price(stock, stock.last),
        "sign": _SIGNS[(diff > 0) - (diff < 0)],
        "diff": _price(stock, abs(diff)),
        "rate": _rate(diff, stock.base),
        "tvol": str(stock.volume),
        "tamt": f"{stock.amount:.4f}",
        "ordy": "매수가능",
    }
    return kis_response(messages.QUERY_OK, tr_id=call.tr_id, output=output)


async def price_detail(call: KisCall) -> web.Response:
    """해외주식 현재가상세 (real only): the price with KIS's KRW rate (t_rate) and the lot."""
    stock = _stock(call)
    if stock is None:
        return kis_response(messages.QUERY_OK, tr_id=call.tr_id, output={"last": ""})
    rate = stock.venue.krw_rate
    output = {
        "rsym": f"D{stock.venue.excd}{stock.listing.symbol}",
        "zdiv": str(stock.listing.decimals),
        "curr": stock.venue.currency,
        "last": _price(stock, stock.last),
        "base": _price(stock, stock.base),
        "open": _price(stock, stock.day_open or stock.base),
        "high": _price(stock, stock.high or stock.last),
        "low": _price(stock, stock.low or stock.last),
        "tvol": str(stock.volume),
        "vnit": str(stock.listing.lot),
        "e_ordyn": "매매 가능",
        "t_rate": f"{rate:.4f}",
        "p_rate": f"{rate:.4f}",
        "t_xprc": f"{stock.last * rate:.0f}",
    }
    return kis_response(messages.QUERY_OK, tr_id=call.tr_id, output=output)


async def dailyprice(call: KisCall) -> web.Response:
    """해외주식 기간별시세: up to 100 days, newest first, ending at BYMD (blank: today)."""
    stock = _stock(call)
    if call.param("GUBN", "0") != "0":
        return kis_response(messages.invalid_input("GUBN"), tr_id=call.tr_id)
    if stock is None:
        return kis_response(messages.QUERY_OK, tr_id=call.tr_id, output1={"rsym": ""}, output2=[])
    until = _day(call.param("BYMD"))
    bars = [
        bar for bar in call.state.overseas_market.bars(stock) if until is None or bar.day <= until
    ]
    rows = [
        {
            "xymd": bar.day.strftime("%Y%m%d"), "clos": _price(stock, bar.close),
            "sign": "3", "diff": _price(stock, Decimal(0)), "rate": "0.00",
            "open": _price(stock, bar.open), "high": _price(stock, bar.high),
            "low": _price(stock, bar.low), "tvol": str(bar.volume), "tamt": "0",
        }
        for bar in reversed(bars[-100:])
    ]  # fmt: skip
    _sign_rows(rows, [bar.close for bar in reversed(bars[-101:])], stock)
    output1 = {"rsym": f"D{stock.venue.excd}{stock.listing.symbol}",
               "zdiv": str(stock.listing.decimals), "nrec": str(len(rows))}  # fmt: skip
    return kis_response(messages.QUERY_OK, tr_id=call.tr_id, output1=output1, output2=rows)


# -- orders ---------------------------------------------------------------------------------


async def order(call: KisCall) -> web.Response:
    """해외주식 주문: limit orders (ORD_DVSN 00) at a decimal price."""
    account = _account(call)
    if isinstance(account, Message):
        return kis_response(account, tr_id=call.tr_id)
    venue = BY_TRADE_CODE.get(str(call.body.get("OVRS_EXCG_CD", "")).strip())
    codes, side = ORDER_TRS[call.tr_id]
    if venue is None or venue.trade_code not in codes:
        return kis_response(messages.invalid_input("OVRS_EXCG_CD"), tr_id=call.tr_id)
    if str(call.body.get("ORD_DVSN", "")).strip() != "00":
        return kis_response(BAD_ORDER_TYPE, tr_id=call.tr_id)
    qty, unit_price = _quantity(call.body), _decimal(call.body.get("OVRS_ORD_UNPR"))
    if not qty:
        return kis_response(messages.invalid_input("ORD_QTY"), tr_id=call.tr_id)
    if unit_price is None:
        return kis_response(messages.invalid_input("OVRS_ORD_UNPR"), tr_id=call.tr_id)
    symbol = str(call.body.get("PDNO", ""))
    placed = call.host.overseas.place(account, venue, symbol, side, qty, unit_price)
    return _order_answer(call, placed, _placed_ok(call, side))


async def order_rvsecncl(call: KisCall) -> web.Response:
    """해외주식 정정취소주문 (US): revise (01) or cancel (02) an open order."""
    account = _account(call)
    if isinstance(account, Message):
        return kis_response(account, tr_id=call.tr_id)
    kind = str(call.body.get("RVSE_CNCL_DVSN_CD", "")).strip()
    qty = _quantity(call.body)
    if kind not in {"01", "02"} or qty is None:
        return kis_response(messages.invalid_input("RVSE_CNCL_DVSN_CD"), tr_id=call.tr_id)
    new_price = None if kind == "02" else _decimal(call.body.get("OVRS_ORD_UNPR"))
    if kind == "01" and new_price is None:
        return kis_response(messages.invalid_input("OVRS_ORD_UNPR"), tr_id=call.tr_id)
    odno = str(call.body.get("ORGN_ODNO", "")).strip()
    revised = call.host.overseas.revise(account, odno, qty, new_price)
    if call.flavour == "real":
        ok = messages.ORDER_OK
    else:
        ok = messages.MOCK_CANCEL_OK if kind == "02" else messages.MOCK_REVISE_OK
    return _order_answer(call, revised, ok)


# -- account --------------------------------------------------------------------------------


async def inquire_ccnl(call: KisCall) -> web.Response:
    """해외주식 주문체결내역: orders by local date; mock takes blank filters only."""
    account = _account(call)
    if isinstance(account, Message):
        return kis_response(account, tr_id=call.tr_id)
    if call.flavour == "mock":
        for name in ("PDNO", "OVRS_EXCG_CD"):
            if call.param(name):
                return kis_response(messages.invalid_input(name), tr_id=call.tr_id)
    start, end = _day(call.param("ORD_STRT_DT")), _day(call.param("ORD_END_DT"))
    if start is None or end is None:
        return kis_response(messages.invalid_input("ORD_STRT_DT"), tr_id=call.tr_id)
    orders = [o for o in reversed(account.orders) if start <= o.local_date <= end]
    rows = [_ccnl_row(o) for o in orders]
    return _paged(call, rows, 20 if call.flavour == "real" else 15, "ccnl", output=None)


async def inquire_balance(call: KisCall) -> web.Response:
    """해외주식 잔고: holdings of one exchange (real NASD: every US one) in its currency."""
    account = _account(call)
    if isinstance(account, Message):
        return kis_response(account, tr_id=call.tr_id)
    venue = BY_TRADE_CODE.get(call.param("OVRS_EXCG_CD"))
    if venue is None:
        return kis_response(messages.invalid_input("OVRS_EXCG_CD"), tr_id=call.tr_id)
    held = call.host.overseas.holdings_of(account, venue)
    if call.flavour == "mock" and venue.trade_code == "NASD":
        held = [(s, p) for s, p in held if s.venue.excd == "NAS"]  # mock NASD: NASDAQ only
    rows: list[dict[str, Any]] = []
    for stock, position in held:
        cost = position.avg_price * position.qty
        value = stock.last * position.qty
        rows.append({
            "ovrs_pdno": stock.listing.symbol, "ovrs_item_name": stock.listing.korean_name,
            "ovrs_cblc_qty": str(position.qty), "ord_psbl_qty": str(position.qty),
            "pchs_avg_pric": f"{position.avg_price:.6f}", "frcr_pchs_amt1": f"{cost:.5f}",
            "ovrs_stck_evlu_amt": f"{value:.5f}", "now_pric2": f"{stock.last:.6f}",
            "frcr_evlu_pfls_amt": f"{value - cost:.5f}",
            "evlu_pfls_rt": _rate(value - cost, cost).strip(),
            "tr_crcy_cd": stock.venue.currency, "ovrs_excg_cd": stock.venue.trade_code,
            "loan_type_cd": "10",
        })  # fmt: skip
    rows.append({"ovrs_pdno": "", "ovrs_item_name": "", "pchs_avg_pric": "0.000000"})
    output2 = {"frcr_pchs_amt1": "0", "ovrs_tot_pfls": "0", "tot_pftrt": "0"}
    return _paged(call, rows, 100, "balance", output2=output2)


# -- helpers --------------------------------------------------------------------------------


def _stock(call: KisCall) -> OverseasStock | None:
    venue = BY_EXCD.get(call.param("EXCD").strip().upper())
    if venue is None:
        return None
    return call.state.overseas_market.get(venue.excd, call.param("SYMB"))


def _account(call: KisCall) -> OverseasAccount | Message:
    source = call.body if call.body else call.params
    cano = str(source.get("CANO", "")).strip()
    product = str(source.get("ACNT_PRDT_CD", "")).strip()
    if len(cano) != 8 or not cano.isdigit() or len(product) != 2 or not product.isdigit():
        return messages.BAD_ACCOUNT
    return call.host.overseas.account(cano, product)


def _order_answer(call: KisCall, result: OverseasOrder | Message, ok: Message) -> web.Response:
    if isinstance(result, Message):
        return kis_response(result, tr_id=call.tr_id)
    output = {"KRX_FWDG_ORD_ORGNO": result.orgno, "ODNO": result.odno, "ORD_TMD": result.kst_time}
    return kis_response(ok, tr_id=call.tr_id, output=output)


def _placed_ok(call: KisCall, side: str) -> Message:
    if call.flavour == "real":
        return messages.ORDER_OK
    return messages.MOCK_BUY_OK if side == BUY else messages.MOCK_SELL_OK


def _paged(
    call: KisCall, rows: list[dict[str, Any]], size: int, name: str, **outputs: Any
) -> web.Response:
    page = paginate(
        rows, size=size, scope=f"{name}:{call.param('CANO')}", tr_cont=call.tr_cont,
        fk100=call.param("CTX_AREA_FK200"), nk100=call.param("CTX_AREA_NK200"),
    )  # fmt: skip
    body_rows = {"output1" if name == "balance" else "output": page.rows}
    extra = {key: value for key, value in outputs.items() if value is not None}
    return kis_response(
        messages.query_ok(call.flavour),
        tr_id=call.tr_id,
        tr_cont=page.tr_cont,
        ctx_area_fk200=page.ctx_area_fk100.strip().ljust(_CTX_WIDTH),
        ctx_area_nk200=page.ctx_area_nk100.strip().ljust(_CTX_WIDTH),
        **body_rows,
        **extra,
    )


def _ccnl_row(order: OverseasOrder) -> dict[str, str]:
    stock = order.stock
    avg = order.fill_amount / order.filled if order.filled else Decimal(0)
    status = "완료" if order.open_qty == 0 else "전송"
    return {
        "ord_dt": order.local_date.strftime("%Y%m%d"), "ord_gno_brno": order.orgno,
        "odno": order.odno, "orgn_odno": order.original_odno, "pdno": stock.listing.symbol,
        "prdt_name": stock.listing.korean_name, "sll_buy_dvsn_cd": order.side,
        "sll_buy_dvsn_cd_name": "매수" if order.side == BUY else "매도",
        "rvse_cncl_dvsn": "00", "ft_ord_qty": str(order.qty), "ft_ccld_qty": str(order.filled),
        "ft_ord_unpr3": f"{order.price:.8f}", "ft_ccld_unpr3": f"{avg:.8f}",
        "ft_ccld_amt3": f"{order.fill_amount:.5f}", "nccs_qty": str(order.open_qty),
        "prcs_stat_name": status, "rjct_rson": "", "ord_tmd": order.kst_time,
        "tr_mket_name": stock.venue.name, "tr_natn": stock.venue.country,
        "tr_crcy_cd": stock.venue.currency, "ovrs_excg_cd": stock.venue.trade_code,
        "dmst_ord_dt": order.kst_date.strftime("%Y%m%d"), "thco_ord_tmd": order.kst_time,
        "mdia_dvsn_name": "OpenAPI",
    }  # fmt: skip


def _sign_rows(rows: list[dict[str, str]], closes: list[Decimal], stock: OverseasStock) -> None:
    """Each row's change against the close before it (closes: newest first, one extra)."""
    for row, close, before in zip(rows, closes, closes[1:], strict=False):
        diff = close - before
        row.update(sign=_SIGNS[(diff > 0) - (diff < 0)], diff=_price(stock, abs(diff)),
                   rate=_rate(diff, before).strip())  # fmt: skip


def _price(stock: OverseasStock, value: Decimal) -> str:
    return f"{stock.quantize(value):.{stock.listing.decimals}f}"


def _rate(diff: Decimal, base: Decimal) -> str:
    if not base:
        return " 0.00"
    rate = diff * 100 / base
    return f"{'+' if rate > 0 else '-' if rate < 0 else ' '}{abs(rate):.2f}"


def _decimal(value: object) -> Decimal | None:
    if not isinstance(value, str):
        return None
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() and number >= 0 else None


def _quantity(body: Any) -> int | None:
    raw = body.get("ORD_QTY")
    return int(raw) if isinstance(raw, str) and raw.strip().isdigit() else None


def _day(text: str) -> date | None:
    try:
        return datetime.strptime(text.strip(), "%Y%m%d").date() if text.strip() else None
    except ValueError:
        return None
