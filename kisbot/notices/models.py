"""What an order notice tells the user, as plain data kept in the outbox (JSON).

Like a fired alert, it is rendered in the user's language when it is delivered.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from kisbot.clock import KST
from kisbot.kis import Environment, Side
from kisbot.kis.realtime import NoticeKind


class Progress(StrEnum):
    """How far an order has got, as its confirmation message shows it."""

    ACCEPTED = "accepted"  # 접수
    PARTIAL = "partial"  # 부분체결 n/N
    FILLED = "filled"  # 체결완료
    REJECTED = "rejected"  # 거부
    CANCELLED = "cancelled"  # 취소됨 (the remainder, after any fills)
    MODIFIED = "modified"  # 정정됨: the order lives on under a new number


# Nothing more happens to an order in these; its notices stop, and polling stops watching it.
FINAL = (Progress.FILLED, Progress.REJECTED, Progress.CANCELLED, Progress.MODIFIED)


@dataclass(frozen=True, slots=True)
class OrderNotice:
    """One thing KIS reported about one order of the user's."""

    kind: NoticeKind
    progress: Progress
    environment: Environment
    order_no: str  # the order it is about (for a cancel or modify: the order acted on)
    code: str
    name: str
    side: Side | None
    quantity: int  # FILLED: filled so far (cumulative); otherwise the quantity concerned
    order_quantity: int
    price: Decimal  # FILLED: average fill price; otherwise the order price (0: market)
    at: datetime
    intent_id: str | None = None  # the confirmation kisbot submitted it from, if any

    def to_json(self) -> str:
        return json.dumps(
            {
                "type": "notice",
                "v": 1,
                "kind": self.kind.value,
                "progress": self.progress.value,
                "environment": self.environment.value,
                "order_no": self.order_no,
                "code": self.code,
                "name": self.name,
                "side": self.side.value if self.side else None,
                "quantity": self.quantity,
                "order_quantity": self.order_quantity,
                "price": str(self.price),
                "at": self.at.isoformat(),
                "intent_id": self.intent_id,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> OrderNotice:
        data = json.loads(text)
        return cls(
            kind=NoticeKind(data["kind"]),
            progress=Progress(data["progress"]),
            environment=Environment(data["environment"]),
            order_no=str(data["order_no"]),
            code=str(data["code"]),
            name=str(data.get("name") or ""),
            side=Side(data["side"]) if data.get("side") else None,
            quantity=int(data["quantity"]),
            order_quantity=int(data["order_quantity"]),
            price=Decimal(data["price"]),
            at=datetime.fromisoformat(data["at"]),
            intent_id=data.get("intent_id"),
        )

    def plain_text(self) -> str:
        """A language-neutral line kept beside the payload (logs, a last-resort fallback)."""
        side = self.side.value if self.side else ""
        when = self.at.astimezone(KST).strftime("%H:%M:%S")
        return (
            f"{self.kind.value} {side} {self.code} {self.quantity}/{self.order_quantity} "
            f"@ {self.price} #{self.order_no} {when}"
        )


def is_notice_payload(payload: str) -> bool:
    """Whether an outbox payload holds an OrderNotice (the others are fired alerts)."""
    try:
        data = json.loads(payload)
    except ValueError:
        return False
    return isinstance(data, dict) and data.get("type") == "notice"
