"""The one codec for button data: typed callbacks in, at most 64 bytes out, and back.

Every inline button carries one of the dataclasses below, encoded as
`<version>:<tag>:<field>:…` (`1:c:<intent id>:y`). `decode` gives the dataclass back, or None for
anything it cannot trust — an unknown version or tag, a wrong field count, a field out of range
— so a forged or stale press is answered with a short refusal and never reaches a feature.
Buttons on messages sent before this format (e.g. `px:r:005930`) still decode.
"""

from __future__ import annotations

import re
from dataclasses import astuple, dataclass
from decimal import Decimal
from typing import ClassVar, Self

from kisbot.alerts import rules
from kisbot.alerts.rules import MAX_ALERT_NUMBER, AlertKind, AlertRequest
from kisbot.kis import Side, Venue
from kisbot.market import MAX_DAYS
from kisbot.orders import MAX_PRICE, MAX_QUANTITY
from kisbot.problems import Problem
from kisbot.securities import is_security_key

VERSION = "1"
MAX_BYTES = 64  # Telegram refuses longer callback_data (BUTTON_DATA_INVALID)
_INTENT_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")
_ORDER_NO = re.compile(r"[0-9]{1,20}")
_MARKET = "m"
_SIDES = {"b": Side.BUY, "s": Side.SELL}
_KINDS = {"a": AlertKind.ABOVE, "b": AlertKind.BELOW, "p": AlertKind.PERCENT}


class Callback:
    """A button's meaning; subclasses are frozen dataclasses with a unique TAG."""

    TAG: ClassVar[str]

    def fields(self) -> list[str]:
        return [str(value) for value in astuple(self)]  # type: ignore[call-overload]

    @classmethod
    def parse(cls, fields: list[str]) -> Self:
        """The callback these fields describe; ValueError for anything malformed."""
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class Confirm(Callback):
    """확인 (accept) or 취소 (decline) on a confirmation."""

    TAG: ClassVar[str] = "c"
    intent_id: str
    accept: bool

    def fields(self) -> list[str]:
        return [self.intent_id, "y" if self.accept else "n"]

    @classmethod
    def parse(cls, fields: list[str]) -> Self:
        intent_id, answer = _exactly(fields, 2)
        if answer not in ("y", "n"):
            raise ValueError("answer")
        return cls(_intent_id(intent_id), answer == "y")


@dataclass(frozen=True, slots=True)
class _OfOneStock(Callback):
    """A button that carries one stock code and nothing else."""

    code: str

    @classmethod
    def parse(cls, fields: list[str]) -> Self:
        return cls(_code(*_exactly(fields, 1)))


@dataclass(frozen=True, slots=True)
class PriceRefresh(_OfOneStock):
    TAG: ClassVar[str] = "pr"


@dataclass(frozen=True, slots=True)
class PricePick(_OfOneStock):
    """A stock picked from the choices of /price."""

    TAG: ClassVar[str] = "pp"


@dataclass(frozen=True, slots=True)
class DailyPick(Callback):
    """A stock picked from the choices of /daily, with the days asked for."""

    TAG: ClassVar[str] = "dp"
    code: str
    days: int

    @classmethod
    def parse(cls, fields: list[str]) -> Self:
        code, days = _exactly(fields, 2)
        return cls(_code(code), _bounded(days, 1, MAX_DAYS))


@dataclass(frozen=True, slots=True)
class OrderPick(Callback):
    """A stock picked from the choices of /buy or /sell, with the order as typed."""

    TAG: ClassVar[str] = "op"
    side: Side
    code: str
    quantity: int
    price: Decimal | int | None  # None: market order; decimals for a stock abroad
    venue: Venue | None = None  # as typed; None: the one that trades when picked

    def fields(self) -> list[str]:
        side = next(word for word, side in _SIDES.items() if side is self.side)
        price = _MARKET if self.price is None else str(self.price)
        venue = [self.venue.value] if self.venue is not None else []
        return [side, self.code, str(self.quantity), price, *venue]

    @classmethod
    def parse(cls, fields: list[str]) -> Self:
        # Buttons from before venues have four fields.
        side, code, quantity, price = _exactly(fields[:4], 4)
        venue = Venue(fields[4]) if len(fields) == 5 else None
        if side not in _SIDES or len(fields) > 5:
            raise ValueError("side")
        limit = None if price == _MARKET else _limit(price)
        return cls(_SIDES[side], _code(code), _bounded(quantity, 1, MAX_QUANTITY), limit, venue)


@dataclass(frozen=True, slots=True)
class CancelOrder(Callback):
    """Start cancelling an order listed by /orders."""

    TAG: ClassVar[str] = "cx"
    order_no: str

    @classmethod
    def parse(cls, fields: list[str]) -> Self:
        (order_no,) = _exactly(fields, 1)
        if not _ORDER_NO.fullmatch(order_no) or not order_no.strip("0"):
            raise ValueError("order_no")
        return cls(order_no)


@dataclass(frozen=True, slots=True)
class AlertPick(Callback):
    """A stock picked from the choices of /alert, with the condition as typed."""

    TAG: ClassVar[str] = "ap"
    code: str
    request: AlertRequest

    def fields(self) -> list[str]:
        kind = next(word for word, kind in _KINDS.items() if kind is self.request.kind)
        value = self.request.threshold
        threshold = f"{value:+}%" if kind == "p" else str(value)
        return [self.code, kind, threshold, "r" if self.request.repeat else "1"]

    @classmethod
    def parse(cls, fields: list[str]) -> Self:
        code, kind, threshold, repeat = _exactly(fields, 4)
        if kind not in _KINDS or repeat not in ("r", "1"):
            raise ValueError("kind")
        try:  # the same checks as a typed condition
            value: Decimal = (
                rules.parse_percent(threshold) if kind == "p" else rules.parse_price(threshold)
            )
        except Problem:
            raise ValueError("threshold") from None
        request = AlertRequest(code, _KINDS[kind], value, repeat == "r")
        return cls(_code(code), request)


@dataclass(frozen=True, slots=True)
class AlertRemove(Callback):
    TAG: ClassVar[str] = "ar"
    number: int

    @classmethod
    def parse(cls, fields: list[str]) -> Self:
        return cls(_bounded(*_exactly(fields, 1), 1, MAX_ALERT_NUMBER))


@dataclass(frozen=True, slots=True)
class AlertPrice(_OfOneStock):
    """The price now, from a fired alert's message."""

    TAG: ClassVar[str] = "aq"


CALLBACK_TYPES: dict[str, type[Callback]] = {
    kind.TAG: kind
    for kind in (
        Confirm, PriceRefresh, PricePick, DailyPick, OrderPick, CancelOrder, AlertPick,
        AlertRemove, AlertPrice,
    )
}  # fmt: skip


def encode(callback: Callback) -> str:
    """The callback data for a button; ValueError if it would not fit Telegram's 64 bytes."""
    data = ":".join([VERSION, callback.TAG, *callback.fields()])
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data over {MAX_BYTES} bytes: {callback.TAG}")
    return data


def decode(data: str | None) -> Callback | None:
    """What a pressed button means, or None when its data cannot be trusted."""
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    version, _, rest = data.partition(":")
    try:
        if version == VERSION:
            tag, _, body = rest.partition(":")
            kind = CALLBACK_TYPES.get(tag)
            return kind.parse(body.split(":")) if kind is not None else None
        return _legacy(data.split(":"))
    except ValueError:
        return None


def _legacy(parts: list[str]) -> Callback | None:
    """Buttons sent before the versioned format, still on users' screens."""
    match parts:
        case ["px", "r", code]:
            return PriceRefresh.parse([code])
        case ["px", "pick", code]:
            return PricePick.parse([code])
        case ["dy", "pick", code, days]:
            return DailyPick.parse([code, days])
        case ["ord" | "acct", ("ok" | "no") as answer, intent_id]:
            return Confirm.parse([intent_id, "y" if answer == "ok" else "n"])
        case ["ord", "cx", order_no]:
            return CancelOrder.parse([order_no])
        case ["al", "rm", number]:
            return AlertRemove.parse([number])
        case ["al", "px", code]:
            return AlertPrice.parse([code])
    return None


def _exactly(fields: list[str], count: int) -> list[str]:
    if len(fields) != count:
        raise ValueError("field count")
    return fields


def _code(text: str) -> str:
    if not is_security_key(text):
        raise ValueError("code")
    return text


def _intent_id(text: str) -> str:
    if not _INTENT_ID.fullmatch(text):
        raise ValueError("intent id")
    return text


def _limit(text: str) -> Decimal | int:
    """A limit price: whole won, or up to four decimals (a price abroad)."""
    whole, dot, fraction = text.partition(".")
    if not dot:
        return _bounded(whole, 1, MAX_PRICE)
    if not (fraction.isascii() and fraction.isdigit()) or len(fraction) > 4:
        raise ValueError("price")
    value = Decimal(f"{_bounded(whole, 0, MAX_PRICE)}.{fraction}")
    if not 0 < value <= MAX_PRICE:
        raise ValueError("range")
    return value


def _bounded(text: str, low: int, high: int) -> int:
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(high)):
        raise ValueError("number")
    value = int(text)
    if not low <= value <= high:
        raise ValueError("range")
    return value
