"""Query strings and order bodies of the overseas APIs (kis-api §13.3-§13.7): every value a
string, exchanges in the code system each API takes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from kisbot.kis.credentials import Account, Environment
from kisbot.kis.models import Side
from kisbot.kis.overseas.markets import Exchange

PAGE_KEYS = ("CTX_AREA_FK200", "CTX_AREA_NK200")


def quote_query(exchange: Exchange, symbol: str) -> dict[str, str]:
    return {"AUTH": "", "EXCD": exchange.quote_code, "SYMB": symbol}


def daily_query(exchange: Exchange, symbol: str, before: date | None) -> dict[str, str]:
    """Daily bars, adjusted, newest first, up to `before` (None: today); KIS pages by date."""
    return {
        "AUTH": "",
        "EXCD": exchange.quote_code,
        "SYMB": symbol,
        "GUBN": "0",
        "BYMD": before.strftime("%Y%m%d") if before else "",
        "MODP": "1",
    }


def balance_query(account: Account, exchange: Exchange) -> dict[str, str]:
    return {
        "CANO": account.cano,
        "ACNT_PRDT_CD": account.product_code,
        "OVRS_EXCG_CD": exchange.trade_code,
        "TR_CRCY_CD": exchange.currency,
    }


def executions_query(
    account: Account, start: date, end: date, environment: Environment
) -> dict[str, str]:
    """Orders from `start` to `end`, in the exchanges' local dates. Mock takes only blank
    filters (kis-api §13.6), real takes `%` for every symbol and exchange."""
    every = "" if environment.is_mock else "%"
    return {
        "CANO": account.cano,
        "ACNT_PRDT_CD": account.product_code,
        "PDNO": every,
        "ORD_STRT_DT": start.strftime("%Y%m%d"),
        "ORD_END_DT": end.strftime("%Y%m%d"),
        "SLL_BUY_DVSN": "00",
        "CCLD_NCCS_DVSN": "00",
        "OVRS_EXCG_CD": every,
        "SORT_SQN": "DS",
        "ORD_DT": "",
        "ORD_GNO_BRNO": "",
        "ODNO": "",
    }


def order_body(
    account: Account, exchange: Exchange, side: Side, symbol: str, quantity: int, price: Decimal
) -> dict[str, str]:
    """A limit order (ORD_DVSN 00): KIS has no plain market order overseas (kis-api §13.4)."""
    return {
        "CANO": account.cano,
        "ACNT_PRDT_CD": account.product_code,
        "OVRS_EXCG_CD": exchange.trade_code,
        "PDNO": symbol,
        "ORD_QTY": str(quantity),
        "OVRS_ORD_UNPR": price_text(price),
        "SLL_TYPE": "00" if side is Side.SELL else "",
        "ORD_SVR_DVSN_CD": "0",
        "ORD_DVSN": "00",
        "CTAC_TLNO": "",
        "MGCO_APTM_ODNO": "",
    }


def revise_cancel_body(
    account: Account,
    exchange: Exchange,
    symbol: str,
    order_no: str,
    quantity: int,
    price: Decimal | None,
) -> dict[str, str]:
    """Revise to `price` (01), or cancel (02) when `price` is None."""
    return {
        "CANO": account.cano,
        "ACNT_PRDT_CD": account.product_code,
        "OVRS_EXCG_CD": exchange.trade_code,
        "PDNO": symbol,
        "ORGN_ODNO": order_no,
        "RVSE_CNCL_DVSN_CD": "02" if price is None else "01",
        "ORD_QTY": str(quantity),
        "OVRS_ORD_UNPR": "0" if price is None else price_text(price),
        "MGCO_APTM_ODNO": "",
        "ORD_SVR_DVSN_CD": "0",
    }


def price_text(price: Decimal) -> str:
    """A price as KIS takes it: plain digits, at least two decimals ("190.50", "0.1234")."""
    exponent = price.normalize().as_tuple().exponent
    places = max(2, -exponent) if isinstance(exponent, int) else 2
    return f"{price:.{places}f}"
