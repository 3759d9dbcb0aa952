"""Settling unknown outcomes against today's orders at KIS — never by sending again."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from kisbot.clock import KST
from kisbot.kis import KisError, OrderRecord
from kisbot.orders.base import OrdersBase
from kisbot.orders.models import CANCEL, KINDS, ORDER, Intent, Settled, TodaysOrders
from kisbot.orders.parsing import same_order_no

logger = logging.getLogger(__name__)

RECONCILE_GRACE = timedelta(seconds=90)  # an order KIS took shows up in its list well before
# A submission still unrecorded this long after its claim was cut off by a dying process: a live
# one is done well within it (token waits of a few minutes at most, then one 10 s call).
SUBMIT_CUT_OFF = timedelta(minutes=15)
CUT_OFF = "cut_off"  # msg_cd of an intent whose submission was cut off
_CLOCK_SLACK = timedelta(seconds=5)  # ord_tmd has whole seconds, and clocks differ a little
_LATE_SLACK = timedelta(seconds=60)  # limiter and token waits between claim and arrival


class Reconciliation(OrdersBase):
    """Today's orders, and what became of intents whose answer was lost."""

    async def todays_orders(self, user_id: int) -> TodaysOrders:
        """Today's orders of the active account, after settling what can be settled."""
        client = await self._accounts.active_client(user_id)
        records = await client.todays_orders()
        settled: list[Settled] = []
        unknown = [i for i in await self._unknown(user_id) if i.environment is client.environment]
        if unknown:
            settled = await self._settle(user_id, unknown, records)
        left = [i for i in unknown if i.id not in {s.intent.id for s in settled}]
        return TodaysOrders(client.environment, records, settled, left)

    async def reconcile(
        self, user_id: int | None = None, intent_id: str | None = None
    ) -> list[Settled]:
        """Settle unknown intents (all, a user's, or one) against today's orders at KIS."""
        unknown = await self._unknown(user_id)
        if intent_id is not None:
            unknown = [intent for intent in unknown if intent.id == intent_id]
        settled: list[Settled] = []
        for owner, environment in sorted({(i.user_id, i.environment) for i in unknown}):
            group = [i for i in unknown if i.user_id == owner and i.environment is environment]
            try:
                credential = await self._services.database.credentials.get(owner, environment)
                if credential is None:
                    continue
                records = await self._services.kis.client(credential).todays_orders()
            except KisError as error:
                logger.warning("user=%s reconcile postponed: %s", owner, type(error).__name__)
                continue
            settled += await self._settle(owner, group, records)
        return settled

    async def recover_cut_off(self) -> int:
        """Hand submissions a dead process claimed and never recorded to reconciliation."""
        claimed_before = self._services.clock.now() - SUBMIT_CUT_OFF
        moved = await self._repo.abandon_submits(claimed_before, CUT_OFF)
        if moved:
            logger.warning("%d submission(s) cut off by an earlier run: reconciling", moved)
        return moved

    async def _unknown(self, user_id: int | None) -> list[Intent]:
        rows = await self._repo.list_unknown(user_id)
        return [Intent.from_row(row) for row in rows if row.kind in KINDS]

    async def _settle(
        self, user_id: int, intents: Sequence[Intent], records: Sequence[OrderRecord]
    ) -> list[Settled]:
        taken = await self._known_order_numbers(user_id)
        now = self._services.clock.now()
        settled: list[Settled] = []
        for intent in sorted(intents, key=lambda i: i.claimed_at or now):
            record = self._match(intent, records, taken)
            if record is not None:
                taken.add(record.order_no.lstrip("0"))
                if await self._repo.record_outcome(
                    intent.id, "submitted", kis_order_no=record.order_no,
                    kis_org_no=record.org_no, msg_cd="reconciled",
                ):  # fmt: skip
                    found = replace(intent, state="submitted", order_no=record.order_no)
                    settled.append(Settled(found, True))
            elif self._past_grace(intent, now) and await self._repo.record_outcome(
                intent.id, "failed", msg_cd="not_found"
            ):
                settled.append(Settled(replace(intent, state="failed", msg_cd="not_found"), False))
        return settled

    def _match(
        self, intent: Intent, records: Sequence[OrderRecord], taken: set[str]
    ) -> OrderRecord | None:
        claimed = intent.claimed_at or self._services.clock.now()
        earliest = claimed.replace(microsecond=0) - _CLOCK_SLACK
        latest = claimed + timedelta(seconds=self._services.settings.kis_timeout) + _LATE_SLACK
        if intent.msg_cd == CUT_OFF:
            # Where in its waits the process died is not known: any time until the cut-off.
            # Calling a placed order "not placed" could make the user place it twice.
            latest = claimed + SUBMIT_CUT_OFF
        for record in records:
            at = record.ordered_at
            if at is None or not earliest <= at <= latest:
                continue
            if record.order_no.lstrip("0") in taken or not _same_action(intent, record):
                continue
            return record
        return None

    def _past_grace(self, intent: Intent, now: datetime) -> bool:
        if intent.msg_cd == CUT_OFF:
            return True  # claimed SUBMIT_CUT_OFF ago at least: far past the grace
        claimed = intent.claimed_at or now
        day_passed = claimed.astimezone(KST).date() != now.astimezone(KST).date()
        return day_passed or now - claimed >= RECONCILE_GRACE

    async def _known_order_numbers(self, user_id: int) -> set[str]:
        """Order numbers other confirmations of this user already own (never matched twice)."""
        return {number.lstrip("0") for number in await self._repo.order_numbers(user_id)}


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
