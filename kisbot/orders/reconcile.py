"""Settling unknown outcomes against today's orders at KIS — never by sending again.

An intent is `unknown` when its order went out and the answer was lost (a timeout, a dropped
connection), or when the process died between the claim and recording the answer (cut off). It
is matched to today's orders by code, side, quantity (price for a modify) and time; an order
found is recorded as submitted with its number, one not found after a grace period as not
placed. An order abroad is matched the same way against the overseas order list.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TypeVar

from kisbot.accounts import Accounts
from kisbot.clock import KST, Clock
from kisbot.confirmations import Confirmations, Intent, IntentState
from kisbot.kis import KisError, OrderRecord, OrderState
from kisbot.kis.overseas import OverseasOrderRecord
from kisbot.orders.models import CANCEL, KINDS, ORDER, Settled
from kisbot.orders.parsing import same_order_no
from kisbot.securities import Security, overseas_key

logger = logging.getLogger(__name__)

R = TypeVar("R", OrderRecord, OverseasOrderRecord)

RECONCILE_GRACE = timedelta(seconds=90)  # an order KIS took shows up in its list well before
# A submission still unrecorded this long after its claim was cut off by a dying process: a live
# one is done well within it (token waits of a few minutes at most, then one 10 s call).
SUBMIT_CUT_OFF = timedelta(minutes=15)
CUT_OFF = "cut_off"  # msg_cd of an intent whose submission was cut off
_CLOCK_SLACK = timedelta(seconds=5)  # ord_tmd has whole seconds, and clocks differ a little
_LATE_SLACK = timedelta(seconds=60)  # limiter and token waits between claim and arrival


class Reconciler:
    """What became of intents whose answer was lost."""

    def __init__(
        self,
        confirmations: Confirmations,
        accounts: Accounts,
        clock: Clock,
        *,
        submit_timeout: float,
    ) -> None:
        self._confirmations = confirmations
        self._accounts = accounts
        self._clock = clock
        self._submit_timeout = timedelta(seconds=submit_timeout)

    async def unknown(self, user_id: int | None = None) -> list[Intent]:
        """This feature's intents whose outcome is unknown (all, or one user's)."""
        return [i for i in await self._confirmations.unknown(user_id) if i.kind in KINDS]

    async def reconcile(
        self, user_id: int | None = None, intent_id: str | None = None
    ) -> list[Settled]:
        """Settle unknown intents (all, a user's, or one) against today's orders at KIS."""
        unknown = await self.unknown(user_id)
        if intent_id is not None:
            unknown = [intent for intent in unknown if intent.id == intent_id]
        settled: list[Settled] = []
        owners = sorted({(i.user_id, i.environment) for i in unknown if i.environment})
        for owner, environment in owners:
            group = [i for i in unknown if i.user_id == owner and i.environment is environment]
            try:
                client = await self._accounts.client_for(owner, environment)
                if client is None:
                    continue
                records = await client.todays_orders()
                abroad = (
                    await client.overseas.recent_orders()
                    if any(overseas_key(i.code) for i in group)
                    else []
                )
            except KisError as error:
                logger.warning("user=%s reconcile postponed: %s", owner, type(error).__name__)
                continue
            settled += await self.settle(owner, group, records, abroad)
        return settled

    async def recover_cut_off(self) -> int:
        """Hand submissions a dead process claimed and never recorded to reconciliation."""
        claimed_before = self._clock.now() - SUBMIT_CUT_OFF
        moved = await self._confirmations.abandon_claims(claimed_before, CUT_OFF)
        if moved:
            logger.warning("%d submission(s) cut off by an earlier run: reconciling", moved)
        return moved

    async def settle(
        self,
        user_id: int,
        intents: Sequence[Intent],
        records: Sequence[OrderRecord],
        abroad: Sequence[OverseasOrderRecord] = (),
    ) -> list[Settled]:
        """Record what `records` (today's orders) and `abroad` (the overseas ones) say about
        these unknown intents."""
        taken = await self._confirmations.order_numbers(user_id)
        now = self._clock.now()
        settled: list[Settled] = []
        for intent in sorted(intents, key=lambda i: i.claimed_at or now):
            security = overseas_key(intent.code)
            record: OrderRecord | OverseasOrderRecord | None
            if security is None:
                record = self._match(intent, records, taken, _same_action)
            else:
                record = self._match(intent, abroad, taken, _same_overseas_action(security))
            if record is not None:
                taken.add(record.order_no.lstrip("0"))
                if await self._confirmations.record(
                    intent.id, IntentState.SUBMITTED, kis_order_no=record.order_no,
                    kis_org_no=record.org_no, msg_cd="reconciled",
                ):  # fmt: skip
                    found = replace(intent, state=IntentState.SUBMITTED, order_no=record.order_no)
                    settled.append(Settled(found, True))
            elif self._past_grace(intent, now) and await self._confirmations.record(
                intent.id, IntentState.FAILED, msg_cd="not_found"
            ):
                missing = replace(intent, state=IntentState.FAILED, msg_cd="not_found")
                settled.append(Settled(missing, False))
        return settled

    def _match(
        self,
        intent: Intent,
        records: Sequence[R],
        taken: set[str],
        same: Callable[[Intent, R], bool],
    ) -> R | None:
        claimed = intent.claimed_at or self._clock.now()
        earliest = claimed.replace(microsecond=0) - _CLOCK_SLACK
        latest = claimed + self._submit_timeout + _LATE_SLACK
        if intent.msg_cd == CUT_OFF:
            # Where in its waits the process died is not known: any time until the cut-off.
            # Calling a placed order "not placed" could make the user place it twice.
            latest = claimed + SUBMIT_CUT_OFF
        for record in records:
            at = record.ordered_at
            if at is None or not earliest <= at <= latest:
                continue
            if record.order_no.lstrip("0") in taken or not same(intent, record):
                continue
            return record
        return None

    def _past_grace(self, intent: Intent, now: datetime) -> bool:
        if intent.msg_cd == CUT_OFF:
            return True  # claimed SUBMIT_CUT_OFF ago at least: far past the grace
        claimed = intent.claimed_at or now
        day_passed = claimed.astimezone(KST).date() != now.astimezone(KST).date()
        return day_passed or now - claimed >= RECONCILE_GRACE


def _same_overseas_action(security: Security) -> Callable[[Intent, OverseasOrderRecord], bool]:
    def same(intent: Intent, record: OverseasOrderRecord) -> bool:
        if record.symbol != security.code or record.exchange != security.exchange:
            return False
        if record.side is not intent.side:
            return False
        if intent.kind == ORDER:
            return not record.original_order_no and record.quantity == intent.quantity
        if not same_order_no(record.original_order_no or "x", intent.target_order_no):
            return False
        if intent.kind == CANCEL:
            return record.state is OrderState.CANCELLED
        return record.price == intent.unit_price

    return same


def _same_action(intent: Intent, record: OrderRecord) -> bool:
    if record.code != intent.code or record.side is not intent.side:
        return False
    if intent.kind == ORDER:
        return not record.original_order_no and record.quantity == intent.quantity
    if not same_order_no(record.original_order_no or "x", intent.target_order_no):
        return False
    if intent.kind == CANCEL:
        return record.cancelled
    return not record.cancelled and record.price == intent.price
