"""What kisbot sends KIS: query parameters and order bodies, UPPERCASE keys, string values.

Each function builds one request's fields as kis-api §5 describes them; the paging keys
(CTX_AREA_*) are added by the gateway. Values are already validated by the caller.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from kisbot.kis.credentials import Account, Environment
from kisbot.kis.models import PriceFeed, Venue

Fields = dict[str, str]


def account_fields(account: Account) -> Fields:
    return {"CANO": account.cano, "ACNT_PRDT_CD": account.product_code}


def quote_query(code: str, feed: PriceFeed = PriceFeed.KRX) -> Fields:
    return {"FID_COND_MRKT_DIV_CODE": feed.value, "FID_INPUT_ISCD": code}


def multi_quote_query(codes: Sequence[str], feed: PriceFeed = PriceFeed.KRX) -> Fields:
    """Numbered pairs for up to 30 codes; only the pairs in use are sent, like KIS's sample."""
    query: Fields = {}
    for number, code in enumerate(codes, start=1):
        query[f"FID_COND_MRKT_DIV_CODE_{number}"] = feed.value
        query[f"FID_INPUT_ISCD_{number}"] = code
    return query


def recent_days_query(code: str) -> Fields:
    return {
        **quote_query(code),
        "FID_PERIOD_DIV_CODE": "D",
        "FID_ORG_ADJ_PRC": "1",  # here 1 = adjusted (the chart API has it the other way)
    }


def chart_query(code: str, start: date, end: date) -> Fields:
    return {
        **quote_query(code),
        "FID_INPUT_DATE_1": start.strftime("%Y%m%d"),
        "FID_INPUT_DATE_2": end.strftime("%Y%m%d"),
        "FID_PERIOD_DIV_CODE": "D",
        "FID_ORG_ADJ_PRC": "0",  # here 0 = adjusted
    }


def balance_query(account: Account) -> Fields:
    return {
        **account_fields(account),
        "AFHR_FLPR_YN": "N",
        "OFL_YN": "",
        "INQR_DVSN": "01",  # 02 is refused since 2026-02-10 (OPSQ2001)
        "UNPR_DVSN": "01",
        "FUND_STTL_ICLD_YN": "N",
        "FNCG_AMT_AUTO_RDPT_YN": "N",
        "PRCS_DVSN": "00",
    }


def buying_power_query(account: Account, code: str, price: int | None) -> Fields:
    return {
        **account_fields(account),
        "PDNO": code,
        "ORD_UNPR": "" if price is None else str(price),
        "ORD_DVSN": "01" if price is None else "00",
        "CMA_EVLU_AMT_ICLD_YN": "N",
        "OVRS_ICLD_YN": "N",
    }


def open_orders_query(account: Account) -> Fields:
    return {**account_fields(account), "INQR_DVSN_1": "0", "INQR_DVSN_2": "0"}


def daily_executions_query(
    account: Account, day: date, environment: Environment, *, unfilled_only: bool
) -> Fields:
    text_day = day.strftime("%Y%m%d")
    return {
        **account_fields(account),
        "INQR_STRT_DT": text_day,
        "INQR_END_DT": text_day,
        "SLL_BUY_DVSN_CD": "00",
        "INQR_DVSN": "00",
        "PDNO": "",
        "CCLD_DVSN": "02" if unfilled_only else "00",
        "ORD_GNO_BRNO": "",
        "ODNO": "",
        "INQR_DVSN_3": "00",
        "INQR_DVSN_1": "",
        "EXCG_ID_DVSN_CD": "KRX" if environment.is_mock else "ALL",  # mock knows only KRX
    }


def cash_order_body(
    account: Account, code: str, quantity: int, price: int | None, venue: Venue = Venue.KRX
) -> Fields:
    """order-cash: price None is a market order (ORD_DVSN 01, ORD_UNPR 0)."""
    return {
        **account_fields(account),
        "PDNO": code,
        "ORD_DVSN": "01" if price is None else "00",
        "ORD_QTY": str(quantity),
        "ORD_UNPR": "0" if price is None else str(price),
        "EXCG_ID_DVSN_CD": venue.value,
    }


def revise_cancel_body(
    account: Account,
    *,
    order_no: str,
    org_no: str,
    price: int | None,
    quantity: int | None,
    venue: Venue | None = None,
) -> Fields:
    """order-rvsecncl: a price means 정정 (01), none means 취소 (02); no quantity = all open.
    The venue is the original order's (sent only when known; KIS defaults to KRX)."""
    venue_field = {"EXCG_ID_DVSN_CD": venue.value} if venue is not None else {}
    return {
        **account_fields(account),
        "KRX_FWDG_ORD_ORGNO": org_no,
        "ORGN_ODNO": order_no,
        "ORD_DVSN": "00",
        "RVSE_CNCL_DVSN_CD": "02" if price is None else "01",
        "ORD_QTY": "0" if quantity is None else str(quantity),
        "ORD_UNPR": "0" if price is None else str(price),
        "QTY_ALL_ORD_YN": "Y" if quantity is None else "N",
        **venue_field,
    }
