"""The 확인/취소 buttons: submit exactly once, decline, expire, and record what KIS said.

The store's conditional claim (pending → submitting) decides the single press that may submit;
the winner sends once and records the answer. A lost answer leaves the intent `unknown`.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from kisbot.kis import (
    KisClient,
    KisNotSupportedInMock,
    KisOutcomeUnknown,
    KisRefusal,
    KisUnavailable,
    OrderReceipt,
)
from kisbot.orders.base import OrdersBase
from kisbot.orders.drafting import find_open_order
from kisbot.orders.models import KINDS, MODIFY, ORDER, Expired, Intent, Outcome, Verdict

logger = logging.getLogger(__name__)


class Desk(OrdersBase):
    """The second step: a press on a pending intent's buttons, and what came of it."""

    async def confirm(self, intent_id: str, user_id: int) -> Outcome:
        """The owner pressed 확인: submit exactly once; every other press changes nothing."""
        row = await self._repo.get(intent_id)
        if row is None or row.kind not in KINDS:
            return Outcome(Verdict.MISSING)
        if row.user_id != user_id:
            return Outcome(Verdict.NOT_YOURS)
        if not await self._repo.claim(intent_id, user_id):
            return await self._why_not(intent_id)
        intent = replace(Intent.from_row(row), state="submitting")
        try:
            return await self._submit(intent)
        except BaseException:
            # Whatever broke after the claim, the order may be out: never leave it claimable.
            logger.exception("user=%s %s %s: outcome unknown", user_id, intent.kind, intent.id)
            await self._repo.record_outcome(intent.id, "unknown", msg_cd="internal")
            raise

    async def decline(self, intent_id: str, user_id: int) -> Outcome:
        """The owner pressed 취소: the intent ends and nothing is sent."""
        row = await self._repo.get(intent_id)
        if row is None or row.kind not in KINDS:
            return Outcome(Verdict.MISSING)
        if row.user_id != user_id:
            return Outcome(Verdict.NOT_YOURS)
        if await self._repo.cancel(intent_id, user_id):
            return Outcome(Verdict.DECLINED, replace(Intent.from_row(row), state="cancelled"))
        return await self._why_not(intent_id)

    async def expire_due(self) -> list[Expired]:
        """Every pending confirmation (of any kind) past its expiry, now expired."""
        return [
            Expired(
                row.kind,
                row.user_id,
                row.chat_id,
                row.message_id,
                Intent.from_row(row) if row.kind in KINDS else None,
            )
            for row in await self._repo.expire_due()
        ]

    async def intent(self, intent_id: str) -> Intent | None:
        row = await self._repo.get(intent_id)
        return Intent.from_row(row) if row is not None and row.kind in KINDS else None

    async def _why_not(self, intent_id: str) -> Outcome:
        row = await self._repo.get(intent_id)
        if row is None:
            return Outcome(Verdict.MISSING)
        intent = Intent.from_row(row)
        if row.state == "expired" or (row.state == "pending" and self._expired(intent)):
            return Outcome(Verdict.EXPIRED, intent)
        if row.state == "cancelled":
            return Outcome(Verdict.CANCELLED, intent)
        return Outcome(Verdict.DONE, intent)

    def _expired(self, intent: Intent) -> bool:
        return intent.expires_at is not None and intent.expires_at <= self._services.clock.now()

    async def _submit(self, intent: Intent) -> Outcome:
        credential = await self._services.database.credentials.get_active(intent.user_id)
        if credential is None or credential.environment is not intent.environment:
            return await self._finish(intent, Verdict.ENV_CHANGED, "failed", msg_cd="env_changed")
        client = self._services.kis.client(credential)
        try:
            receipt = await self._send(client, intent)
        except _NoLongerOpen:
            return await self._finish(intent, Verdict.NOT_OPEN, "failed", msg_cd="not_open")
        except KisOutcomeUnknown:
            return await self._finish(intent, Verdict.UNKNOWN, "unknown")
        except (KisUnavailable, KisNotSupportedInMock):
            return await self._finish(intent, Verdict.NOT_SENT, "failed", msg_cd="not_sent")
        except KisRefusal as refusal:
            return await self._finish(
                intent, Verdict.FAILED, "failed", msg_cd=refusal.msg_cd, msg1=refusal.msg1
            )
        logger.info("user=%s %s %s submitted", intent.user_id, intent.kind, intent.id)
        return await self._finish(
            intent, Verdict.SUBMITTED, "submitted", order_no=receipt.order_no,
            org_no=receipt.org_no, msg_cd=receipt.msg_cd, msg1=receipt.msg1,
        )  # fmt: skip

    async def _send(self, client: KisClient, intent: Intent) -> OrderReceipt:
        if intent.kind == ORDER:
            assert intent.side is not None and intent.quantity is not None
            return await client.place_order(intent.side, intent.code, intent.quantity, intent.price)
        # Re-read the order: its org_no and open remainder as they are now.
        order = find_open_order(await client.open_orders(), intent.target_order_no)
        if order is None or order.cancellable_quantity <= 0:
            raise _NoLongerOpen
        if intent.kind == MODIFY:
            assert intent.price is not None
            return await client.modify_order(order.order_no, order.org_no, intent.price)
        partial = intent.quantity is not None and intent.quantity < order.cancellable_quantity
        return await client.cancel_order(
            order.order_no, order.org_no, intent.quantity if partial else None
        )

    async def _finish(
        self,
        intent: Intent,
        verdict: Verdict,
        state: str,
        *,
        order_no: str = "",
        org_no: str = "",
        msg_cd: str = "",
        msg1: str = "",
    ) -> Outcome:
        await self._repo.record_outcome(
            intent.id, state, kis_order_no=order_no or None, kis_org_no=org_no or None,
            msg_cd=msg_cd or None, msg1=msg1 or None,
        )  # fmt: skip
        done = replace(intent, state=state, order_no=order_no, msg_cd=msg_cd, msg1=msg1)
        return Outcome(verdict, done, order_no, msg_cd, msg1)


class _NoLongerOpen(Exception):
    """The order to cancel or modify was filled or cancelled since the draft."""
