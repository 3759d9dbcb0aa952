"""The trading service: draft an order, a cancel or a modify; list today's orders; reconcile.

Drafting checks what it can before anything is confirmed (the stock, the price against a fresh
quote's tick size and daily limits, buying power, that the order to change is open) and creates
a pending intent in the confirmation engine. The engine runs `submit` on the owner's 확인,
exactly once.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal

from kisbot.accounts import Accounts
from kisbot.clock import Clock
from kisbot.confirmations import Confirmations, Executed, Intent, IntentState
from kisbot.kis import (
    KisClient,
    KisError,
    OpenOrder,
    OrderRecord,
    PriceFeed,
    PriceProblem,
    Quote,
    Side,
    Venue,
    nearest_valid_prices,
)
from kisbot.kis.overseas import OverseasOrderRecord
from kisbot.kis.overseas import price_text as plain_price
from kisbot.market_hours import KrxCalendar
from kisbot.orders.lines import order_lines
from kisbot.orders.models import (
    CANCEL,
    KINDS,
    MODIFY,
    ORDER,
    ChangeDraft,
    OrderChoices,
    OrderDraft,
    OverseasChangeDraft,
    OverseasOrderDraft,
    Settled,
    TodaysOrders,
)
from kisbot.orders.parsing import (
    parse_limit,
    parse_order_no,
    parse_quantity,
    same_order_no,
    whole_won,
)
from kisbot.orders.reconcile import Reconciler
from kisbot.orders.submit import find_open_order, find_overseas_order, submit
from kisbot.orders.venues import choose_venue, split_venue
from kisbot.overseas_hours import OverseasHours
from kisbot.problems import Problem
from kisbot.securities import Choices, Securities, Security, overseas_key

_QUOTE_PLACES = {"JPY": 1, "VND": 0}  # decimals of an order price by currency (others: 2)
DAYTIME = "daytime"  # order_type of an order into the US daytime session
ABROAD_LOOKBACK = timedelta(days=3)  # a US order stays listed for two local days


class Orders:
    """Orders, cancels and modifies in two steps, over the user's KIS client."""

    def __init__(
        self,
        accounts: Accounts,
        securities: Securities,
        confirmations: Confirmations,
        reconciler: Reconciler,
        calendar: KrxCalendar,
        clock: Clock,
        overseas_hours: OverseasHours | None = None,
    ) -> None:
        self._accounts = accounts
        self._securities = securities
        self._confirmations = confirmations
        self._reconciler = reconciler
        self._calendar = calendar
        self._clock = clock
        self._overseas_hours = overseas_hours
        for kind in KINDS:
            confirmations.register(kind, self._submit)

    # -- drafting -----------------------------------------------------------------------------

    async def draft_order(
        self, user_id: int, chat_id: int, side: Side, words: Sequence[str]
    ) -> OrderDraft | OrderChoices:
        """`/buy|/sell CODE|NAME QTY [PRICE] [krx|nxt|sor]`: a pending order, or the stocks NAME
        may mean.

        A name may have spaces, so two readings are tried: the last two words as QTY PRICE,
        then the last word as QTY (a market order); the first that parses and resolves wins.
        """
        words, venue = split_venue(words)
        if len(words) < 2:
            raise Problem("trading.usage_order", command=side.value)
        readings = [(words[:-2], words[-2], words[-1])] if len(words) >= 3 else []
        readings.append((words[:-1], words[-1], None))
        first: Problem | None = None
        for stock_words, quantity_text, price_text in readings:
            try:
                quantity = parse_quantity(quantity_text)
                price = parse_limit(price_text) if price_text is not None else None
                found = await self._securities.resolve(" ".join(stock_words))
            except Problem as problem:
                first = first or problem
                continue
            if isinstance(found, Choices):
                return OrderChoices(found, side, quantity, price, venue)
            return await self.draft_order_of(
                user_id, chat_id, side, found.key, quantity, price, found.name, venue
            )
        assert first is not None
        raise first

    async def draft_order_of(
        self,
        user_id: int,
        chat_id: int,
        side: Side,
        code: str,
        quantity: int,
        price: Decimal | int | None,
        name: str | None = None,
        venue: Venue | None = None,
    ) -> OrderDraft | OverseasOrderDraft:
        """Choose the venue, check the order against a fresh quote of it, then create the
        pending intent (abroad: see `_draft_overseas`)."""
        abroad = overseas_key(code)
        if abroad is not None:
            if venue is not None:
                raise Problem("trading.overseas_venue", venue=venue.value.lower())
            return await self._draft_overseas(user_id, chat_id, side, abroad, quantity, price)
        price = whole_won(price, str(price))
        client = await self._accounts.client(user_id)
        choice = choose_venue(self._calendar, client.environment, venue, market=price is None)
        feed = PriceFeed.NXT if choice.venue is Venue.NXT else PriceFeed.KRX
        quote = await client.quote(code, feed=feed)
        if price is not None:
            _check_price(quote, price)
        power = await client.buying_power(code, price) if side is Side.BUY else None
        intent = await self._confirmations.create(
            user_id, chat_id, ORDER, environment=client.environment.value, side=side.value,
            code=code, quantity=quantity, price=price,
            order_type="limit" if price is not None else "market", venue=choice.venue.value,
        )  # fmt: skip
        amount = quantity * (price if price is not None else quote.price)
        name = quote.name or name or await self._securities.name(code)
        return OrderDraft(intent, name, quote, amount, power, choice.reason)

    async def _draft_overseas(
        self,
        user_id: int,
        chat_id: int,
        side: Side,
        found: Security,
        quantity: int,
        price: Decimal | int | None,
    ) -> OverseasOrderDraft:
        """A limit order abroad, checked against a fresh quote: KIS has no market order there,
        so none is drafted; the price must fit the exchange's decimals, the quantity its lot."""
        security = await self._securities.security(found.key)
        market = security.exchange
        assert market is not None
        client = await self._accounts.client(user_id)
        quote = await client.overseas.quote(market, security.code)
        if quote is None:
            raise Problem("quotes.overseas_unknown", code=security.shown_code)
        if price is None:
            example = f"/{side.value} {security.shown_code} {quantity} {plain_price(quote.price)}"
            raise Problem("trading.overseas_market", code=security.shown_code, example=example)
        limit = Decimal(price)
        _check_overseas_price(security, limit)
        lot = await self._securities.lot(security)
        if quantity % lot:
            raise Problem("trading.overseas_lot", code=security.shown_code, lot=f"{lot:,}")
        rate: Decimal | None = None
        with contextlib.suppress(KisError):  # the won estimate is a nicety (none on mock)
            rate = await client.overseas.krw_rate(market, security.code)
        daytime = self._daytime(client, security)
        intent = await self._confirmations.create(
            user_id, chat_id, ORDER, environment=client.environment.value, side=side.value,
            code=security.key, quantity=quantity, unit_price=limit,
            order_type=DAYTIME if daytime else "limit",
        )  # fmt: skip
        hours = self._overseas_hours
        trading = daytime or (hours.is_open(market) if hours is not None else False)
        return OverseasOrderDraft(intent, security, quote, limit * quantity, rate, trading)

    def _daytime(self, client: KisClient, security: Security) -> bool:
        """Whether an order on this US stock goes to KIS's daytime session now: real accounts
        only (mock has no daytime API), in its hours (kisbot.overseas_hours)."""
        market, hours = security.exchange, self._overseas_hours
        return (
            market is not None
            and market.is_us
            and not client.environment.is_mock
            and hours is not None
            and hours.us_daytime()
        )

    async def draft_cancel(self, user_id: int, chat_id: int, words: Sequence[str]) -> ChangeDraft:
        """`/cancel ORDER_NO [QTY]`: a pending cancel of the open remainder (or QTY of it)."""
        if not 1 <= len(words) <= 2:
            raise Problem("trading.usage_cancel")
        order_no = parse_order_no(words[0])
        quantity = parse_quantity(words[1]) if len(words) == 2 else None
        return await self.draft_cancel_of(user_id, chat_id, order_no, quantity)

    async def draft_cancel_of(
        self, user_id: int, chat_id: int, order_no: str, quantity: int | None = None
    ) -> ChangeDraft | OverseasChangeDraft:
        """A pending cancel of this order's open remainder (or `quantity` of it)."""
        client, order = await self._open_order(user_id, order_no)
        if isinstance(order, OverseasOrderRecord):
            return await self._draft_overseas_change(
                user_id, chat_id, client, order, CANCEL, quantity=quantity
            )
        if quantity is not None and quantity > order.cancellable_quantity:
            raise Problem(
                "trading.cancel_too_many", order_no=order.order_no,
                open=f"{order.cancellable_quantity:,}", asked=f"{quantity:,}",
            )  # fmt: skip
        whole = quantity is None or quantity == order.cancellable_quantity
        intent = await self._confirmations.create(
            user_id, chat_id, CANCEL, environment=client.environment.value,
            side=_side_value(order), code=order.code, quantity=None if whole else quantity,
            target_order_no=order.order_no,
        )  # fmt: skip
        acted = order.cancellable_quantity if whole else quantity or 0
        return ChangeDraft(intent, order, acted, whole)

    async def draft_modify(
        self, user_id: int, chat_id: int, words: Sequence[str]
    ) -> ChangeDraft | OverseasChangeDraft:
        """`/modify ORDER_NO PRICE`: a pending 정정 of an open limit order's price."""
        if len(words) != 2:
            raise Problem("trading.usage_modify")
        order_no = parse_order_no(words[0])
        limit = parse_limit(words[1])
        if limit is None:
            raise Problem("trading.usage_modify")
        client, order = await self._open_order(user_id, order_no)
        if isinstance(order, OverseasOrderRecord):
            return await self._draft_overseas_change(
                user_id, chat_id, client, order, MODIFY, price=limit
            )
        price = whole_won(limit, words[1])
        assert price is not None
        if order.price <= 0:
            raise Problem("trading.modify_market", order_no=order.order_no)
        if price == order.price:
            raise Problem("trading.modify_same", order_no=order.order_no, price=f"{price:,}")
        _check_price(await client.quote(order.code), price)
        intent = await self._confirmations.create(
            user_id, chat_id, MODIFY, environment=client.environment.value,
            side=_side_value(order), code=order.code, price=price,
            target_order_no=order.order_no,
        )  # fmt: skip
        return ChangeDraft(intent, order, order.cancellable_quantity, True)

    # -- today ----------------------------------------------------------------------------------

    async def todays_orders(self, user_id: int) -> TodaysOrders:
        """Today's orders of the active account, after settling what can be settled."""
        client = await self._accounts.client(user_id)
        records = await client.todays_orders()
        abroad = (
            tuple(await client.overseas.recent_orders())
            if await self._trades_abroad(user_id)
            else ()
        )
        unknown = [
            i
            for i in await self._reconciler.unknown(user_id)
            if i.environment is client.environment
        ]
        settled = (
            await self._reconciler.settle(user_id, unknown, records, abroad) if unknown else []
        )
        settled_ids = {s.intent.id for s in settled}
        left = [i for i in unknown if i.id not in settled_ids]
        return TodaysOrders(client.environment, order_lines(records), settled, left, abroad)

    # -- settling lost answers --------------------------------------------------------------

    async def reconcile(self, intent_id: str) -> tuple[list[Settled], bool]:
        """Check one lost answer against today's orders: what settled, and whether it is still
        unknown (worth checking again later)."""
        settled = await self._reconciler.reconcile(intent_id=intent_id)
        intent = await self._confirmations.get(intent_id)
        return settled, intent is not None and intent.state is IntentState.UNKNOWN

    async def reconcile_leftovers(self) -> list[Settled]:
        """Settle every unknown outcome, including submissions a dead process was cut off in."""
        await self._reconciler.recover_cut_off()
        return await self._reconciler.reconcile()

    # -- helpers ----------------------------------------------------------------------------

    async def _submit(self, intent: Intent) -> Executed:
        try:
            client: KisClient | None = await self._accounts.client(intent.user_id)
        except Problem:  # no key any more
            client = None
        return await submit(client, intent)

    async def _open_order(
        self, user_id: int, order_no: str
    ) -> tuple[KisClient, OpenOrder | OverseasOrderRecord]:
        """The open order with this number: KRX's first, then abroad (when the user has placed
        orders abroad lately: it costs a call)."""
        client = await self._accounts.client(user_id)
        order = find_open_order(await client.open_orders(), order_no)
        if order is not None:
            return client, order
        record = _find_record(await client.todays_orders(), order_no)
        if record is None and await self._trades_abroad(user_id):
            abroad = find_overseas_order(await client.overseas.recent_orders(), order_no)
            if abroad is not None and abroad.remaining_quantity > 0:
                return client, abroad
            if abroad is not None:
                raise Problem(f"trading.not_open_{abroad.state.value}", order_no=abroad.order_no)
        if record is None:
            raise Problem("trading.order_not_found", order_no=order_no)
        raise Problem(f"trading.not_open_{record.state.value}", order_no=record.order_no)

    async def _trades_abroad(self, user_id: int) -> bool:
        """Whether the user sent an order abroad in the last few days (so /orders, /cancel and
        /modify also read the overseas order list)."""
        since = self._clock.now() - ABROAD_LOOKBACK
        intents = await self._confirmations.submitted_since((ORDER,), since, user_id=user_id)
        unknown = await self._reconciler.unknown(user_id)
        return any(overseas_key(i.code) is not None for i in [*intents, *unknown])

    async def _draft_overseas_change(
        self,
        user_id: int,
        chat_id: int,
        client: KisClient,
        order: OverseasOrderRecord,
        kind: str,
        *,
        quantity: int | None = None,
        price: Decimal | None = None,
    ) -> OverseasChangeDraft:
        market = order.exchange
        if market is None or not market.is_us:
            # KIS's revise/cancel TR IDs for the other exchanges disagree between its own
            # samples (kis-api §13.5): kisbot does not guess.
            raise Problem("trading.overseas_change_us_only", order_no=order.order_no)
        security = await self._securities.security(overseas_security(order).key)
        if quantity is not None and quantity > order.remaining_quantity:
            raise Problem(
                "trading.cancel_too_many", order_no=order.order_no,
                open=f"{order.remaining_quantity:,}", asked=f"{quantity:,}",
            )  # fmt: skip
        if price is not None:
            if price == order.price:
                raise Problem(
                    "trading.modify_same", order_no=order.order_no, price=plain_price(price)
                )
            _check_overseas_price(security, price)
        whole = quantity is None or quantity == order.remaining_quantity
        intent = await self._confirmations.create(
            user_id, chat_id, kind, environment=client.environment.value,
            side=order.side.value if order.side else None, code=security.key,
            quantity=None if whole else quantity, unit_price=price,
            target_order_no=order.order_no,
            order_type=DAYTIME if self._daytime(client, security) else None,
        )  # fmt: skip
        acted = order.remaining_quantity if whole else quantity or 0
        return OverseasChangeDraft(intent, order, security, acted, whole)


def overseas_security(record: OverseasOrderRecord) -> Security:
    """The security an overseas order line is about (unnamed)."""
    return Security(record.symbol, None, record.exchange)


def _check_overseas_price(security: Security, price: Decimal) -> None:
    """US prices go in cents from $1 up and to four decimals below (market convention; KIS's
    own rule UNCONFIRMED); other exchanges in the decimals they quote."""
    market = security.exchange
    assert market is not None
    places = (2 if price >= 1 else 4) if market.is_us else _QUOTE_PLACES.get(market.currency, 2)
    if price != price.quantize(Decimal(1).scaleb(-places)):
        raise Problem("trading.overseas_tick", price=plain_price(price), places=places)


def _check_price(quote: Quote, price: int) -> None:
    problem = quote.price_problem(price)
    if problem is None:
        return
    if problem is PriceProblem.OFF_TICK:
        below, above = nearest_valid_prices(price, quote.tick_size)
        raise Problem(
            "trading.off_tick", price=f"{price:,}", tick=f"{quote.tick_size:,}",
            below=f"{below:,}", above=f"{above:,}",
        )  # fmt: skip
    raise Problem(
        f"trading.{problem.value}", price=f"{price:,}",
        upper=f"{quote.upper_limit:,}", lower=f"{quote.lower_limit:,}",
    )  # fmt: skip


def _find_record(records: Sequence[OrderRecord], order_no: str) -> OrderRecord | None:
    return next((r for r in records if same_order_no(r.order_no, order_no)), None)


def _side_value(order: OpenOrder) -> str | None:
    return order.side.value if order.side else None
