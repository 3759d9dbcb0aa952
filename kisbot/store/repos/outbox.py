"""The outbox: messages to send (fired alerts, order notices), kept until Telegram took them.

One message at a time is owned for one send: its send lock (kisbot.store.send_locks, which dies
with its process) is taken, then the row is marked sending in a commit of its own, then it is
sent, then the outcome is recorded and the lock released. So two live processes never send one
message twice, a message read but not yet started is due for anyone at once, and a message
found marked by whoever next gets its lock was in flight when its sender died: it is sent again
at once, as a possible repeat. A crash repeats at most that one message, and loses none.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import datetime

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kisbot.clock import Clock
from kisbot.store.models import OutboxMessage
from kisbot.store.repos._base import Repo
from kisbot.store.send_locks import SendLocks

_ERROR_LIMIT = 200


class OutboxRepo(Repo):
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], clock: Clock | None = None
    ) -> None:
        super().__init__(sessions, clock)
        self._locks = SendLocks(sessions.kw["bind"])

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

    async def enqueue_once(
        self,
        dedupe_key: str,
        user_id: int,
        chat_id: int,
        text: str,
        *,
        payload: str | None = None,
        reply_to_message_id: int | None = None,
    ) -> bool:
        """Queue a message unless one with this key was ever queued; True if this one was.

        The key's unique index decides, so two processes (or a frame KIS sends twice) racing
        to queue the same message queue it once.
        """
        message = OutboxMessage(
            user_id=user_id,
            chat_id=chat_id,
            text=text,
            payload=payload,
            dedupe_key=dedupe_key,
            reply_to_message_id=reply_to_message_id,
            attempts=0,
            created_at=self._now(),
        )
        try:
            async with self._sessions.begin() as session:
                session.add(message)
        except IntegrityError:
            return False
        return True

    async def pending(self, limit: int = 100) -> list[OutboxMessage]:
        """Undelivered messages that are due now (not held, not waiting), oldest first."""
        async with self._sessions() as session:
            result = await session.scalars(
                select(OutboxMessage).where(self._due()).order_by(OutboxMessage.id).limit(limit)
            )
            return list(result)

    async def due_ids(self, limit: int = 100) -> list[int]:
        """The ids of `pending` messages: candidates to send, not yet owned."""
        async with self._sessions() as session:
            result = await session.scalars(
                select(OutboxMessage.id).where(self._due()).order_by(OutboxMessage.id).limit(limit)
            )
            return list(result)

    @contextlib.asynccontextmanager
    async def send_lock(self, message_id: int) -> AsyncIterator[bool]:
        """Hold the message's send lock, if no live process holds it; yields whether held.

        Hold it from before `start_sending` until the outcome is recorded.
        """
        async with self._locks.hold(message_id) as held:
            yield held

    async def start_sending(self, message_id: int) -> OutboxMessage | None:
        """Mark the message as being sent now, committed; the caller holds its send lock.

        None if it is no longer due (delivered, held or waiting meanwhile). A message still
        marked from an earlier send was in flight when its sender died: it comes back with
        `possible_repeat` set, and keeps it until delivered.
        """
        async with self._sessions.begin() as session:
            result = await session.scalars(
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id, self._due())
                .values(
                    sending_at=self._now(),
                    possible_repeat=or_(
                        OutboxMessage.possible_repeat, OutboxMessage.sending_at.is_not(None)
                    ),
                )
                .returning(OutboxMessage),
                execution_options={"populate_existing": True},
            )
            return result.one_or_none()

    async def mark_delivered(self, message_id: int) -> bool:
        """Record that Telegram took the message; True the first time only."""
        now = self._now()
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id, OutboxMessage.delivered_at.is_(None))
                .values(
                    delivered_at=now,
                    last_attempt_at=now,
                    attempts=OutboxMessage.attempts + 1,
                    sending_at=None,
                )
            )
            return result.rowcount == 1  # type: ignore[attr-defined]

    async def attempt_failed(
        self,
        message_id: int,
        error: str,
        retry_at: datetime | None = None,
        *,
        maybe_delivered: bool = False,
    ) -> None:
        """Count a failed send; the message stays pending (from `retry_at`, default now).

        `maybe_delivered`: the send timed out after it went out, so the retry may be a repeat
        and says so. `error` must hold no secret.
        """
        repeat = {"possible_repeat": True} if maybe_delivered else {}
        await self._update(
            message_id,
            attempts=OutboxMessage.attempts + 1,
            last_error=error[:_ERROR_LIMIT],
            last_attempt_at=self._now(),
            next_attempt_at=retry_at,
            sending_at=None,
            **repeat,
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
            sending_at=None,
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
