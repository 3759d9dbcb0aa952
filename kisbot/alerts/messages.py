"""What a fired alert tells the user, as plain data kept in the outbox.

The outbox stores this as JSON and the bot renders it in the user's language when it delivers,
so the message follows a /lang change made between firing and delivery.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from kisbot.clock import KST
from kisbot.kis.models import PriceFeed


@dataclass(frozen=True, slots=True)
class FiredAlert:
    """One alert that fired: which, on what price, and when."""

    number: int
    code: str
    name: str | None
    kind: str
    threshold: Decimal
    price: int | Decimal  # won, or the currency's units for a stock abroad
    prev_close: int | Decimal
    repeat: bool
    fired_at: datetime
    feed: PriceFeed | None = PriceFeed.KRX  # whose price it saw: KRX, NXT, combined; None abroad

    @property
    def change_rate(self) -> Decimal | None:
        """The move from the previous close in percent, or None without a previous close."""
        if self.prev_close <= 0:
            return None
        return (Decimal(self.price - self.prev_close) * 100 / Decimal(self.prev_close)).quantize(
            Decimal("0.01")
        )

    def to_json(self) -> str:
        return json.dumps(
            {
                "v": 1,
                "number": self.number,
                "code": self.code,
                "name": self.name,
                "kind": self.kind,
                "threshold": str(self.threshold),
                "price": str(self.price),  # exact: a price abroad has decimals
                "prev_close": str(self.prev_close),
                "repeat": self.repeat,
                "fired_at": self.fired_at.isoformat(),
                "feed": self.feed.value if self.feed is not None else None,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> FiredAlert:
        data = json.loads(text)
        return cls(
            number=int(data["number"]),
            code=str(data["code"]),
            name=data.get("name"),
            kind=str(data["kind"]),
            threshold=Decimal(data["threshold"]),
            price=_number(data["price"]),
            prev_close=_number(data["prev_close"]),
            repeat=bool(data.get("repeat", False)),
            fired_at=datetime.fromisoformat(data["fired_at"]),
            feed=_feed(data.get("feed", PriceFeed.KRX.value)),  # older payloads: KRX
        )

    def plain_text(self) -> str:
        """A language-neutral line kept beside the payload (logs, a last-resort fallback)."""
        condition = f"{self.threshold:+}%" if self.kind == "percent" else f"{self.threshold:,}"
        when = self.fired_at.astimezone(KST).strftime("%Y-%m-%d %H:%M:%S KST")
        source = self.feed.name if self.feed is not None else "abroad"
        return (
            f"#{self.number} {self.code} {self.kind} {condition}: {self.price:,} "
            f"({source}) at {when}"
        )


def _number(value: object) -> int | Decimal:
    """A price from the payload: whole won as int (older payloads held ints), else Decimal."""
    number = Decimal(str(value))
    return int(number) if number == number.to_integral_value() and "." not in str(value) else number


def _feed(value: object) -> PriceFeed | None:
    return PriceFeed(value) if value is not None else None
