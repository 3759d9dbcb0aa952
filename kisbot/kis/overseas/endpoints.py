"""The overseas KIS endpoints kisbot calls, with their real and mock TR IDs (kis-api §13.2).

Quotation TR IDs are the same on real and mock; order TR IDs depend on the exchange and the
side (kisbot.kis.overseas.markets). `mock_tr_id` None: the API does not exist for mock.
"""

from __future__ import annotations

from kisbot.kis.endpoints import Endpoint
from kisbot.kis.models import Side
from kisbot.kis.overseas.markets import Exchange

_PRICE = "/uapi/overseas-price/v1/quotations"
_TRADING = "/uapi/overseas-stock/v1/trading"

QUOTE = Endpoint("GET", f"{_PRICE}/price", "HHDFS00000300", "HHDFS00000300")
DAILY = Endpoint("GET", f"{_PRICE}/dailyprice", "HHDFS76240000", "HHDFS76240000")
BALANCE = Endpoint("GET", f"{_TRADING}/inquire-balance", "TTTS3012R", "VTTS3012R")
EXECUTIONS = Endpoint("GET", f"{_TRADING}/inquire-ccnl", "TTTS3035R", "VTTS3035R")
# Revise/cancel: KIS documents TTTT1004U for the US; the Asian exchanges' IDs disagree between
# KIS's own samples (kis-api §13.5, UNCONFIRMED), so kisbot revises and cancels US orders only.
REVISE_CANCEL_US = Endpoint(
    "POST", f"{_TRADING}/order-rvsecncl", "TTTT1004U", "VTTT1004U", is_order=True
)
ORDER_PATH = f"{_TRADING}/order"


def order(exchange: Exchange, side: Side) -> Endpoint:
    """The order API of this exchange and side (a new Endpoint; they are small values)."""
    real, mock = exchange.buy_tr if side is Side.BUY else exchange.sell_tr
    return Endpoint("POST", ORDER_PATH, real, mock, is_order=True)
