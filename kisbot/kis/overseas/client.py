"""OverseasClient: the overseas operations for one credential (`KisClient.overseas`).

Prices are Decimal in the exchange's currency; orders are limit orders only (KIS has no plain
market order overseas); bars come oldest first, dated by the exchange's local day.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from kisbot.clock import KST, Clock
from kisbot.kis.credentials import Credential
from kisbot.kis.endpoints import Endpoint
from kisbot.kis.gateway import KisGateway
from kisbot.kis.models import OrderReceipt, Priority, Side
from kisbot.kis.overseas import endpoints, queries, results
from kisbot.kis.overseas.markets import Exchange
from kisbot.kis.overseas.models import (
    OverseasBar,
    OverseasHolding,
    OverseasOrderRecord,
    OverseasQuote,
)
from kisbot.kis.parsing import first_row, rows, text
from kisbot.kis.results import order_receipt

logger = logging.getLogger(__name__)

BARS_PER_CALL = 100
_MAX_BAR_CALLS = 20


class OverseasClient:
    """Quotes, daily bars, balance, orders and today's executions on overseas exchanges."""

    def __init__(self, gateway: KisGateway, clock: Clock, credential: Credential) -> None:
        self._gateway = gateway
        self._clock = clock
        self.credential = credential

    # -- quotations -----------------------------------------------------------------------

    async def quote(
        self, exchange: Exchange, symbol: str, *, priority: Priority = Priority.INTERACTIVE
    ) -> OverseasQuote | None:
        """The current price, or None when the exchange does not list the symbol."""
        symbol = normalize_symbol(symbol)
        answer = await self._read(endpoints.QUOTE, queries.quote_query(exchange, symbol), priority)
        return results.quote(exchange, symbol, first_row(answer.get("output")), self._now())

    async def daily(
        self,
        exchange: Exchange,
        symbol: str,
        days: int = 10,
        *,
        priority: Priority = Priority.INTERACTIVE,
    ) -> list[OverseasBar]:
        """The last `days` trading days (adjusted), oldest first.

        KIS gives 100 rows a call, newest first, ending at BYMD; older rows come from asking
        again with BYMD the day before the oldest row (KIS's tr_cont paging is not offered
        here, kis-api §13.3).
        """
        if days < 1:
            raise ValueError("days must be at least 1")
        symbol = normalize_symbol(symbol)
        collected: dict[date, OverseasBar] = {}
        before: date | None = None
        for _ in range(_MAX_BAR_CALLS):
            query = queries.daily_query(exchange, symbol, before)
            answer = await self._read(endpoints.DAILY, query, priority)
            bars = [b for b in map(results.daily_bar, rows(answer.get("output2"))) if b]
            collected.update((bar.day, bar) for bar in bars)
            if len(collected) >= days or len(bars) < BARS_PER_CALL:
                break
            before = min(bar.day for bar in bars) - timedelta(days=1)
        return [collected[day] for day in sorted(collected)][-days:]

    # -- account --------------------------------------------------------------------------

    async def holdings(
        self, exchange: Exchange, *, priority: Priority = Priority.INTERACTIVE
    ) -> list[OverseasHolding]:
        """What the account holds on this exchange (real NASD: every US exchange)."""
        query = queries.balance_query(self.credential.account, exchange)
        answers = await self._gateway.pages(
            self.credential, endpoints.BALANCE, query, priority=priority,
            page_keys=queries.PAGE_KEYS,
        )  # fmt: skip
        found = (
            results.holding(row) for a in answers for row in rows((a.body or {}).get("output1"))
        )
        return [h for h in found if h is not None and h.quantity > 0]

    async def recent_orders(
        self, *, priority: Priority = Priority.INTERACTIVE
    ) -> list[OverseasOrderRecord]:
        """Orders of the last two local days on every exchange, every page: a US order placed
        at 10:00 KST carries the previous local date."""
        today = self._now().date()
        query = queries.executions_query(
            self.credential.account, today - timedelta(days=2), today, self.credential.environment
        )
        answers = await self._gateway.pages(
            self.credential, endpoints.EXECUTIONS, query, max_pages=20, priority=priority,
            page_keys=queries.PAGE_KEYS,
        )  # fmt: skip
        return [
            results.order_record(row)
            for answer in answers
            for row in rows((answer.body or {}).get("output"))
            if text(row, "odno")
        ]

    # -- orders ---------------------------------------------------------------------------

    async def place_order(
        self, exchange: Exchange, side: Side, symbol: str, quantity: int, price: Decimal
    ) -> OrderReceipt:
        """Send a limit order at `price` (in the exchange's currency). Never resent."""
        symbol = normalize_symbol(symbol)
        _check_quantity(quantity)
        _check_price(price)
        body = queries.order_body(self.credential.account, exchange, side, symbol, quantity, price)
        logger.info(
            "sending an overseas %s order for %s:%s x%d (%s)",
            side, exchange.quote_code, symbol, quantity, self.credential.environment,
        )  # fmt: skip
        return await self._order(endpoints.order(exchange, side), body)

    async def cancel_order(
        self, exchange: Exchange, symbol: str, order_no: str, quantity: int
    ) -> OrderReceipt:
        """Cancel `quantity` (the open remainder) of a US order."""
        return await self._revise_or_cancel(exchange, symbol, order_no, quantity, None)

    async def modify_order(
        self, exchange: Exchange, symbol: str, order_no: str, quantity: int, price: Decimal
    ) -> OrderReceipt:
        """Move the open remainder of a US limit order to `price`."""
        _check_price(price)
        return await self._revise_or_cancel(exchange, symbol, order_no, quantity, price)

    async def _revise_or_cancel(
        self, exchange: Exchange, symbol: str, order_no: str, quantity: int, price: Decimal | None
    ) -> OrderReceipt:
        if not exchange.is_us:
            raise ValueError("kisbot modifies and cancels US orders only (KIS's TR IDs for the "
                             "other exchanges are not settled)")  # fmt: skip
        _check_quantity(quantity)
        number = order_no.strip()
        if not number.isdigit():
            raise ValueError("an order number is digits only, such as 0000004336")
        body = queries.revise_cancel_body(
            self.credential.account, exchange, normalize_symbol(symbol), number, quantity, price
        )
        return await self._order(endpoints.REVISE_CANCEL_US, body)

    async def _order(self, endpoint: Endpoint, body: dict[str, str]) -> OrderReceipt:
        answer = await self._gateway.call(self.credential, endpoint, body=body)
        full = answer.body or {}
        return order_receipt(first_row(full.get("output")), full, self._now().date())

    async def _read(
        self, endpoint: Endpoint, query: dict[str, str], priority: Priority
    ) -> dict[str, Any]:
        answer = await self._gateway.call(
            self.credential, endpoint, params=query, priority=priority
        )
        return answer.body or {}

    def _now(self) -> datetime:
        return self._clock.now().astimezone(KST)


def normalize_symbol(symbol: str) -> str:
    """A ticker as KIS takes it: trimmed, upper case (AAPL, BRK.B, 00700, 601360)."""
    cleaned = symbol.strip().upper()
    if (
        not cleaned
        or len(cleaned) > 16
        or not all(c.isascii() and (c.isalnum() or c in ".-/") for c in cleaned)
    ):
        raise ValueError("a ticker is letters and digits, such as AAPL or 00700")
    return cleaned


def _check_quantity(quantity: int) -> None:
    if quantity < 1:
        raise ValueError("the quantity must be a whole number of shares, at least 1")


def _check_price(price: Decimal) -> None:
    if not price.is_finite() or price <= 0:
        raise ValueError("a limit price must be a positive amount")
