"""Call slots shared by every process on one PostgreSQL (GCRA: a row per budget).

KIS answers EGW00201 to an app key called faster than 18/s (real) or 1/s (mock), and Telegram
throttles a bot past about 30 messages/s, counting every process of that key or bot. Each
process's own limiter keeps its calls apart; this budget keeps them apart across processes: a
slot is one UPDATE that moves the budget's `next_free` on by one interval and answers when the
slot starts (the generic cell rate algorithm, one row, no counting windows).

Why not pyrate-limiter's PostgresBucket: it needs psycopg (a second PostgreSQL driver beside
asyncpg, with its own pool), and it answers "full" rather than "your slot is at t", so callers
poll; bench/shared_rate.py measures both.

Times are Unix seconds from the process's Clock: processes on one machine agree, and NTP keeps
machines within milliseconds. A budget left in the future by a clock that ran ahead is clamped
to HORIZON intervals, so one bad clock delays calls by seconds, not hours. A slot costs one
statement in autocommit, bounded by TIMEOUT: the limiter falls back to pacing alone when the
database does not answer (kisbot.kis.limiter).
"""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from kisbot.clock import Clock
from kisbot.kis.credentials import Credential
from kisbot.store.ownership import key_hash
from kisbot.store.vault import Vault

HORIZON = 64  # intervals: the furthest ahead a budget may be booked
TIMEOUT = 2.0  # seconds a slot may take to reserve before the caller paces alone

_RESERVE = text(
    "INSERT INTO rate_budgets AS b (name, next_free) "
    "VALUES (:name, CAST(:now AS double precision) + CAST(:interval AS double precision)) "
    "ON CONFLICT (name) DO UPDATE SET next_free = GREATEST(LEAST(b.next_free, "
    "CAST(:now AS double precision) + CAST(:horizon AS double precision)), "
    "CAST(:now AS double precision)) + CAST(:interval AS double precision) "
    "RETURNING b.next_free - CAST(:interval AS double precision)"
)


class RateBudget:
    """Named budgets of evenly spaced slots, shared through the database."""

    def __init__(self, engine: AsyncEngine, clock: Clock, *, timeout: float = TIMEOUT) -> None:
        self._own_engine = engine
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._clock = clock
        self._timeout = timeout

    async def aclose(self) -> None:
        """Close the budget's connections (its engine is its own)."""
        await self._own_engine.dispose()

    async def reserve(self, name: str, interval: float) -> float:
        """Take the next slot of budget `name`, at least `interval` seconds after the previous
        one; return the seconds from now until it starts (0 or less: now)."""
        now = self._clock.now().timestamp()
        values = {"name": name, "now": now, "interval": interval, "horizon": HORIZON * interval}
        async with asyncio.timeout(self._timeout), self._engine.connect() as connection:
            start = await connection.scalar(_RESERVE, values)
        # Counted from the answer, not the question: the statement's own time (which differs
        # between processes) must not push the call past its slot.
        return float(start) - self._clock.now().timestamp()


class KisKeyBudget:
    """The shared budget of each KIS app key (kisbot.kis.SharedBudget), named by the vault's
    keyed hash of the key, so the table never holds the key."""

    def __init__(self, budget: RateBudget, vault: Vault) -> None:
        self._budget = budget
        self._vault = vault

    async def reserve(self, credential: Credential, interval: float) -> float:
        return await self._budget.reserve(f"kis:{key_hash(self._vault, credential)}", interval)
