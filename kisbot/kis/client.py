"""KisClient: every KIS operation kisbot uses, for one credential, with typed results.

Get one from `KisService.client(credential)`. Reads take `priority=` (a user's command is
INTERACTIVE, alert polling BACKGROUND); orders are always interactive. Bars come oldest first.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from kisbot.clock import KST, Clock
from kisbot.kis import endpoints, queries, results
from kisbot.kis.auth import TokenManager
from kisbot.kis.codes import normalize_code
from kisbot.kis.credentials import Account, Credential, Environment
from kisbot.kis.endpoints import Endpoint
from kisbot.kis.errors import KisNotSupportedInMock
from kisbot.kis.gateway import KisGateway, require_support
from kisbot.kis.models import (
    Balance,
    BuyingPower,
    DailyBar,
    OpenOrder,
    OrderReceipt,
    OrderRecord,
    PriceFeed,
    Priority,
    Quote,
    Side,
    Venue,
)
from kisbot.kis.overseas.client import OverseasClient
from kisbot.kis.parsing import Row, first_row, rows, text
from kisbot.kis.tokens import AccessToken

logger = logging.getLogger(__name__)

MULTI_QUOTE_MAX = 30
CHART_ROWS_PER_CALL = 100
_MAX_CHART_WINDOWS = 50
RECENT_DAYS_MAX = 30  # inquire-daily-price returns the last 30 trading days


class KisClient:
    """The KIS operations for one credential; all I/O goes through the shared gateway."""

    def __init__(
        self, gateway: KisGateway, tokens: TokenManager, clock: Clock, credential: Credential
    ) -> None:
        self._gateway = gateway
        self._tokens = tokens
        self._clock = clock
        self.credential = credential

    def __repr__(self) -> str:
        return f"KisClient({self.credential!r})"

    @property
    def environment(self) -> Environment:
        return self.credential.environment

    @property
    def overseas(self) -> OverseasClient:
        """The same key's operations on overseas exchanges (kis-api §13)."""
        return OverseasClient(self._gateway, self._clock, self.credential)

    # -- tokens ---------------------------------------------------------------------------

    async def ensure_token(self) -> AccessToken:
        """A valid access token (issued if needed): proves KIS accepts the key."""
        return await self._tokens.token(self.credential)

    async def revoke_token(self) -> bool:
        """Revoke the known access token (for /forget); False when there was none."""
        return await self._tokens.revoke(self.credential)

    # -- quotations -----------------------------------------------------------------------

    async def quote(
        self,
        code: str,
        *,
        feed: PriceFeed = PriceFeed.KRX,
        priority: Priority = Priority.INTERACTIVE,
    ) -> Quote:
        """The current price of one stock on KRX, NXT or both combined (the last two real only)."""
        code = normalize_code(code)
        self._require_feed(endpoints.QUOTE, feed)
        answer = await self._read(endpoints.QUOTE, queries.quote_query(code, feed), priority)
        return results.quote_from_price(code, first_row(answer.get("output")), self._now(), feed)

    async def multi_quote(
        self,
        codes: Iterable[str],
        *,
        feed: PriceFeed = PriceFeed.KRX,
        priority: Priority = Priority.INTERACTIVE,
    ) -> dict[str, Quote]:
        """Quotes (with names) by code for many stocks, 30 per call; real accounts only."""
        require_support(endpoints.MULTI_QUOTE, self.environment)
        wanted = list(dict.fromkeys(normalize_code(code) for code in codes))
        found: dict[str, Quote] = {}
        for start in range(0, len(wanted), MULTI_QUOTE_MAX):
            query = queries.multi_quote_query(wanted[start : start + MULTI_QUOTE_MAX], feed)
            answer = await self._read(endpoints.MULTI_QUOTE, query, priority)
            for row in rows(answer.get("output")):
                quote = results.quote_from_multi(row, self._now(), feed)
                if quote.code:
                    found[quote.code] = quote
        return found

    async def daily_prices(
        self, code: str, days: int = 10, *, priority: Priority = Priority.INTERACTIVE
    ) -> list[DailyBar]:
        """The last `days` trading days (adjusted prices), oldest first."""
        if days < 1:
            raise ValueError("days must be at least 1")
        code = normalize_code(code)
        if days > RECENT_DAYS_MAX:
            today = self._today()
            # Calendar days enough to hold `days` trading days, with room for long holidays.
            start = today - timedelta(days=days * 7 // 5 + 20)
            bars = await self.daily_range(code, start, today, priority=priority)
            return bars[-days:]
        answer = await self._read(endpoints.DAILY_PRICE, queries.recent_days_query(code), priority)
        return _chronological(rows(answer.get("output")))[-days:]

    async def daily_range(
        self, code: str, start: date, end: date, *, priority: Priority = Priority.INTERACTIVE
    ) -> list[DailyBar]:
        """Daily bars from start to end inclusive (adjusted), oldest first.

        KIS gives at most 100 rows a call, newest first, so the window's end moves back to the
        day before the oldest row until fewer than 100 come back or the start is reached.
        """
        code = normalize_code(code)
        if start > end:
            raise ValueError("start must not be after end")
        collected: dict[date, DailyBar] = {}
        window_end = end
        for _ in range(_MAX_CHART_WINDOWS):
            query = queries.chart_query(code, start, window_end)
            answer = await self._read(endpoints.PERIOD_CHART, query, priority)
            bars = _chronological(rows(answer.get("output2")))
            collected.update((bar.day, bar) for bar in bars if start <= bar.day <= end)
            if len(bars) < CHART_ROWS_PER_CALL or bars[0].day <= start:
                break
            window_end = bars[0].day - timedelta(days=1)
        return [collected[day] for day in sorted(collected)]

    # -- account --------------------------------------------------------------------------

    async def balance(self, *, priority: Priority = Priority.INTERACTIVE) -> Balance:
        """Holdings (quantity 0 left out) and the account summary, across all pages."""
        pages = await self._pages(endpoints.BALANCE, queries.balance_query(self._account), priority)
        holdings = [results.holding(row) for page in pages for row in rows(page.get("output1"))]
        summaries = [first_row(page.get("output2")) for page in pages]
        summary = next((row for row in reversed(summaries) if row), {})
        return Balance(
            holdings=tuple(h for h in holdings if h.quantity > 0),
            summary=results.balance_summary(summary),
            as_of=self._now(),
        )

    async def buying_power(
        self, code: str, price: int | None = None, *, priority: Priority = Priority.INTERACTIVE
    ) -> BuyingPower:
        """How much of `code` can be bought at `price` (None: at market)."""
        code = normalize_code(code)
        query = queries.buying_power_query(self._account, code, price)
        answer = await self._read(endpoints.BUYING_POWER, query, priority)
        return results.buying_power(code, price, first_row(answer.get("output")))

    async def todays_orders(
        self, *, priority: Priority = Priority.INTERACTIVE
    ) -> list[OrderRecord]:
        """Today's (KST) orders and what became of them, every page."""
        return await self._daily_executions(unfilled_only=False, priority=priority)

    async def open_orders(self, *, priority: Priority = Priority.INTERACTIVE) -> list[OpenOrder]:
        """Orders that can still be cancelled or modified.

        Mock has no open-order API, so there the unfilled rows of today's executions stand in.
        """
        if self.environment.is_mock:
            records = await self._daily_executions(unfilled_only=True, priority=priority)
            return [results.open_order_from_record(r) for r in records if r.remaining_quantity > 0]
        query = queries.open_orders_query(self._account)
        pages = await self._pages(endpoints.OPEN_ORDERS, query, priority)
        today = self._today()
        return [
            results.open_order(row, today) for page in pages for row in rows(page.get("output"))
        ]

    async def _daily_executions(
        self, *, unfilled_only: bool, priority: Priority
    ) -> list[OrderRecord]:
        query = queries.daily_executions_query(
            self._account, self._today(), self.environment, unfilled_only=unfilled_only
        )
        pages = await self._pages(endpoints.DAILY_EXECUTIONS, query, priority, max_pages=20)
        return [
            results.order_record(row)
            for page in pages
            for row in rows(page.get("output1"))
            if text(row, "odno")
        ]

    # -- orders ---------------------------------------------------------------------------

    async def place_order(
        self,
        side: Side,
        code: str,
        quantity: int,
        price: int | None = None,
        venue: Venue = Venue.KRX,
    ) -> OrderReceipt:
        """Send a cash order to a venue: `price` None is a market order. Never resent on a lost
        answer. Mock accounts take KRX only (KisNotSupportedInMock, nothing sent)."""
        code = normalize_code(code)
        _check_quantity(quantity)
        if price is not None:
            _check_price(price)
        elif not venue.takes_market_orders():
            raise ValueError(f"{venue} takes no market orders")
        endpoint = endpoints.BUY if side is Side.BUY else endpoints.SELL
        if venue is not Venue.KRX and self.environment.is_mock:
            raise _not_in_mock(endpoint, f"orders on {venue}")
        body = queries.cash_order_body(self._account, code, quantity, price, venue)
        logger.info(
            "sending a %s order for %s x%d to %s (%s)", side, code, quantity, venue,
            self.environment,
        )  # fmt: skip
        return await self._order(endpoint, body)

    async def cancel_order(
        self,
        order_no: str,
        org_no: str,
        quantity: int | None = None,
        venue: Venue | None = None,
    ) -> OrderReceipt:
        """Cancel the whole open remainder of an order, or `quantity` of it; `venue` is the
        order's, when known."""
        return await self._revise_or_cancel(
            order_no, org_no, price=None, quantity=quantity, venue=venue
        )

    async def modify_order(
        self,
        order_no: str,
        org_no: str,
        price: int,
        quantity: int | None = None,
        venue: Venue | None = None,
    ) -> OrderReceipt:
        """Change the price of an open limit order (정정), whole remainder by default."""
        _check_price(price)
        return await self._revise_or_cancel(
            order_no, org_no, price=price, quantity=quantity, venue=venue
        )

    async def _revise_or_cancel(
        self,
        order_no: str,
        org_no: str,
        *,
        price: int | None,
        quantity: int | None,
        venue: Venue | None,
    ) -> OrderReceipt:
        if quantity is not None:
            _check_quantity(quantity)
        body = queries.revise_cancel_body(
            self._account,
            order_no=_order_number(order_no),
            org_no=_order_number(org_no),
            price=price,
            quantity=quantity,
            venue=None if self.environment.is_mock else venue,  # mock: KRX, the default
        )
        return await self._order(endpoints.REVISE_CANCEL, body)

    async def _order(self, endpoint: Endpoint, body: dict[str, str]) -> OrderReceipt:
        answer = await self._gateway.call(self.credential, endpoint, body=body)
        full = answer.body or {}
        return results.order_receipt(first_row(full.get("output")), full, self._today())

    async def _read(
        self, endpoint: Endpoint, query: dict[str, str], priority: Priority
    ) -> dict[str, Any]:
        answer = await self._gateway.call(
            self.credential, endpoint, params=query, priority=priority
        )
        return answer.body or {}

    async def _pages(
        self, endpoint: Endpoint, query: dict[str, str], priority: Priority, max_pages: int = 10
    ) -> list[dict[str, Any]]:
        answers = await self._gateway.pages(
            self.credential, endpoint, query, max_pages=max_pages, priority=priority
        )
        return [answer.body or {} for answer in answers]

    # -- helpers --------------------------------------------------------------------------

    def _require_feed(self, endpoint: Endpoint, feed: PriceFeed) -> None:
        if feed is not PriceFeed.KRX and self.environment.is_mock:
            raise _not_in_mock(endpoint, f"{feed.name} prices")

    @property
    def _account(self) -> Account:
        return self.credential.account

    def _now(self) -> datetime:
        return self._clock.now().astimezone(KST)

    def _today(self) -> date:
        return self._now().date()


def _not_in_mock(endpoint: Endpoint, what: str) -> KisNotSupportedInMock:
    return KisNotSupportedInMock(
        f"{what}: not available for mock (모의투자) accounts",
        method=endpoint.method,
        path=endpoint.path,
        tr_id=endpoint.real_tr_id,
    )


def _chronological(raw_rows: list[Row]) -> list[DailyBar]:
    bars = [bar for bar in map(results.daily_bar, raw_rows) if bar is not None]
    return sorted(bars, key=lambda bar: bar.day)


def _check_quantity(quantity: int) -> None:
    if quantity < 1:
        raise ValueError("the quantity must be a whole number of shares, at least 1")


def _check_price(price: int) -> None:
    if price <= 0:
        raise ValueError("a limit price must be a positive number of won")


def _order_number(value: str) -> str:
    number = value.strip()
    if not number.isdigit():
        raise ValueError("an order number is digits only, such as 0000012345")
    return number
