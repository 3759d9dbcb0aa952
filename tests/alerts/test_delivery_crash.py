"""A process dies in the middle of delivering the outbox, at each point it can die.

Each "process" is its own Database (engine, pool, send locks) on the same database. Its death is
an exception that no code of ours catches (like SIGKILL, it leaves the rows as they are); its
locks go as a dead process's would (the PostgreSQL transaction ends, the flock's file closes).
Whatever the point, the next process delivers everything at once (the clock never moves), and
only a message whose send had started comes again, marked as a possible repeat.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from kisbot.clock import ManualClock
from kisbot.delivery import Attempt, Outcome, PushMessage, Sender, deliver_due
from kisbot.store.database import Database
from tests.store.conftest import Opener

USER = 602


class ProcessDied(BaseException):
    """The process is gone: nothing after this point runs."""


@dataclass(slots=True)
class Telegram:
    """What reached the user: (message id, marked as a possible repeat) per message taken."""

    received: list[tuple[int, bool]] = field(default_factory=list)

    def copies(self, message_id: int) -> list[bool]:
        return [repeat for got, repeat in self.received if got == message_id]


def sender(telegram: Telegram, *, die_on: int | None = None, before_send: bool = False) -> Sender:
    """Telegram takes each message; the process dies on `die_on`, before or after its send."""

    async def send(message: PushMessage) -> Attempt:
        if message.id == die_on and before_send:
            raise ProcessDied
        telegram.received.append((message.id, message.possible_repeat))
        if message.id == die_on:
            raise ProcessDied  # Telegram has it; the answer never arrives
        return Attempt(Outcome.SENT)

    return send


async def three_waiting(db: Database) -> list[int]:
    await db.users.get_or_create(USER)
    return [(await db.outbox.enqueue(USER, USER, f"alert {n}")).id for n in range(3)]


async def test_killed_after_a_send_only_that_message_comes_twice_marked_as_a_repeat(
    opened: Opener, clock: ManualClock
) -> None:
    dying, next_process = await opened(clock), await opened(clock)
    first, second, third = await three_waiting(dying)
    telegram = Telegram()
    with pytest.raises(ProcessDied):
        await deliver_due(dying.outbox, dying.alerts, sender(telegram, die_on=second), clock)
    report = await deliver_due(next_process.outbox, next_process.alerts, sender(telegram), clock)
    assert (report.sent, report.repeats) == (2, 1)
    assert telegram.copies(first) == [False]
    assert telegram.copies(second) == [False, True]
    assert telegram.copies(third) == [False]  # read by the dead process, never started: no mark
    assert await next_process.outbox.pending() == []


async def test_killed_after_marking_sending_the_message_comes_once_marked_as_a_repeat(
    opened: Opener, clock: ManualClock
) -> None:
    dying, next_process = await opened(clock), await opened(clock)
    _, second, _ = await three_waiting(dying)
    telegram = Telegram()
    with pytest.raises(ProcessDied):
        await deliver_due(
            dying.outbox, dying.alerts, sender(telegram, die_on=second, before_send=True), clock
        )
    await deliver_due(next_process.outbox, next_process.alerts, sender(telegram), clock)
    # Nobody can tell it never left: it carries the note, which says "may".
    assert telegram.copies(second) == [True]
    assert len(telegram.received) == 3


async def test_killed_holding_the_send_lock_before_marking_nothing_is_repeated(
    opened: Opener, clock: ManualClock
) -> None:
    dying, next_process = await opened(clock), await opened(clock)
    first, *_ = await three_waiting(dying)
    with pytest.raises(ProcessDied):
        async with dying.outbox.send_lock(first) as mine:
            assert mine
            raise ProcessDied
    telegram = Telegram()
    report = await deliver_due(next_process.outbox, next_process.alerts, sender(telegram), clock)
    assert (report.sent, report.repeats) == (3, 0)
    assert [repeat for _, repeat in telegram.received] == [False, False, False]


async def test_a_repeat_that_fails_keeps_its_note_until_delivered(
    opened: Opener, clock: ManualClock
) -> None:
    dying, next_process = await opened(clock), await opened(clock)
    first, *_ = await three_waiting(dying)
    telegram = Telegram()
    with pytest.raises(ProcessDied):
        await deliver_due(dying.outbox, dying.alerts, sender(telegram, die_on=first), clock)

    async def network_down(message: PushMessage) -> Attempt:
        return Attempt(Outcome.RETRY, "NetworkError")

    assert (
        await deliver_due(next_process.outbox, next_process.alerts, network_down, clock)
    ).retried == 3
    await deliver_due(next_process.outbox, next_process.alerts, sender(telegram), clock)
    assert telegram.copies(first) == [False, True]
    assert (
        await deliver_due(next_process.outbox, next_process.alerts, sender(telegram), clock)
    ).sent == 0
    assert len(telegram.received) == 4


async def test_a_message_in_flight_is_not_sent_by_another_live_process(
    opened: Opener, clock: ManualClock
) -> None:
    sending, other = await opened(clock), await opened(clock)
    await sending.users.get_or_create(USER)
    await sending.outbox.enqueue(USER, USER, "hello")
    telegram = Telegram()
    others_while_in_flight: list[int] = []

    async def slow_send(message: PushMessage) -> Attempt:
        # The other process runs a whole round while this send waits for Telegram's answer.
        others_while_in_flight.append(
            (await deliver_due(other.outbox, other.alerts, sender(telegram), clock)).sent
        )
        telegram.received.append((message.id, message.possible_repeat))
        return Attempt(Outcome.SENT)

    assert (await deliver_due(sending.outbox, sending.alerts, slow_send, clock)).sent == 1
    assert others_while_in_flight == [0]
    assert (await deliver_due(other.outbox, other.alerts, sender(telegram), clock)).sent == 0
    assert len(telegram.received) == 1
