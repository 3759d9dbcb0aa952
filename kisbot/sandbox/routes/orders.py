"""Order APIs: order-cash (buy/sell) and order-rvsecncl (정정/취소)."""

from __future__ import annotations

from aiohttp import web

from kisbot.sandbox import messages
from kisbot.sandbox.accounts import BUY, SELL, Order
from kisbot.sandbox.gateway import KisCall, kis_response
from kisbot.sandbox.messages import Message
from kisbot.sandbox.routes.common import account_of, string_fields, whole_number

SELL_TRS = frozenset({"TTTC0011U", "TTTC0801U", "VTTC0011U", "VTTC0801U"})
_CASH_FIELDS = ("PDNO", "ORD_DVSN", "ORD_QTY", "ORD_UNPR")
_RVSECNCL_FIELDS = (
    "KRX_FWDG_ORD_ORGNO",
    "ORGN_ODNO",
    "ORD_DVSN",
    "RVSE_CNCL_DVSN_CD",
    "ORD_QTY",
    "ORD_UNPR",
    "QTY_ALL_ORD_YN",
)


async def order_cash(call: KisCall) -> web.Response:
    """주식주문(현금): place a buy or a sell (the TR ID says which)."""
    account = account_of(call, call.body)
    fields = string_fields(call.body, _CASH_FIELDS)
    refusal = _first_refusal(account, fields) or _exchange_refusal(call)
    if refusal is not None:
        return kis_response(refusal, tr_id=call.tr_id)
    assert not isinstance(account, Message) and not isinstance(fields, Message)
    qty, price = whole_number(fields["ORD_QTY"]), whole_number(fields["ORD_UNPR"])
    if not qty:
        return kis_response(messages.invalid_input("ORD_QTY"), tr_id=call.tr_id)
    if price is None:
        return kis_response(messages.invalid_input("ORD_UNPR"), tr_id=call.tr_id)
    side = SELL if call.tr_id in SELL_TRS else BUY
    venue = _venue(call)
    order = call.host.broker.place(
        account, fields["PDNO"], side, fields["ORD_DVSN"], qty, price, venue
    )
    if isinstance(order, Message):
        return kis_response(order, tr_id=call.tr_id)
    output = {"KRX_FWDG_ORD_ORGNO": order.orgno, "ODNO": order.odno, "ORD_TMD": order.time}
    return kis_response(_cash_ok(call, side), tr_id=call.tr_id, output=output)


async def order_rvsecncl(call: KisCall) -> web.Response:
    """주식주문(정정취소): revise (01) or cancel (02) the open remainder of an order."""
    account = account_of(call, call.body)
    fields = string_fields(call.body, _RVSECNCL_FIELDS)
    refusal = _first_refusal(account, fields) or _exchange_refusal(call)
    if refusal is not None:
        return kis_response(refusal, tr_id=call.tr_id)
    assert not isinstance(account, Message) and not isinstance(fields, Message)
    kind = fields["RVSE_CNCL_DVSN_CD"]
    if kind not in {"01", "02"}:
        return kis_response(messages.invalid_input("RVSE_CNCL_DVSN_CD"), tr_id=call.tr_id)
    qty = _qty_asked(fields)
    price = whole_number(fields["ORD_UNPR"])
    if isinstance(qty, Message) or price is None:
        refused = qty if isinstance(qty, Message) else messages.invalid_input("ORD_UNPR")
        return kis_response(refused, tr_id=call.tr_id)
    broker = call.host.broker
    if fields["KRX_FWDG_ORD_ORGNO"].lstrip("0") != broker.orgno.lstrip("0"):
        return kis_response(messages.refusal("no_order", call.flavour), tr_id=call.tr_id)
    odno = fields["ORGN_ODNO"]
    if kind == "01":
        result = broker.revise(account, odno, fields["ORD_DVSN"], price, qty)
    else:
        result = broker.cancel(account, odno, qty)
    if isinstance(result, Message):
        return kis_response(result, tr_id=call.tr_id)
    return kis_response(_rvsecncl_ok(call, kind), tr_id=call.tr_id, output=_lower_output(result))


def _first_refusal(account: object, fields: object) -> Message | None:
    for value in (account, fields):
        if isinstance(value, Message):
            return value
    return None


def _venue(call: KisCall) -> str:
    return str(call.body.get("EXCG_ID_DVSN_CD", "") or "KRX").upper()


def _exchange_refusal(call: KisCall) -> Message | None:
    exchange = _venue(call)
    if exchange == "KRX" or (call.flavour == "real" and exchange in {"NXT", "SOR"}):
        return None
    return messages.refusal("bad_order_type", call.flavour)


def _qty_asked(fields: dict[str, str]) -> int | Message | None:
    """None for the whole remainder (QTY_ALL_ORD_YN=Y), else the positive ORD_QTY."""
    if fields["QTY_ALL_ORD_YN"].upper() == "Y":
        return None
    qty = whole_number(fields["ORD_QTY"])
    return qty if qty else messages.invalid_input("ORD_QTY")


def _cash_ok(call: KisCall, side: str) -> Message:
    if call.flavour == "real":
        return messages.ORDER_OK
    return messages.MOCK_SELL_OK if side == SELL else messages.MOCK_BUY_OK


def _rvsecncl_ok(call: KisCall, kind: str) -> Message:
    if call.flavour == "real":
        return messages.ORDER_OK
    return messages.MOCK_REVISE_OK if kind == "01" else messages.MOCK_CANCEL_OK


def _lower_output(order: Order) -> dict[str, str]:
    # order-rvsecncl answers in lowercase keys, unlike order-cash (kis-api §4.3).
    return {"krx_fwdg_ord_orgno": order.orgno, "odno": order.odno, "ord_tmd": order.time}
