"""The trading feature's plain data: intents, drafts, what a press came to, settled outcomes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from kisbot.kis import BuyingPower, Environment, OpenOrder, OrderRecord, Quote, Side
from kisbot.store.models import Confirmation

ORDER, CANCEL, MODIFY = "order", "cancel", "modify"
KINDS = (ORDER, CANCEL, MODIFY)


class Verdict(StrEnum):
    """What became of a press on 확인 or 취소."""

    SUBMITTED = "submitted"  # KIS took it: order_no
    FAILED = "failed"  # KIS refused it: msg_cd, msg1
    UNKNOWN = "unknown"  # sent, answer lost: reconcile later
    NOT_SENT = "not_sent"  # KIS could not be reached; nothing went out
    ENV_CHANGED = "env_changed"  # the user switched accounts since; nothing went out
    NOT_OPEN = "not_open"  # the order to cancel or modify is no longer open
    DECLINED = "declined"  # the owner pressed 취소
    NOT_YOURS = "not_yours"  # another user's press: nothing happens
    EXPIRED = "expired"
    CANCELLED = "cancelled"  # pressed after 취소
    DONE = "done"  # already confirmed (a second or concurrent press)
    MISSING = "missing"  # no such confirmation


# Presses that changed nothing: the answer is a short toast.
REFUSED = frozenset(
    {Verdict.NOT_YOURS, Verdict.EXPIRED, Verdict.CANCELLED, Verdict.DONE, Verdict.MISSING}
)


@dataclass(frozen=True, slots=True)
class Intent:
    """A confirmation row of this feature, as plain data."""

    id: str
    user_id: int
    kind: str
    state: str
    environment: Environment
    code: str
    quantity: int | None
    price: int | None  # None: market order (order) or whole remainder (cancel)
    side: Side | None = None
    target_order_no: str = ""
    chat_id: int | None = None
    message_id: int | None = None
    order_no: str = ""
    msg_cd: str = ""
    msg1: str = ""
    expires_at: datetime | None = None
    claimed_at: datetime | None = None

    @classmethod
    def from_row(cls, row: Confirmation) -> Intent:
        return cls(
            id=row.id,
            user_id=row.user_id,
            kind=row.kind,
            state=row.state,
            environment=Environment(row.environment or "mock"),
            code=row.code or "",
            quantity=row.quantity,
            price=row.price,
            side=Side(row.side) if row.side else None,
            target_order_no=row.target_order_no or "",
            chat_id=row.chat_id,
            message_id=row.message_id,
            order_no=row.kis_order_no or "",
            msg_cd=row.msg_cd or "",
            msg1=row.msg1 or "",
            expires_at=_aware(row.expires_at),
            claimed_at=_aware(row.claimed_at),
        )


@dataclass(frozen=True, slots=True)
class OrderDraft:
    """A pending buy or sell and what its summary shows."""

    intent: Intent
    name: str | None
    quote: Quote
    amount: int  # quantity x price; for a market order an estimate at the current price
    buying_power: BuyingPower | None  # buys only

    @property
    def is_market(self) -> bool:
        return self.intent.price is None

    @property
    def exceeds_buying_power(self) -> bool:
        power = self.buying_power
        return power is not None and (self.intent.quantity or 0) > power.max_quantity


@dataclass(frozen=True, slots=True)
class ChangeDraft:
    """A pending cancel or modify of an open order."""

    intent: Intent
    order: OpenOrder
    quantity: int  # shares it acts on
    whole: bool  # the whole open remainder


@dataclass(frozen=True, slots=True)
class Outcome:
    verdict: Verdict
    intent: Intent | None = None
    order_no: str = ""
    msg_cd: str = ""
    msg1: str = ""


@dataclass(frozen=True, slots=True)
class Expired:
    """A confirmation that expired unanswered (any kind; `intent` for this feature's)."""

    kind: str
    user_id: int
    chat_id: int | None
    message_id: int | None
    intent: Intent | None


@dataclass(frozen=True, slots=True)
class Settled:
    """An unknown intent that reconciliation settled: found (order_no) or not placed."""

    intent: Intent
    found: bool


@dataclass(frozen=True, slots=True)
class TodaysOrders:
    environment: Environment
    records: list[OrderRecord]
    settled: list[Settled]
    unsettled: list[Intent]  # still unknown: being checked


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)
