"""Orders, cancels and modifies in two steps: draft → confirm exactly once → submit → record.

Transport-neutral: callers pass what the user typed and who they are, and get plain dataclasses
back; anything the user can put right is a `Problem` with a `trading.*` key. The store's
conditional claim (pending → submitting) decides the single press that may submit; the winner
sends once and records what KIS said. A lost answer leaves the intent `unknown`, and
`reconcile` later settles it against today's orders — never by sending again.

    models     the plain data: Intent, drafts, Verdict/Outcome, Expired, Settled, TodaysOrders
    parsing    what the user typed: quantities, prices, order numbers
    drafting   resolve a stock, check the price, create the pending intent
    desk       the 확인/취소 presses: claim once, submit, record; expiry
    reconcile  today's orders, and settling intents whose answer was lost
"""

from __future__ import annotations

from kisbot.orders.desk import Desk
from kisbot.orders.drafting import Drafting
from kisbot.orders.models import (
    CANCEL,
    KINDS,
    MODIFY,
    ORDER,
    REFUSED,
    ChangeDraft,
    Expired,
    Intent,
    OrderDraft,
    Outcome,
    Settled,
    TodaysOrders,
    Verdict,
)
from kisbot.orders.parsing import (
    MAX_PRICE,
    MAX_QUANTITY,
    parse_order_no,
    parse_price,
    parse_quantity,
    same_order_no,
)
from kisbot.orders.reconcile import RECONCILE_GRACE, Reconciliation


class Orders(Drafting, Desk, Reconciliation):
    """The trading service over the store, the symbols and the user's KIS client."""


__all__ = [
    "CANCEL",
    "KINDS",
    "MAX_PRICE",
    "MAX_QUANTITY",
    "MODIFY",
    "ORDER",
    "RECONCILE_GRACE",
    "REFUSED",
    "ChangeDraft",
    "Expired",
    "Intent",
    "OrderDraft",
    "Orders",
    "Outcome",
    "Settled",
    "TodaysOrders",
    "Verdict",
    "parse_order_no",
    "parse_price",
    "parse_quantity",
    "same_order_no",
]
