"""Confirmations: create pending, claim exactly once, record the outcome, expire the rest."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from kisbot.store.models import CONFIRMATION_KINDS, Confirmation
from kisbot.store.repos._base import Repo, ensure_user

# States an outcome may be recorded from: the claimed one, or unknown while reconciling.
_OUTCOME_FROM = ("submitting", "unknown")
_OUTCOMES = ("submitted", "failed", "unknown")


class ConfirmationRepo(Repo):
    async def create(
        self, user_id: int, kind: str, ttl: timedelta | float, **parameters: object
    ) -> Confirmation:
        """A pending confirmation valid for `ttl`; its random `id` goes into the buttons.

        `parameters` are Confirmation columns: environment, side, code, quantity, price,
        order_type, venue, target_order_no, chat_id, message_id.
        """
        if kind not in CONFIRMATION_KINDS:
            raise ValueError(f"confirmation kind must be one of {', '.join(CONFIRMATION_KINDS)}")
        now = self._now()
        ttl = ttl if isinstance(ttl, timedelta) else timedelta(seconds=ttl)
        confirmation = Confirmation(
            id=secrets.token_urlsafe(12),
            user_id=user_id,
            kind=kind,
            state="pending",
            expires_at=now + ttl,
            created_at=now,
            updated_at=now,
            **parameters,
        )
        async with self._sessions.begin() as session:
            await ensure_user(session, user_id, now)
            session.add(confirmation)
        return confirmation

    async def get(self, confirmation_id: str) -> Confirmation | None:
        async with self._sessions() as session:
            return await session.get(Confirmation, confirmation_id)

    async def set_message(self, confirmation_id: str, chat_id: int, message_id: int) -> None:
        """Remember the message that shows the buttons, to edit it with the outcome."""
        await self._update(confirmation_id, None, chat_id=chat_id, message_id=message_id)

    async def claim(self, confirmation_id: str, user_id: int) -> bool:
        """Move a pending, unexpired confirmation of this user to submitting.

        True for exactly one caller; a second press, another user, or a press after expiry
        gets False. Only the winner may submit.
        """
        now = self._now()
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(Confirmation)
                .where(
                    Confirmation.id == confirmation_id,
                    Confirmation.user_id == user_id,
                    Confirmation.state == "pending",
                    Confirmation.expires_at > now,
                )
                .values(state="submitting", claimed_at=now, updated_at=now)
            )
            return result.rowcount == 1  # type: ignore[attr-defined]

    async def record_outcome(
        self,
        confirmation_id: str,
        state: str,
        *,
        kis_order_no: str | None = None,
        kis_org_no: str | None = None,
        msg_cd: str | None = None,
        msg1: str | None = None,
    ) -> bool:
        """Record submitted, failed or unknown on a claimed (or unknown) confirmation."""
        if state not in _OUTCOMES:
            raise ValueError(f"an outcome is one of {', '.join(_OUTCOMES)}")
        return await self._update(
            confirmation_id,
            _OUTCOME_FROM,
            state=state,
            kis_order_no=kis_order_no,
            kis_org_no=kis_org_no,
            msg_cd=msg_cd,
            msg1=msg1,
            finished_at=None if state == "unknown" else self._now(),
        )

    async def cancel(self, confirmation_id: str, user_id: int) -> bool:
        """The owner pressed 취소 on a pending confirmation; True if it was still pending."""
        now = self._now()
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(Confirmation)
                .where(
                    Confirmation.id == confirmation_id,
                    Confirmation.user_id == user_id,
                    Confirmation.state == "pending",
                )
                .values(state="cancelled", finished_at=now, updated_at=now)
            )
            return result.rowcount == 1  # type: ignore[attr-defined]

    async def expire_due(self) -> list[Confirmation]:
        """Move every pending confirmation past its expiry to expired; return those moved."""
        now = self._now()
        async with self._sessions.begin() as session:
            result = await session.scalars(
                update(Confirmation)
                .where(Confirmation.state == "pending", Confirmation.expires_at <= now)
                .values(state="expired", finished_at=now, updated_at=now)
                .returning(Confirmation)
            )
            return sorted(result, key=lambda row: row.created_at)

    async def abandon_submits(self, claimed_before: datetime, msg_cd: str) -> int:
        """Move submissions claimed before `claimed_before` and never recorded to unknown.

        Only a process that died between its claim and its record leaves one; the owner
        of the claim is gone, so reconciliation takes over. Returns how many were moved.
        """
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(Confirmation)
                .where(
                    Confirmation.state == "submitting",
                    Confirmation.claimed_at < claimed_before,
                )
                .values(state="unknown", msg_cd=msg_cd, updated_at=self._now())
            )
            return result.rowcount  # type: ignore[attr-defined,no-any-return]

    async def list_unknown(self, user_id: int | None = None) -> list[Confirmation]:
        """Confirmations whose submission timed out, to reconcile against executions."""
        query = select(Confirmation).where(Confirmation.state == "unknown")
        if user_id is not None:
            query = query.where(Confirmation.user_id == user_id)
        async with self._sessions() as session:
            return list(await session.scalars(query.order_by(Confirmation.created_at)))

    async def order_numbers(self, user_id: int) -> list[str]:
        """The KIS order numbers this user's confirmations already hold, as stored."""
        query = select(Confirmation.kis_order_no).where(
            Confirmation.user_id == user_id, Confirmation.kis_order_no.is_not(None)
        )
        async with self._sessions() as session:
            return [str(number) for number in await session.scalars(query)]

    async def submitted_since(
        self,
        kinds: tuple[str, ...],
        since: datetime,
        *,
        unfinished: tuple[str, ...] | None = None,
        user_id: int | None = None,
    ) -> list[Confirmation]:
        """Submitted confirmations of these kinds created since then (all users', or one's),
        oldest first; with `unfinished`, only those whose progress is none of those."""
        query = select(Confirmation).where(
            Confirmation.kind.in_(kinds),
            Confirmation.state == "submitted",
            Confirmation.kis_order_no.is_not(None),
            Confirmation.created_at >= since,
        )
        if unfinished is not None:
            query = query.where(
                Confirmation.progress.is_(None) | Confirmation.progress.not_in(unfinished)
            )
        if user_id is not None:
            query = query.where(Confirmation.user_id == user_id)
        async with self._sessions() as session:
            return list(await session.scalars(query.order_by(Confirmation.created_at)))

    async def count_submitting(self, user_id: int) -> int:
        """How many of the user's confirmations are being submitted right now (claimed, no
        answer recorded yet)."""
        query = select(func.count()).where(
            Confirmation.user_id == user_id, Confirmation.state == "submitting"
        )
        async with self._sessions() as session:
            return int(await session.scalar(query) or 0)

    async def advance_progress(
        self, confirmation_id: str, progress: str, filled_quantity: int, finals: tuple[str, ...]
    ) -> bool:
        """Record how far a submitted order got, forward only: never below the filled quantity
        already recorded, never away from a final progress. True if it changed."""
        query = (
            update(Confirmation)
            .where(
                Confirmation.id == confirmation_id,
                Confirmation.progress.is_(None) | Confirmation.progress.not_in(finals),
                Confirmation.filled_quantity.is_(None)
                | (Confirmation.filled_quantity <= filled_quantity),
            )
            .values(progress=progress, filled_quantity=filled_quantity, updated_at=self._now())
        )
        async with self._sessions.begin() as session:
            result = await session.execute(query)
            return result.rowcount == 1  # type: ignore[attr-defined]

    async def _update(
        self, confirmation_id: str, from_states: tuple[str, ...] | None, **values: object
    ) -> bool:
        query = update(Confirmation).where(Confirmation.id == confirmation_id)
        if from_states is not None:
            query = query.where(Confirmation.state.in_(from_states))
        async with self._sessions.begin() as session:
            result = await session.execute(query.values(**values, updated_at=self._now()))
            return result.rowcount == 1  # type: ignore[attr-defined]
