"""KIS output rows (lowercase keys, string values) turned into the typed results of models.py."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from kisbot.kis.codes import tick_size
from kisbot.kis.models import (
    BalanceSummary,
    BuyingPower,
    DailyBar,
    Direction,
    Holding,
    OpenOrder,
    OrderReceipt,
    OrderRecord,
    PriceFeed,
    Quote,
    Side,
    Venue,
)
from kisbot.kis.parsing import (
    Row,
    decimal,
    decimal_or_none,
    integer,
    kst_datetime,
    text,
    yyyymmdd,
)

_DIRECTIONS = {
    "1": Direction.UP,
    "2": Direction.UP,
    "3": Direction.FLAT,
    "4": Direction.DOWN,
    "5": Direction.DOWN,
}


def direction_of(sign: str, raw_change: int) -> Direction:
    """The direction from prdy_vrss_sign; the raw change decides only when the sign is unknown."""
    known = _DIRECTIONS.get(sign.strip())
    if known is not None:
        return known
    if raw_change > 0:
        return Direction.UP
    return Direction.DOWN if raw_change < 0 else Direction.FLAT


def signed(magnitude: int, direction: Direction) -> int:
    """The change with the sign of the direction (KIS does not always sign the string)."""
    if direction is Direction.FLAT:
        return 0
    return -abs(magnitude) if direction is Direction.DOWN else abs(magnitude)


def signed_rate(rate: Decimal, direction: Direction) -> Decimal:
    if direction is Direction.FLAT:
        return Decimal(0)
    return -abs(rate) if direction is Direction.DOWN else abs(rate)


def quote_from_price(
    code: str, row: Row, as_of: datetime, feed: PriceFeed = PriceFeed.KRX
) -> Quote:
    """A Quote from inquire-price `output`."""
    sign = text(row, "prdy_vrss_sign")
    direction = direction_of(sign, integer(row, "prdy_vrss"))
    price = integer(row, "stck_prpr")
    change = signed(integer(row, "prdy_vrss"), direction)
    return Quote(
        code=text(row, "stck_shrn_iscd") or code,
        price=price,
        change=change,
        sign=sign,
        direction=direction,
        change_rate=signed_rate(decimal(row, "prdy_ctrt"), direction),
        open=integer(row, "stck_oprc"),
        high=integer(row, "stck_hgpr"),
        low=integer(row, "stck_lwpr"),
        volume=integer(row, "acml_vol"),
        trade_value=integer(row, "acml_tr_pbmn"),
        upper_limit=integer(row, "stck_mxpr"),
        lower_limit=integer(row, "stck_llam"),
        base_price=integer(row, "stck_sdpr"),
        prev_close=price - change,
        tick_size=integer(row, "aspr_unit") or tick_size(price),
        as_of=as_of,
        feed=feed,
    )


def quote_from_multi(row: Row, as_of: datetime, feed: PriceFeed = PriceFeed.KRX) -> Quote:
    """A Quote from one intstock-multprice row (which carries the Korean name)."""
    sign = text(row, "prdy_vrss_sign")
    raw_change = integer(row, "inter2_prdy_vrss")
    direction = direction_of(sign, raw_change)
    price = integer(row, "inter2_prpr")
    change = signed(raw_change, direction)
    return Quote(
        code=text(row, "inter_shrn_iscd"),
        price=price,
        change=change,
        sign=sign,
        direction=direction,
        change_rate=signed_rate(decimal(row, "prdy_ctrt"), direction),
        open=integer(row, "inter2_oprc"),
        high=integer(row, "inter2_hgpr"),
        low=integer(row, "inter2_lwpr"),
        volume=integer(row, "acml_vol"),
        trade_value=integer(row, "acml_tr_pbmn"),
        upper_limit=integer(row, "inter2_mxpr"),
        lower_limit=integer(row, "inter2_llam"),
        base_price=integer(row, "inter2_sdpr"),
        prev_close=integer(row, "inter2_prdy_clpr") or price - change,
        tick_size=tick_size(price),
        as_of=as_of,
        name=text(row, "inter_kor_isnm") or None,
        feed=feed,
    )


def daily_bar(row: Row) -> DailyBar | None:
    """A DailyBar from a daily-price or period-chart row; None for a row without a date."""
    day = yyyymmdd(row, "stck_bsop_date")
    if day is None:
        return None
    direction = direction_of(text(row, "prdy_vrss_sign"), integer(row, "prdy_vrss"))
    rate = decimal_or_none(row, "prdy_ctrt")
    return DailyBar(
        day=day,
        open=integer(row, "stck_oprc"),
        high=integer(row, "stck_hgpr"),
        low=integer(row, "stck_lwpr"),
        close=integer(row, "stck_clpr"),
        volume=integer(row, "acml_vol"),
        change=signed(integer(row, "prdy_vrss"), direction),
        direction=direction,
        change_rate=None if rate is None else signed_rate(rate, direction),
    )


def holding(row: Row) -> Holding:
    """A Holding from one inquire-balance output1 row."""
    return Holding(
        code=text(row, "pdno"),
        name=text(row, "prdt_name"),
        quantity=integer(row, "hldg_qty"),
        orderable_quantity=integer(row, "ord_psbl_qty"),
        avg_price=decimal(row, "pchs_avg_pric"),
        purchase_amount=integer(row, "pchs_amt"),
        price=integer(row, "prpr"),
        evaluation=integer(row, "evlu_amt"),
        pnl=integer(row, "evlu_pfls_amt"),
        pnl_rate=decimal(row, "evlu_pfls_rt"),
    )


def balance_summary(row: Row) -> BalanceSummary:
    """The BalanceSummary from inquire-balance output2."""
    return BalanceSummary(
        deposit=integer(row, "dnca_tot_amt"),
        d1_cash=integer(row, "nxdy_excc_amt"),
        d2_cash=integer(row, "prvs_rcdl_excc_amt"),
        securities_evaluation=integer(row, "scts_evlu_amt"),
        total_evaluation=integer(row, "tot_evlu_amt"),
        net_assets=integer(row, "nass_amt"),
        purchase_total=integer(row, "pchs_amt_smtl_amt"),
        evaluation_total=integer(row, "evlu_amt_smtl_amt"),
        pnl_total=integer(row, "evlu_pfls_smtl_amt"),
    )


def buying_power(code: str, price: int | None, row: Row) -> BuyingPower:
    """BuyingPower from inquire-psbl-order `output`."""
    return BuyingPower(
        code=code,
        price=price,
        cash=integer(row, "ord_psbl_cash"),
        max_amount=integer(row, "nrcvb_buy_amt"),
        max_quantity=integer(row, "nrcvb_buy_qty"),
        max_amount_with_credit=integer(row, "max_buy_amt"),
        max_quantity_with_credit=integer(row, "max_buy_qty"),
    )


def order_receipt(row: Row, body: Row, today: date) -> OrderReceipt:
    """The OrderReceipt from an order-cash or order-rvsecncl answer."""
    return OrderReceipt(
        order_no=text(row, "odno"),
        org_no=text(row, "krx_fwdg_ord_orgno"),
        ordered_at=kst_datetime(today, text(row, "ord_tmd")),
        msg_cd=text(body, "msg_cd"),
        msg1=text(body, "msg1"),
    )


def order_record(row: Row) -> OrderRecord:
    """An OrderRecord from one inquire-daily-ccld output1 row."""
    cancelled_quantity = integer(row, "cnc_cfrm_qty")
    return OrderRecord(
        **_order_fields(row),
        avg_fill_price=decimal(row, "avg_prvs"),
        filled_amount=integer(row, "tot_ccld_amt"),
        remaining_quantity=integer(row, "rmn_qty"),
        cancelled=text(row, "cncl_yn").upper() == "Y" or cancelled_quantity > 0,
        cancelled_quantity=cancelled_quantity,
        rejected_quantity=integer(row, "rjct_qty"),
        ordered_at=kst_datetime(yyyymmdd(row, "ord_dt"), text(row, "ord_tmd")),
    )


def open_order(row: Row, today: date) -> OpenOrder:
    """An OpenOrder from one inquire-psbl-rvsecncl row."""
    return OpenOrder(
        **_order_fields(row),
        cancellable_quantity=integer(row, "psbl_qty"),
        ordered_at=kst_datetime(yyyymmdd(row, "ord_dt") or today, text(row, "ord_tmd")),
    )


def _order_fields(row: Row) -> dict[str, Any]:
    """The fields daily-ccld and psbl-rvsecncl rows share, under the same KIS names."""
    return {
        "order_no": text(row, "odno"),
        "org_no": text(row, "ord_gno_brno"),
        "original_order_no": text(row, "orgn_odno"),
        "code": text(row, "pdno"),
        "name": text(row, "prdt_name"),
        "side": Side.from_code(text(row, "sll_buy_dvsn_cd")),
        "order_type": text(row, "ord_dvsn_cd"),
        "order_type_name": text(row, "ord_dvsn_name"),
        "quantity": integer(row, "ord_qty"),
        "price": integer(row, "ord_unpr"),
        "filled_quantity": integer(row, "tot_ccld_qty"),
        "venue": _venue(text(row, "excg_id_dvsn_cd")),
    }


def _venue(code: str) -> Venue | None:
    """EXCG_ID_DVSN_CD as sent (KRX, NXT, SOR); None when absent or unknown."""
    try:
        return Venue(code.upper())
    except ValueError:
        return None


def open_order_from_record(record: OrderRecord) -> OpenOrder:
    """The OpenOrder view of a daily-ccld row (mock has no open-order API)."""
    return OpenOrder(
        order_no=record.order_no,
        org_no=record.org_no,
        original_order_no=record.original_order_no,
        code=record.code,
        name=record.name,
        side=record.side,
        order_type=record.order_type,
        order_type_name=record.order_type_name,
        quantity=record.quantity,
        price=record.price,
        filled_quantity=record.filled_quantity,
        cancellable_quantity=record.remaining_quantity,
        venue=record.venue,
        ordered_at=record.ordered_at,
    )
