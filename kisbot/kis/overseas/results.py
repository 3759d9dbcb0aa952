"""Overseas answers into typed results (kis-api §13.3-§13.7).

Prices arrive as decimal strings with the exchange's decimals ("195.2000"), some with a leading
space (" 0.00"); `diff` is unsigned and the direction comes from `sign`. Everything is read
into Decimal from the string, never through float.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from kisbot.kis.models import Side
from kisbot.kis.overseas.markets import Exchange, by_trade_code, exchange
from kisbot.kis.overseas.models import (
    OverseasBar,
    OverseasHolding,
    OverseasOrderRecord,
    OverseasQuote,
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
from kisbot.kis.results import direction_of, signed_rate


def quote(market: Exchange, symbol: str, row: Row, as_of: datetime) -> OverseasQuote | None:
    """The quote in a `price` answer; None when `last` is blank, which is how KIS answers an
    unknown symbol or the wrong exchange (no error, kis-api §13.3)."""
    price = decimal_or_none(row, "last")
    if price is None:
        return None
    diff = abs(decimal(row, "diff"))
    direction = direction_of(text(row, "sign"), _sign_of(diff))
    change = signed_rate(diff, direction)
    base = decimal_or_none(row, "base")
    return OverseasQuote(
        symbol=symbol,
        exchange=market,
        price=price,
        change=change,
        direction=direction,
        change_rate=signed_rate(decimal(row, "rate"), direction),
        prev_close=base if base is not None else price - change,
        volume=integer(row, "tvol"),
        trade_value=decimal(row, "tamt"),
        decimals=integer(row, "zdiv"),
        as_of=as_of,
        tradable_note=text(row, "ordy"),
    )


def daily_bar(row: Row) -> OverseasBar | None:
    """One `dailyprice` output2 row, or None for a row without a date or a close."""
    day = yyyymmdd(row, "xymd")
    close = decimal_or_none(row, "clos")
    if day is None or close is None:
        return None
    diff = abs(decimal(row, "diff"))
    direction = direction_of(text(row, "sign"), _sign_of(diff))
    return OverseasBar(
        day=day,
        open=decimal(row, "open"),
        high=decimal(row, "high"),
        low=decimal(row, "low"),
        close=close,
        volume=integer(row, "tvol"),
        change=signed_rate(diff, direction),
        direction=direction,
        change_rate=signed_rate(decimal(row, "rate"), direction),
    )


def holding(row: Row) -> OverseasHolding | None:
    """One `inquire-balance` output1 row; None for the blank trailing row KIS sends."""
    symbol = text(row, "ovrs_pdno")
    if not symbol:
        return None
    return OverseasHolding(
        symbol=symbol,
        name=text(row, "ovrs_item_name"),
        exchange=by_trade_code(text(row, "ovrs_excg_cd")),
        currency=text(row, "tr_crcy_cd"),
        quantity=integer(row, "ovrs_cblc_qty"),
        orderable_quantity=integer(row, "ord_psbl_qty"),
        avg_price=decimal(row, "pchs_avg_pric"),
        purchase_amount=decimal(row, "frcr_pchs_amt1"),
        price=decimal(row, "now_pric2"),
        evaluation=decimal(row, "ovrs_stck_evlu_amt"),
        pnl=decimal(row, "frcr_evlu_pfls_amt"),
        pnl_rate=decimal(row, "evlu_pfls_rt"),
    )


def order_record(row: Row) -> OverseasOrderRecord:
    """One `inquire-ccnl` output row."""
    quantity = integer(row, "ft_ord_qty")
    filled = integer(row, "ft_ccld_qty")
    return OverseasOrderRecord(
        order_no=text(row, "odno"),
        org_no=text(row, "ord_gno_brno"),
        original_order_no=text(row, "orgn_odno"),
        symbol=text(row, "pdno"),
        name=text(row, "prdt_name"),
        exchange=_exchange_of(row),
        side=Side.from_code(text(row, "sll_buy_dvsn_cd")),
        quantity=quantity,
        price=decimal(row, "ft_ord_unpr3"),
        filled_quantity=filled,
        avg_fill_price=decimal(row, "ft_ccld_unpr3"),
        remaining_quantity=integer(row, "nccs_qty"),
        status=text(row, "prcs_stat_name"),
        rejection=text(row, "rjct_rson"),
        local_date=yyyymmdd(row, "ord_dt"),
        ordered_at=kst_datetime(yyyymmdd(row, "dmst_ord_dt"), text(row, "thco_ord_tmd")),
    )


def _exchange_of(row: Row) -> Exchange | None:
    return by_trade_code(text(row, "ovrs_excg_cd")) or exchange(text(row, "tr_mket_name"))


def _sign_of(value: Decimal) -> int:
    return (value > 0) - (value < 0)
