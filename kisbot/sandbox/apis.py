"""The KIS REST APIs the sandbox serves: path, TR IDs per host (current and legacy), handler.

An API with no mock TR IDs is real only: the mock host answers it with MCA00124 (or EGW02006
for a real trading TR ID), as KIS's mock host does.
"""

from __future__ import annotations

from kisbot.sandbox.gateway import Api
from kisbot.sandbox.routes import account, order_inquiries, orders, quotations

QUOTATIONS = "/uapi/domestic-stock/v1/quotations"
TRADING = "/uapi/domestic-stock/v1/trading"


def _ids(*names: str) -> frozenset[str]:
    return frozenset(names)


APIS: tuple[Api, ...] = (
    Api(
        "GET",
        f"{QUOTATIONS}/inquire-price",
        _ids("FHKST01010100"),
        _ids("FHKST01010100"),
        quotations.inquire_price,
    ),
    Api(
        "GET",
        f"{QUOTATIONS}/inquire-daily-price",
        _ids("FHKST01010400"),
        _ids("FHKST01010400"),
        quotations.inquire_daily_price,
    ),
    Api(
        "GET",
        f"{QUOTATIONS}/inquire-daily-itemchartprice",
        _ids("FHKST03010100"),
        _ids("FHKST03010100"),
        quotations.inquire_daily_itemchartprice,
    ),
    Api(
        "GET",
        f"{QUOTATIONS}/intstock-multprice",
        _ids("FHKST11300006"),
        _ids(),
        quotations.intstock_multprice,
    ),
    Api(
        "GET",
        f"{QUOTATIONS}/search-stock-info",
        _ids("CTPF1002R"),
        _ids(),
        quotations.search_stock_info,
    ),
    Api(
        "GET",
        f"{TRADING}/inquire-balance",
        _ids("TTTC8434R"),
        _ids("VTTC8434R"),
        account.inquire_balance,
    ),
    Api(
        "GET",
        f"{TRADING}/inquire-psbl-order",
        _ids("TTTC8908R"),
        _ids("VTTC8908R"),
        account.inquire_psbl_order,
    ),
    Api(
        "GET",
        f"{TRADING}/inquire-psbl-rvsecncl",
        _ids("TTTC0084R", "TTTC8036R"),
        _ids(),
        order_inquiries.inquire_psbl_rvsecncl,
    ),
    Api(
        "GET",
        f"{TRADING}/inquire-daily-ccld",
        _ids("TTTC0081R", "CTSC9215R", "TTTC8001R", "CTSC9115R"),
        _ids("VTTC0081R", "VTSC9215R", "VTTC8001R", "VTSC9115R"),
        order_inquiries.inquire_daily_ccld,
    ),
    Api(
        "POST",
        f"{TRADING}/order-cash",
        _ids("TTTC0011U", "TTTC0012U", "TTTC0801U", "TTTC0802U"),
        _ids("VTTC0011U", "VTTC0012U", "VTTC0801U", "VTTC0802U"),
        orders.order_cash,
    ),
    Api(
        "POST",
        f"{TRADING}/order-rvsecncl",
        _ids("TTTC0013U", "TTTC0803U"),
        _ids("VTTC0013U", "VTTC0803U"),
        orders.order_rvsecncl,
    ),
)
