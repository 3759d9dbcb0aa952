"""Overseas stocks (kis-api §13): the exchanges, and the operations of `KisClient.overseas`."""

from kisbot.kis.overseas.client import OverseasClient, normalize_symbol
from kisbot.kis.overseas.markets import EXCHANGES, Exchange, by_quote_code, exchange
from kisbot.kis.overseas.models import (
    OverseasBar,
    OverseasHolding,
    OverseasOrderRecord,
    OverseasQuote,
)
from kisbot.kis.overseas.queries import price_text

__all__ = [
    "EXCHANGES",
    "Exchange",
    "OverseasBar",
    "OverseasClient",
    "OverseasHolding",
    "OverseasOrderRecord",
    "OverseasQuote",
    "by_quote_code",
    "exchange",
    "normalize_symbol",
    "price_text",
]
