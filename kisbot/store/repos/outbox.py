"""The alert outbox: messages to send, kept until Telegram has taken them."""

from __future__ import annotations

from sqlalchemy import select, update

from kisbot.store.models import OutboxMessage
from kisbot.store.repos._base import Repo

_ERROR_LIMIT = 200


class OutboxRepo(Repo):
    async def enqueue(
        self, user_id: int, chat_id: int, text: str, alert_id: int | None = None
    ) -> OutboxMessage:
        """Queue a message for delivery."""
        message = OutboxMessage(
            user_id=user_id,
            chat_id=chat_id,
            alert_id=alert_id,
            text=text,
            attempts=0,
            created_at=self._now(),
        )
        async with self._sessions.begin() as session:
            session.add(message)
        return message

    async def pending(self, limit: int = 100) -> list[OutboxMessage]:
        """Undelivered messages, oldest first."""
        async with self._sessions() as session:
            result = await session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.delivered_at.is_(None))
                .order_by(OutboxMessage.id)
                .limit(limit)
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

    async def attempt_failed(self, message_id: int, error: str) -> None:
        """Count a failed send; the message stays pending. `error` must hold no secret."""
        async with self._sessions.begin() as session:
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id)
                .values(
                    attempts=OutboxMessage.attempts + 1,
                    last_error=error[:_ERROR_LIMIT],
                    last_attempt_at=self._now(),
                )
            )
