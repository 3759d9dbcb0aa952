"""The alert outbox: messages to send, kept until Telegram has taken them.

Delivery is claimed row by row with a conditional UPDATE (a lease), so two bot processes on one
database never send the same message twice while both are alive; a process that dies holding a
claim leaves the message to be sent again once the lease runs out (at least once, never lost).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, or_, select, update

from kisbot.store.models import OutboxMessage
from kisbot.store.repos._base import Repo

_ERROR_LIMIT = 200
DEFAULT_LEASE = timedelta(seconds=60)


class OutboxRepo(Repo):
    async def enqueue(
        self,
        user_id: int,
        chat_id: int,
        text: str,
        alert_id: int | None = None,
        *,
        payload: str | None = None,
    ) -> OutboxMessage:
        """Queue a message for delivery."""
        message = OutboxMessage(
            user_id=user_id,
            chat_id=chat_id,
            alert_id=alert_id,
            text=text,
            payload=payload,
            attempts=0,
            created_at=self._now(),
        )
        async with self._sessions.begin() as session:
            session.add(message)
        return message

    async def pending(self, limit: int = 100) -> list[OutboxMessage]:
        """Undelivered messages that are due now (not held, not waiting), oldest first."""
        async with self._sessions() as session:
            result = await session.scalars(
                select(OutboxMessage).where(self._due()).order_by(OutboxMessage.id).limit(limit)
            )
            return list(result)

    async def claim_due(
        self, limit: int = 100, lease: timedelta = DEFAULT_LEASE
    ) -> list[OutboxMessage]:
        """Due messages this caller now owns for `lease`; another caller gets none of them."""
        candidates = [message.id for message in await self.pending(limit)]
        if not candidates:
            return []
        async with self._sessions.begin() as session:
            won = await session.scalars(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(candidates), self._due())
                .values(next_attempt_at=self._now() + lease)
                .returning(OutboxMessage.id)
            )
            ids = sorted(won)
            if not ids:
                return []
            result = await session.scalars(
                select(OutboxMessage).where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id)
            )
            return list(result)

    async def mark_delivered(self, message_id: int) -> bool:
        """Record that Telegram took the message; True the first time only."""
        now = self._now()
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id, OutboxMessage.delivered_at.is_(None))
                .values(delivered_at=now, last_attempt_at=now, attempts=OutboxMessage.attempts + 1)
            )
            return result.rowcount == 1  # type: ignore[attr-defined]

    async def attempt_failed(
        self, message_id: int, error: str, retry_at: datetime | None = None
    ) -> None:
        """Count a failed send; the message stays pending (from `retry_at`, default now).

        `error` must hold no secret.
        """
        await self._update(
            message_id,
            attempts=OutboxMessage.attempts + 1,
            last_error=error[:_ERROR_LIMIT],
            last_attempt_at=self._now(),
            next_attempt_at=retry_at,
        )

    async def hold(self, message_id: int, error: str) -> None:
        """Keep the message but stop trying (the user blocked the bot)."""
        now = self._now()
        await self._update(
            message_id,
            attempts=OutboxMessage.attempts + 1,
            last_error=error[:_ERROR_LIMIT],
            last_attempt_at=now,
            next_attempt_at=None,
            held_at=now,
        )

    async def release_held(self, user_id: int) -> int:
        """Make the user's held messages due again; how many there were."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.user_id == user_id,
                    OutboxMessage.held_at.is_not(None),
                    OutboxMessage.delivered_at.is_(None),
                )
                .values(held_at=None, next_attempt_at=None)
            )
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def _due(self) -> ColumnElement[bool]:
        return (
            OutboxMessage.delivered_at.is_(None)
            & OutboxMessage.held_at.is_(None)
            & or_(
                OutboxMessage.next_attempt_at.is_(None),
                OutboxMessage.next_attempt_at <= self._now(),
            )
        )

    async def _update(self, message_id: int, **values: object) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values)
            )
