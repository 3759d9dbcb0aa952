"""The KIS REST APIs the sandbox serves: path, TR IDs per host (current and legacy), handler.

An API with no mock TR IDs is real only: the mock host answers it with MCA00124 (or EGW02006
for a real trading TR ID), as KIS's mock host does.
"""

from __future__ import annotations

from kisbot.sandbox.gateway import Api
from kisbot.sandbox.overseas import routes as overseas
from kisbot.sandbox.routes import account, order_inquiries, orders, quotations

QUOTATIONS = "/uapi/domestic-stock/v1/quotations"
TRADING = "/uapi/domestic-stock/v1/trading"
OVERSEAS_PRICE = "/uapi/overseas-price/v1/quotations"
OVERSEAS_TRADING = "/uapi/overseas-stock/v1/trading"
_OVERSEAS_ORDERS = frozenset(overseas.ORDER_TRS)


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
    Api("GET", f"{OVERSEAS_PRICE}/price", _ids("HHDFS00000300"), _ids("HHDFS00000300"),
        overseas.price),
    Api("GET", f"{OVERSEAS_PRICE}/price-detail", _ids("HHDFS76200200"), _ids(),
        overseas.price_detail),
    Api("GET", f"{OVERSEAS_PRICE}/dailyprice", _ids("HHDFS76240000"), _ids("HHDFS76240000"),
        overseas.dailyprice),
    Api("POST", f"{OVERSEAS_TRADING}/order",
        frozenset(tr for tr in _OVERSEAS_ORDERS if tr.startswith("T")),
        frozenset(tr for tr in _OVERSEAS_ORDERS if tr.startswith("V")), overseas.order),
    Api("POST", f"{OVERSEAS_TRADING}/order-rvsecncl", _ids("TTTT1004U"), _ids("VTTT1004U"),
        overseas.order_rvsecncl),
    Api("GET", f"{OVERSEAS_TRADING}/inquire-ccnl", _ids("TTTS3035R"), _ids("VTTS3035R"),
        overseas.inquire_ccnl),
    Api("GET", f"{OVERSEAS_TRADING}/inquire-balance", _ids("TTTS3012R"), _ids("VTTS3012R"),
        overseas.inquire_balance),
)  # fmt: skip
