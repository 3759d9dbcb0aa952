"""Sending a confirmed order, cancel or modify to KIS — once — and what came of it.

This runs only for the press that won the confirmation's claim. An order POST is never resent
here: a lost answer is `unknown` and settled later against today's orders (reconcile.py).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from kisbot.confirmations import Executed, Intent, IntentState
from kisbot.kis import (
    KisClient,
    KisNotSupportedInMock,
    KisOutcomeUnknown,
    KisRefusal,
    KisUnavailable,
    OpenOrder,
    OrderReceipt,
    Venue,
)
from kisbot.kis.overseas import OverseasOrderRecord
from kisbot.orders.models import MODIFY, ORDER, Submission, SubmitOutcome
from kisbot.orders.parsing import same_order_no
from kisbot.securities import Security, overseas_key

logger = logging.getLogger(__name__)


async def submit(client: KisClient | None, intent: Intent) -> Executed:
    """Send the intent with the user's active client (None: they have no key any more)."""
    if client is None or client.environment is not intent.environment:
        return _done(IntentState.FAILED, Submission.ENV_CHANGED, msg_cd="env_changed")
    try:
        receipt = await _send(client, intent)
    except _NoLongerOpen:
        return _done(IntentState.FAILED, Submission.NOT_OPEN, msg_cd="not_open")
    except KisOutcomeUnknown:
        return _done(IntentState.UNKNOWN, Submission.UNKNOWN)
    except (KisUnavailable, KisNotSupportedInMock):
        return _done(IntentState.FAILED, Submission.NOT_SENT, msg_cd="not_sent")
    except KisRefusal as refusal:
        return _done(
            IntentState.FAILED, Submission.FAILED, msg_cd=refusal.msg_cd, msg1=refusal.msg1
        )
    logger.info("user=%s %s %s submitted", intent.user_id, intent.kind, intent.id)
    return _done(
        IntentState.SUBMITTED, Submission.SUBMITTED, order_no=receipt.order_no,
        org_no=receipt.org_no, msg_cd=receipt.msg_cd, msg1=receipt.msg1,
    )  # fmt: skip


def find_open_order(orders: Sequence[OpenOrder], order_no: str) -> OpenOrder | None:
    """The open order with this number (leading zeros or not), if any."""
    return next((o for o in orders if same_order_no(o.order_no, order_no)), None)


async def _send(client: KisClient, intent: Intent) -> OrderReceipt:
    abroad = overseas_key(intent.code)
    if abroad is not None:
        return await _send_overseas(client, intent, abroad)
    if intent.kind == ORDER:
        assert intent.side is not None and intent.quantity is not None
        return await client.place_order(
            intent.side, intent.code, intent.quantity, intent.price, intent.venue or Venue.KRX
        )
    # Re-read the order: its org_no and open remainder as they are now.
    order = find_open_order(await client.open_orders(), intent.target_order_no)
    if order is None or order.cancellable_quantity <= 0:
        raise _NoLongerOpen
    if intent.kind == MODIFY:
        assert intent.price is not None
        return await client.modify_order(
            order.order_no, order.org_no, intent.price, venue=order.venue
        )
    partial = intent.quantity is not None and intent.quantity < order.cancellable_quantity
    return await client.cancel_order(
        order.order_no, order.org_no, intent.quantity if partial else None, order.venue
    )


async def _send_overseas(client: KisClient, intent: Intent, security: Security) -> OrderReceipt:
    market = security.exchange
    assert market is not None and intent.side is not None
    daytime = intent.order_type == "daytime"  # kisbot.orders.service.DAYTIME
    if intent.kind == ORDER:
        assert intent.quantity is not None and intent.unit_price is not None
        return await client.overseas.place_order(
            market, intent.side, security.code, intent.quantity, intent.unit_price,
            daytime=daytime,
        )  # fmt: skip
    # Re-read the order: its open remainder as it is now.
    order = find_overseas_order(await client.overseas.recent_orders(), intent.target_order_no)
    if order is None or order.remaining_quantity <= 0:
        raise _NoLongerOpen
    if intent.kind == MODIFY:
        assert intent.unit_price is not None
        return await client.overseas.modify_order(
            market, security.code, order.order_no, order.remaining_quantity, intent.unit_price,
            daytime=daytime,
        )  # fmt: skip
    partial = intent.quantity is not None and intent.quantity < order.remaining_quantity
    quantity = intent.quantity if partial and intent.quantity else order.remaining_quantity
    return await client.overseas.cancel_order(
        market, security.code, order.order_no, quantity, daytime=daytime
    )


def find_overseas_order(
    orders: Sequence[OverseasOrderRecord], order_no: str
) -> OverseasOrderRecord | None:
    """The overseas order with this number (leading zeros or not), if any."""
    return next((o for o in orders if same_order_no(o.order_no, order_no)), None)


def _done(
    state: IntentState,
    submission: Submission,
    *,
    order_no: str = "",
    org_no: str = "",
    msg_cd: str = "",
    msg1: str = "",
) -> Executed:
    outcome = SubmitOutcome(submission, order_no, msg_cd, msg1)
    return Executed(state, outcome, order_no=order_no, org_no=org_no, msg_cd=msg_cd, msg1=msg1)


class _NoLongerOpen(Exception):
    """The order to cancel or modify was filled or cancelled since the draft."""
