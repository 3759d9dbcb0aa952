"""Order inquiries: inquire-psbl-rvsecncl (open orders, real only) and inquire-daily-ccld
(orders and executions by day), paged like KIS (kis-api §4.4)."""

from __future__ import annotations

from aiohttp import web

from kisbot.sandbox import messages
from kisbot.sandbox.accounts import BUY, SELL, Order
from kisbot.sandbox.formats import parse_ymd, ymd
from kisbot.sandbox.gateway import KisCall, kis_response
from kisbot.sandbox.messages import Message
from kisbot.sandbox.routes.common import account_of, page_of, paged_response

DAILY_CCLD_PAGE = {"real": 100, "mock": 15}
PSBL_RVSECNCL_PAGE = 50
ORDER_TYPE_NAMES = {
    "00": "지정가",
    "01": "시장가",
    "02": "조건부지정가",
    "03": "최유리지정가",
    "04": "최우선지정가",
}


async def inquire_psbl_rvsecncl(call: KisCall) -> web.Response:
    """정정취소가능주문조회 (real only): open orders with what can still be revised/cancelled."""
    account = account_of(call, call.params)
    if isinstance(account, Message):
        return kis_response(account, tr_id=call.tr_id)
    side_filter = {"1": SELL, "2": BUY}.get(call.param("INQR_DVSN_2", "0"))
    orders = [o for o in account.open_orders() if side_filter in (None, o.side)]
    if call.param("INQR_DVSN_1", "0") == "1":
        orders.sort(key=lambda order: order.code)
    scope = f"{account.cano}{account.product}{call.param('INQR_DVSN_1')}{call.param('INQR_DVSN_2')}"
    page = page_of(call, [_open_order_row(order) for order in orders], PSBL_RVSECNCL_PAGE, scope)
    return paged_response(call, page, output=page.rows)


async def inquire_daily_ccld(call: KisCall) -> web.Response:
    """일별주문체결조회: orders, revisions and cancels between two dates, with totals."""
    account = account_of(call, call.params)
    if isinstance(account, Message):
        return kis_response(account, tr_id=call.tr_id)
    start, end = parse_ymd(call.param("INQR_STRT_DT")), parse_ymd(call.param("INQR_END_DT"))
    if start is None or end is None:
        field = "INQR_STRT_DT" if start is None else "INQR_END_DT"
        return kis_response(messages.invalid_input(field), tr_id=call.tr_id)
    orders = [o for o in account.orders if start <= o.day <= end and _ccld_wanted(call, o)]
    if call.param("INQR_DVSN", "00") != "01":
        orders.reverse()  # 00 역순: newest first
    filters = "".join(
        call.param(n) for n in ("SLL_BUY_DVSN_CD", "CCLD_DVSN", "INQR_DVSN", "PDNO", "ODNO")
    )
    scope = f"{account.cano}{account.product}{ymd(start)}{ymd(end)}{filters}"[:100]
    rows = [_ccld_row(order) for order in orders]
    page = page_of(call, rows, DAILY_CCLD_PAGE[call.flavour], scope)
    return paged_response(call, page, output1=page.rows, output2=_ccld_totals(orders))


def _open_order_row(order: Order) -> dict[str, str]:
    return {
        "ord_gno_brno": order.orgno,
        "odno": order.odno,
        "orgn_odno": order.original_odno,
        "ord_dvsn_name": ORDER_TYPE_NAMES.get(order.dvsn, ""),
        "pdno": order.code,
        "prdt_name": order.name,
        "rvse_cncl_dvsn_name": "정정" if order.kind == "revise" else "",
        "ord_qty": str(order.qty),
        "ord_unpr": str(order.price),
        "ord_tmd": order.time,
        "tot_ccld_qty": str(order.filled_qty),
        "tot_ccld_amt": str(order.filled_amount),
        "psbl_qty": str(order.open_qty),
        "sll_buy_dvsn_cd": order.side,
        "ord_dvsn_cd": order.dvsn,
        "mgco_aptm_odno": "",
        "excg_dvsn_cd": "01",
        "excg_id_dvsn_cd": order.venue,
        "excg_id_dvsn_name": order.venue,
        "stpm_cndt_pric": "0",
        "stpm_efct_occr_yn": "N",
    }


def _ccld_wanted(call: KisCall, order: Order) -> bool:
    side = call.param("SLL_BUY_DVSN_CD", "00")
    code, odno = call.param("PDNO").strip(), call.param("ODNO").strip().lstrip("0")
    ccld = call.param("CCLD_DVSN", "00")
    return (
        side in {"", "00", order.side}
        and (not code or order.code == code)
        and (not odno or order.odno.lstrip("0") == odno)
        and (ccld != "01" or order.filled_qty > 0)
        and (ccld != "02" or order.open_qty > 0)
    )


def _ccld_row(order: Order) -> dict[str, str]:
    side_name = "매도" if order.side == SELL else "매수"
    kind_name = {
        "new": f"현금{side_name}",
        "revise": f"{side_name}정정",
        "cancel": f"{side_name}취소",
    }
    return {
        "ord_dt": ymd(order.day),
        "ord_gno_brno": order.orgno,
        "odno": order.odno,
        "orgn_odno": order.original_odno,
        "ord_dvsn_name": ORDER_TYPE_NAMES.get(order.dvsn, ""),
        "sll_buy_dvsn_cd": order.side,
        "sll_buy_dvsn_cd_name": kind_name[order.kind],
        "pdno": order.code,
        "prdt_name": order.name,
        "ord_qty": str(order.qty),
        "ord_unpr": str(order.price),
        "ord_tmd": order.time,
        "tot_ccld_qty": str(order.filled_qty),
        "avg_prvs": str(order.average_fill_price),
        "cncl_yn": "Y" if order.kind == "cancel" else "N",
        "tot_ccld_amt": str(order.filled_amount),
        "loan_dt": "",
        "ordr_empno": "",
        "ord_dvsn_cd": order.dvsn,
        "cnc_cfrm_qty": str(order.qty if order.kind == "cancel" else order.cancelled_qty),
        "rmn_qty": str(order.open_qty),
        "rjct_qty": str(order.qty if order.rejected else 0),
        "ccld_cndt_name": "없음",
        "inqr_ip_addr": "",
        "cpbc_ordp_ord_rcit_dvsn_cd": "",
        "cpbc_ordp_infm_mthd_dvsn_cd": "",
        "infm_tmd": order.last_fill_time,
        "ctac_tlno": "",
        "prdt_type_cd": "300",
        "excg_dvsn_cd": "02",
        "cpbc_ordp_mtrl_dvsn_cd": "",
        "ord_orgno": "",
        "rsvn_ord_end_dt": "",
        "excg_id_dvsn_Cd": order.venue,  # sic: KIS spells this one with a capital C
        "stpm_cndt_pric": "0",
        "stpm_efct_occr_dtmd": "",
    }


def _ccld_totals(orders: list[Order]) -> dict[str, str]:
    placed = [order for order in orders if order.kind != "cancel"]
    filled_qty = sum(order.filled_qty for order in placed)
    filled_amount = sum(order.filled_amount for order in placed)
    average = f"{filled_amount // filled_qty}.0000" if filled_qty else "0.0000"
    return {
        "tot_ord_qty": str(sum(order.qty for order in placed)),
        "tot_ccld_qty": str(filled_qty),
        "tot_ccld_amt": str(filled_amount),
        "prsm_tlex_smtl": "0",
        "pchs_avg_pric": average,
    }
