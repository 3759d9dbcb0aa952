"""Price alerts: adding with a short per-user number, listing, and state moves that win once."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kisbot.store.models import ALERT_KINDS, Alert, OutboxMessage, User
from kisbot.store.repos._base import Repo, ensure_user


class AlertRepo(Repo):
    async def add(
        self,
        user_id: int,
        code: str,
        kind: str,
        threshold: Decimal | int,
        *,
        reference_price: int | None = None,
        repeat: bool = False,
        cooldown_seconds: int = 0,
    ) -> Alert:
        """Create an active alert; its `number` is the short id the user sees."""
        if kind not in ALERT_KINDS:
            raise ValueError(f"alert kind must be one of {', '.join(ALERT_KINDS)}")
        if kind == "percent" and reference_price is None:
            raise ValueError("a percent alert needs the reference price")
        now = self._now()
        async with self._sessions.begin() as session:
            await ensure_user(session, user_id, now)
            alert = Alert(
                user_id=user_id,
                number=await _next_number(session, user_id),
                code=code,
                kind=kind,
                threshold=Decimal(threshold),
                reference_price=reference_price,
                repeat=repeat,
                state="active",
                cooldown_seconds=cooldown_seconds,
                created_at=now,
                updated_at=now,
            )
            session.add(alert)
        return alert

    async def list_for_user(self, user_id: int, fired_since: datetime | None = None) -> list[Alert]:
        """The user's active and paused alerts, and those fired since `fired_since`, by number."""
        shown = Alert.state.in_(("active", "paused"))
        if fired_since is not None:
            shown = or_(shown, (Alert.state == "fired") & (Alert.last_fired_at >= fired_since))
        async with self._sessions() as session:
            result = await session.scalars(
                select(Alert).where(Alert.user_id == user_id, shown).order_by(Alert.number)
            )
            return list(result)

    async def list_active(self) -> list[Alert]:
        """Every active alert of every user, ordered by user and code for grouping."""
        async with self._sessions() as session:
            result = await session.scalars(
                select(Alert)
                .where(Alert.state == "active")
                .order_by(Alert.user_id, Alert.code, Alert.id)
            )
            return list(result)

    async def delete(self, user_id: int, number: int) -> bool:
        """Remove the user's alert with this short number; True if it existed."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                delete(Alert).where(Alert.user_id == user_id, Alert.number == number)
            )
            return result.rowcount == 1  # type: ignore[attr-defined]

    async def mark_fired(self, alert_id: int) -> bool:
        """Move an active alert to fired; True for exactly one caller."""
        return await self._move(alert_id, "active", "fired", last_fired_at=self._now())

    async def fire(self, alert_id: int, chat_id: int, text: str) -> OutboxMessage | None:
        """Mark the alert fired and queue its message in one transaction; None if it lost."""
        now = self._now()
        async with self._sessions.begin() as session:
            user_id = await session.scalar(
                update(Alert)
                .where(Alert.id == alert_id, Alert.state == "active")
                .values(state="fired", last_fired_at=now, updated_at=now)
                .returning(Alert.user_id)
            )
            if user_id is None:
                return None
            message = OutboxMessage(
                user_id=user_id,
                chat_id=chat_id,
                alert_id=alert_id,
                text=text,
                attempts=0,
                created_at=now,
            )
            session.add(message)
        return message

    async def pause(self, alert_id: int) -> bool:
        """Stop checking an active alert until it is re-armed."""
        return await self._move(alert_id, "active", "paused")

    async def rearm(self, alert_id: int) -> bool:
        """Make a fired or paused alert active again (a repeating alert after its cooldown)."""
        return await self._move(alert_id, ("fired", "paused"), "active")

    async def _move(
        self, alert_id: int, from_state: str | tuple[str, ...], to_state: str, **values: object
    ) -> bool:
        states = (from_state,) if isinstance(from_state, str) else from_state
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(Alert)
                .where(Alert.id == alert_id, Alert.state.in_(states))
                .values(state=to_state, updated_at=self._now(), **values)
            )
            return result.rowcount == 1  # type: ignore[attr-defined]


async def _next_number(session: AsyncSession, user_id: int) -> int:
    # One atomic increment on the user row: concurrent /alert commands get distinct numbers.
    number = await session.scalar(
        update(User)
        .where(User.id == user_id)
        .values(alert_seq=User.alert_seq + 1)
        .returning(User.alert_seq)
    )
    assert number is not None
    return number
