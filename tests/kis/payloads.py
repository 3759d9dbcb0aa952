"""KIS-shaped answers for respx routes: string values, envelopes and error shapes as KIS sends."""

from __future__ import annotations

from typing import Any

import httpx

REAL = "https://real.kis.test:9443"
MOCK = "https://mock.kis.test:29443"
Q = "/uapi/domestic-stock/v1/quotations"
T = "/uapi/domestic-stock/v1/trading"

ACCESS_TOKEN = "eyJhbGciOiJIUzUxMiJ9.eyJzdWIiOiJ0b2tlbiJ9.c2VjcmV0LXNpZ25hdHVyZS12YWx1ZQ"
APP_SECRET = "SeCrEt" + "x" * 174
ACCOUNT = "50012345-01"


def token_ok(token: str = ACCESS_TOKEN, expires: str = "2026-11-24 09:00:00") -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "access_token": token,
            "access_token_token_expired": expires,
            "token_type": "Bearer",
            "expires_in": 86400,
        },
    )


def token_error(code: str, description: str, status: int = 403) -> httpx.Response:
    return httpx.Response(status, json={"error_code": code, "error_description": description})


def ok(status: int = 200, tr_cont: str = "D", **outputs: Any) -> httpx.Response:
    body = {"rt_cd": "0", "msg_cd": "MCA00000", "msg1": "정상처리 되었습니다.", **outputs}
    return httpx.Response(status, json=body, headers={"tr_cont": tr_cont})


def refusal(msg_cd: str, msg1: str, status: int = 500, rt_cd: str = "1") -> httpx.Response:
    return httpx.Response(status, json={"rt_cd": rt_cd, "msg_cd": msg_cd, "msg1": msg1})


def too_many_calls() -> httpx.Response:
    return refusal("EGW00201", "초당 거래건수를 초과하였습니다.")


def token_expired() -> httpx.Response:
    return refusal("EGW00123", "기간이 만료된 token 입니다.", status=500)


def price_output(**overrides: str) -> dict[str, str]:
    output = {
        "stck_shrn_iscd": "005930",
        "stck_prpr": "71500",
        "prdy_vrss": "-1500",
        "prdy_vrss_sign": "5",
        "prdy_ctrt": "-2.05",
        "stck_oprc": "73000",
        "stck_hgpr": "73100",
        "stck_lwpr": "71200",
        "acml_vol": "12345678",
        "acml_tr_pbmn": "889000000000",
        "stck_mxpr": "94900",
        "stck_llam": "51100",
        "stck_sdpr": "73000",
        "aspr_unit": "100",
    }
    output.update(overrides)
    return output


def daily_row(day: str, close: int, sign: str = "2", change: str = "500") -> dict[str, str]:
    return {
        "stck_bsop_date": day,
        "stck_oprc": str(close - 100),
        "stck_hgpr": str(close + 200),
        "stck_lwpr": str(close - 300),
        "stck_clpr": str(close),
        "acml_vol": "1000",
        "prdy_vrss": change,
        "prdy_vrss_sign": sign,
        "prdy_ctrt": "0.70",
    }


def holding_row(code: str, qty: str, name: str = "삼성전자") -> dict[str, str]:
    return {
        "pdno": code,
        "prdt_name": name,
        "hldg_qty": qty,
        "ord_psbl_qty": qty,
        "pchs_avg_pric": "70250.5000",
        "pchs_amt": "702505",
        "prpr": "71500",
        "evlu_amt": "715000",
        "evlu_pfls_amt": "12495",
        "evlu_pfls_rt": "1.78",
    }


def summary_row() -> dict[str, str]:
    return {
        "dnca_tot_amt": "1000000",
        "nxdy_excc_amt": "990000",
        "prvs_rcdl_excc_amt": "980000",
        "scts_evlu_amt": "715000",
        "tot_evlu_amt": "1695000",
        "nass_amt": "1695000",
        "pchs_amt_smtl_amt": "702505",
        "evlu_amt_smtl_amt": "715000",
        "evlu_pfls_smtl_amt": "12495",
    }


def ccld_row(order_no: str, **overrides: str) -> dict[str, str]:
    row = {
        "ord_dt": "20261123",
        "ord_gno_brno": "06010",
        "odno": order_no,
        "orgn_odno": "",
        "ord_dvsn_name": "지정가",
        "ord_dvsn_cd": "00",
        "sll_buy_dvsn_cd": "02",
        "sll_buy_dvsn_cd_name": "현금매수",
        "pdno": "005930",
        "prdt_name": "삼성전자",
        "ord_qty": "10",
        "ord_unpr": "71000",
        "ord_tmd": "091502",
        "tot_ccld_qty": "4",
        "avg_prvs": "71000",
        "tot_ccld_amt": "284000",
        "cncl_yn": "N",
        "cnc_cfrm_qty": "0",
        "rmn_qty": "6",
        "rjct_qty": "0",
        "excg_id_dvsn_Cd": "KRX",
    }
    row.update(overrides)
    return row
