"""What KIS's WebSocket tells: ticks (H0STCNT0) and order notices (H0STCNI0/H0STCNI9), typed.

Plain values only (int won, Decimal rates, aware datetimes), like `kisbot.kis.models`; the frame
parser (`frames.py`) builds them by field position, so fields KIS appends later are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from kisbot.kis.models import PriceFeed, Side


@dataclass(frozen=True, slots=True)
class Tick:
    """One trade of one stock (a record of H0STCNT0, H0NXCNT0 or H0UNCNT0)."""

    code: str
    price: int  # STCK_PRPR
    change: int  # against the previous close, negative on falls (PRDY_VRSS with its sign)
    volume: int  # ACML_VOL, the day's volume so far
    at: datetime | None  # BSOP_DATE + STCK_CNTG_HOUR in KST, when both are readable
    feed: PriceFeed = PriceFeed.KRX  # whose trade: KRX, NXT or the combined stream

    @property
    def prev_close(self) -> int:
        return self.price - self.change


class NoticeKind(StrEnum):
    """What happened to an order, read from RFUS_YN, CNTG_YN, RCTF_CLS and ACPT_YN."""

    ACCEPTED = "accepted"  # 접수 (or 확인) of a new order
    FILLED = "filled"  # a fill, partial or full (CNTG_YN 2)
    REJECTED = "rejected"  # RFUS_YN 1
    MODIFIED = "modified"  # RCTF_CLS 1: a 정정 was accepted
    CANCELLED = "cancelled"  # RCTF_CLS 2, or ACPT_YN 3 (IOC/FOK remainder cancelled)


@dataclass(frozen=True, slots=True)
class Notice:
    """One record of an execution notice (체결통보), decrypted.

    For FILLED, `quantity`/`price` are this fill's (CNTG_QTY/CNTG_UNPR); for the others they are
    the order's as KIS echoes them. `account` is ACNT_NO as sent (digits; its first 8 are CANO).
    """

    account: str = field(repr=False)
    order_no: str
    original_order_no: str  # OODER_NO: the order a modify/cancel acts on
    side: Side | None
    kind: NoticeKind
    code: str
    name: str  # CNTG_ISNM40, stripped
    quantity: int
    price: int
    order_quantity: int  # ODER_QTY
    at: datetime | None  # STCK_CNTG_HOUR today in KST, when readable

    def is_for(self, cano: str) -> bool:
        """Whether this notice is about the account whose CANO (8 digits) is given."""
        return self.account.replace("-", "").startswith(cano)


RealtimeEvent = Tick | Notice
