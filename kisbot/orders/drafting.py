"""Drafting an order, a cancel or a modify: check it against KIS, then create the pending intent."""

from __future__ import annotations

from collections.abc import Sequence

from kisbot.kis import (
    Credential,
    OpenOrder,
    OrderRecord,
    PriceProblem,
    Quote,
    Side,
    is_stock_code,
    nearest_valid_prices,
)
from kisbot.orders.base import OrdersBase
from kisbot.orders.models import CANCEL, MODIFY, ORDER, ChangeDraft, Intent, OrderDraft
from kisbot.orders.parsing import same_order_no
from kisbot.problems import Problem
from kisbot.store.models import Confirmation


class Drafting(OrdersBase):
    """The first step: what the user asked for, checked, as a pending intent with a summary."""

    async def resolve(self, text: str) -> tuple[str, str | None]:
        """(code, name) for a code or an exact Korean name; Problem otherwise."""
        directory = await self._services.symbols.get()
        upper = text.strip().upper()
        if upper.isdigit() and len(upper) != 6:
            raise Problem("trading.bad_code", text=text)
        if is_stock_code(upper):
            symbol = directory.by_code(upper)
            return upper, symbol.name if symbol else None
        if not directory.available:
            raise Problem("trading.names_unavailable", text=text)
        match = directory.lookup(text)
        if match.exact is not None:
            return match.exact.code, match.exact.name
        if not match.candidates:
            raise Problem("trading.unknown_name", text=text)
        choices = ", ".join(f"{s.name}({s.code})" for s in match.candidates[:5])
        raise Problem("trading.ambiguous_name", text=text, choices=choices)

    async def draft_order(
        self,
        user_id: int,
        chat_id: int,
        side: Side,
        code: str,
        quantity: int,
        price: int | None,
        name: str | None = None,
    ) -> OrderDraft:
        """Check the price against a fresh quote, then create the pending intent."""
        credential = await self._accounts.active_credential(user_id)
        client = self._services.kis.client(credential)
        quote = await client.quote(code)
        if price is not None:
            _check_price(quote, price)
        power = await client.buying_power(code, price) if side is Side.BUY else None
        row = await self._create(
            user_id, chat_id, ORDER, credential,
            side=side.value, code=code, quantity=quantity, price=price,
            order_type="limit" if price is not None else "market",
        )  # fmt: skip
        amount = quantity * (price if price is not None else quote.price)
        return OrderDraft(Intent.from_row(row), name, quote, amount, power)

    async def draft_cancel(
        self, user_id: int, chat_id: int, order_no: str, quantity: int | None = None
    ) -> ChangeDraft:
        """A pending cancel of the open remainder (or `quantity` of it)."""
        credential, order = await self._open_order(user_id, order_no)
        if quantity is not None and quantity > order.cancellable_quantity:
            raise Problem(
                "trading.cancel_too_many", order_no=order.order_no,
                open=f"{order.cancellable_quantity:,}", asked=f"{quantity:,}",
            )  # fmt: skip
        whole = quantity is None or quantity == order.cancellable_quantity
        row = await self._create(
            user_id, chat_id, CANCEL, credential, side=_side_value(order), code=order.code,
            quantity=None if whole else quantity, target_order_no=order.order_no,
        )  # fmt: skip
        acted = order.cancellable_quantity if whole else quantity or 0
        return ChangeDraft(Intent.from_row(row), order, acted, whole)

    async def draft_modify(
        self, user_id: int, chat_id: int, order_no: str, price: int
    ) -> ChangeDraft:
        """A pending 정정 of an open limit order's price (whole remainder)."""
        credential, order = await self._open_order(user_id, order_no)
        if order.price <= 0:
            raise Problem("trading.modify_market", order_no=order.order_no)
        if price == order.price:
            raise Problem("trading.modify_same", order_no=order.order_no, price=f"{price:,}")
        quote = await self._services.kis.client(credential).quote(order.code)
        _check_price(quote, price)
        row = await self._create(
            user_id, chat_id, MODIFY, credential, side=_side_value(order), code=order.code,
            price=price, target_order_no=order.order_no,
        )  # fmt: skip
        return ChangeDraft(Intent.from_row(row), order, order.cancellable_quantity, True)

    async def attach_message(self, intent_id: str, chat_id: int, message_id: int) -> None:
        await self._repo.set_message(intent_id, chat_id, message_id)

    async def _create(
        self, user_id: int, chat_id: int, kind: str, credential: Credential, **params: object
    ) -> Confirmation:
        return await self._repo.create(
            user_id,
            kind,
            ttl=self._services.settings.confirm_ttl,
            environment=credential.environment.value,
            chat_id=chat_id,
            **params,
        )

    async def _open_order(self, user_id: int, order_no: str) -> tuple[Credential, OpenOrder]:
        credential = await self._accounts.active_credential(user_id)
        client = self._services.kis.client(credential)
        order = find_open_order(await client.open_orders(), order_no)
        if order is not None:
            return credential, order
        record = _find_record(await client.todays_orders(), order_no)
        if record is None:
            raise Problem("trading.order_not_found", order_no=order_no)
        raise Problem(f"trading.not_open_{record.state.value}", order_no=record.order_no)


def find_open_order(orders: Sequence[OpenOrder], order_no: str) -> OpenOrder | None:
    """The open order with this number (leading zeros or not), if any."""
    return next((o for o in orders if same_order_no(o.order_no, order_no)), None)


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
