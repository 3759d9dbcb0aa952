"""Orders, cancels and modifies in two steps: draft → confirm exactly once → submit → record.

Transport-neutral: callers pass what the user typed and who they are, and get plain dataclasses
back; anything the user can put right is a `Problem` with a `trading.*` key. The confirmation
engine (kisbot.confirmations) decides the single press that may submit; `submit` sends once and
reports what KIS said. A lost answer leaves the intent `unknown`, and the reconciler later
settles it against today's orders — never by sending again.

    models     the plain data: drafts, submissions, today's order lines, settled outcomes
    parsing    what the user typed: quantities, prices, order numbers
    service    Orders: drafting, today's orders, reconciling (the face of the feature)
    submit     sending a confirmed intent to KIS, once
    lines      what each row of today's orders is (order, 정정, 취소) and its state
    reconcile  settling intents whose answer was lost
"""

from __future__ import annotations

from kisbot.orders.models import (
    CANCEL,
    KINDS,
    MODIFY,
    ORDER,
    ChangeDraft,
    LineKind,
    LineState,
    OrderChoices,
    OrderDraft,
    OrderLine,
    OverseasChangeDraft,
    OverseasOrderDraft,
    Settled,
    Submission,
    SubmitOutcome,
    TodaysOrders,
)
from kisbot.orders.parsing import (
    MAX_PRICE,
    MAX_QUANTITY,
    parse_limit,
    parse_order_no,
    parse_price,
    parse_quantity,
    same_order_no,
)
from kisbot.orders.reconcile import RECONCILE_GRACE, Reconciler
from kisbot.orders.service import Orders
from kisbot.orders.venues import VenueChoice, VenueReason, choose_venue, split_venue

__all__ = [
    "CANCEL",
    "KINDS",
    "MAX_PRICE",
    "MAX_QUANTITY",
    "MODIFY",
    "ORDER",
    "RECONCILE_GRACE",
    "ChangeDraft",
    "LineKind",
    "LineState",
    "OrderChoices",
    "OrderDraft",
    "OrderLine",
    "Orders",
    "OverseasChangeDraft",
    "OverseasOrderDraft",
    "Reconciler",
    "Settled",
    "Submission",
    "SubmitOutcome",
    "TodaysOrders",
    "VenueChoice",
    "VenueReason",
    "choose_venue",
    "parse_limit",
    "parse_order_no",
    "parse_price",
    "parse_quantity",
    "same_order_no",
    "split_venue",
]
