"""Account inquiries: inquire-balance (paged like KIS, kis-api §4.4) and inquire-psbl-order."""

from __future__ import annotations

from aiohttp import web

from kisbot.sandbox import messages
from kisbot.sandbox.accounts import Account, Holding
from kisbot.sandbox.broker import Broker
from kisbot.sandbox.formats import rate, to_int
from kisbot.sandbox.gateway import KisCall, kis_response
from kisbot.sandbox.messages import Message
from kisbot.sandbox.routes.common import account_of, page_of, paged_response

BALANCE_PAGE = {"real": 50, "mock": 20}


async def inquire_balance(call: KisCall) -> web.Response:
    """주식잔고조회: holdings (paged) and a one-element summary array."""
    account = account_of(call, call.params)
    if isinstance(account, Message):
        return kis_response(account, tr_id=call.tr_id)
    if call.param("INQR_DVSN") != "01":  # 02 is refused since 2026-02-10 (kis-api §5.5)
        return kis_response(messages.invalid_input("INQR_DVSN"), tr_id=call.tr_id)
    broker = call.host.broker
    holdings = [h for h in account.holdings.values() if h.qty > 0 or h.bought_today or h.sold_today]
    rows = [_holding_row(broker, account, holding) for holding in holdings]
    page = page_of(call, rows, BALANCE_PAGE[call.flavour], f"{account.cano}{account.product}")
    return paged_response(call, page, output1=page.rows, output2=[_summary(broker, account)])


async def inquire_psbl_order(call: KisCall) -> web.Response:
    """매수가능조회: cash and the quantity it buys at ORD_UNPR (or the upper limit for market)."""
    account = account_of(call, call.params)
    if isinstance(account, Message):
        return kis_response(account, tr_id=call.tr_id)
    broker = call.host.broker
    code = call.param("PDNO").strip()
    stock = call.state.market.get(code) if code else None
    if code and stock is None:
        return kis_response(messages.refusal("unknown_stock", call.flavour), tr_id=call.tr_id)
    cash = max(broker.orderable_cash(account), 0)
    unit = to_int(call.param("ORD_UNPR"), 0) or 0
    if stock is not None:
        unit = broker.reserve_price(stock.listing.code, call.param("ORD_DVSN", "00"), unit)
    qty = cash // unit if unit > 0 else 0
    output = {
        "ord_psbl_cash": str(cash),
        "ord_psbl_sbst": "0",
        "ruse_psbl_amt": "0",
        "fund_rpch_chgs": "0",
        "psbl_qty_calc_unpr": str(unit),
        "nrcvb_buy_amt": str(cash),
        "nrcvb_buy_qty": str(qty),
        "max_buy_amt": str(cash),
        "max_buy_qty": str(qty),
        "cma_evlu_amt": "0",
        "ovrs_re_use_amt_wcrc": "0",
        "ord_psbl_frcr_amt_wcrc": "0",
    }
    return kis_response(
        messages.query_ok(call.flavour), tr_id=call.tr_id, tr_cont="D", output=output
    )


def _holding_row(broker: Broker, account: Account, holding: Holding) -> dict[str, str]:
    stock = broker.market.stocks[holding.code]
    value = holding.qty * stock.price
    profit = value - holding.purchase_amount
    return {
        "pdno": holding.code,
        "prdt_name": holding.name,
        "trad_dvsn_name": "현금",
        "bfdy_buy_qty": "0",
        "bfdy_sll_qty": "0",
        "thdt_buyqty": str(holding.bought_today),
        "thdt_sll_qty": str(holding.sold_today),
        "hldg_qty": str(holding.qty),
        "ord_psbl_qty": str(max(account.sellable_qty(holding.code), 0)),
        "pchs_avg_pric": str(holding.average_price),
        "pchs_amt": str(holding.purchase_amount),
        "prpr": str(stock.price),
        "evlu_amt": str(value),
        "evlu_pfls_amt": str(profit),
        "evlu_pfls_rt": rate(profit, holding.purchase_amount),
        "evlu_erng_rt": "0.00000000",
        "loan_dt": "",
        "loan_amt": "0",
        "stln_slng_chgs": "0",
        "expd_dt": "",
        "fltt_rt": rate(stock.price - stock.base, stock.base, places=8),
        "bfdy_cprs_icdc": str(stock.price - stock.base),
        "item_mgna_rt_name": "",
        "grta_rt_name": "",
        "sbst_pric": "0",
        "stck_loan_unpr": "0.0000",
    }


def _summary(broker: Broker, account: Account) -> dict[str, str]:
    holdings = account.holdings.values()
    purchase = sum(h.purchase_amount for h in holdings)
    value = broker.holdings_value(account)
    total = value + account.settled_cash
    change = total - account.start_of_day_value
    return {
        "dnca_tot_amt": str(account.deposit),
        "nxdy_excc_amt": str(account.settled_cash),
        "prvs_rcdl_excc_amt": str(account.settled_cash),
        "cma_evlu_amt": "0",
        "bfdy_buy_amt": "0",
        "thdt_buy_amt": str(account.bought_today),
        "nxdy_auto_rdpt_amt": "0",
        "bfdy_sll_amt": "0",
        "thdt_sll_amt": str(account.sold_today),
        "d2_auto_rdpt_amt": "0",
        "bfdy_tlex_amt": "0",
        "thdt_tlex_amt": "0",
        "tot_loan_amt": "0",
        "scts_evlu_amt": str(value),
        "tot_evlu_amt": str(total),
        "nass_amt": str(total),
        "fncg_gld_auto_rdpt_yn": "N",
        "pchs_amt_smtl_amt": str(purchase),
        "evlu_amt_smtl_amt": str(value),
        "evlu_pfls_smtl_amt": str(value - purchase),
        "tot_stln_slng_chgs": "0",
        "bfdy_tot_asst_evlu_amt": str(account.start_of_day_value),
        "asst_icdc_amt": str(change),
        "asst_icdc_erng_rt": rate(change, account.start_of_day_value, places=8),
    }
