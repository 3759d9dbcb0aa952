"""Delivering the outbox: retried until Telegram takes it, held (and alerts paused) when the
user blocked the bot, released when they come back."""

from __future__ import annotations

from kisbot.clock import ManualClock
from kisbot.delivery import Attempt, Outcome, PushMessage, deliver_due, resume_user
from tests.store.conftest import Opener

USER = 601


class ScriptedSender:
    """Answers each send with the next scripted outcome; records what it was asked to send."""

    def __init__(self, *outcomes: Attempt) -> None:
        self.outcomes = list(outcomes)
        self.sent: list[int] = []

    async def __call__(self, message: PushMessage) -> Attempt:
        self.sent.append(message.id)
        return self.outcomes.pop(0) if self.outcomes else Attempt(Outcome.SENT)


async def test_a_failed_send_is_retried_later_and_then_delivered_once(
    opened: Opener, clock: ManualClock
) -> None:
    db = await opened(clock)
    alert = await db.alerts.add(USER, "005930", "above", 1)
    await db.alerts.fire(alert.id, USER, "fired")
    send = ScriptedSender(Attempt(Outcome.RETRY, "NetworkError"))
    assert (await deliver_due(db.outbox, db.alerts, send, clock)).retried == 1
    assert (await deliver_due(db.outbox, db.alerts, send, clock)).sent == 1
    assert (await deliver_due(db.outbox, db.alerts, send, clock)).sent == 0
    assert len(send.sent) == 2 and await db.outbox.pending() == []


async def test_a_send_that_timed_out_is_retried_marked_as_a_possible_repeat(
    opened: Opener, clock: ManualClock
) -> None:
    db = await opened(clock)
    await db.users.get_or_create(USER)
    await db.outbox.enqueue(USER, USER, "hello")
    refused = await db.outbox.enqueue(USER, USER, "refused")
    repeats: list[bool] = []

    async def send(message: PushMessage) -> Attempt:
        repeats.append(message.possible_repeat)
        if len(repeats) == 1:  # the request went out; no answer came
            return Attempt(Outcome.RETRY, "TimedOut", maybe_delivered=True)
        if message.id == refused.id and len(repeats) == 2:  # refused: it never arrived
            return Attempt(Outcome.RETRY, "BadRequest")
        return Attempt(Outcome.SENT)

    await deliver_due(db.outbox, db.alerts, send, clock)
    await deliver_due(db.outbox, db.alerts, send, clock)
    assert repeats == [False, False, True, False]


async def test_a_round_stops_between_messages_when_the_bot_stops_and_loses_none(
    opened: Opener, clock: ManualClock
) -> None:
    db = await opened(clock)
    await db.users.get_or_create(USER)
    for number in range(3):
        await db.outbox.enqueue(USER, USER, f"message {number}")
    send = ScriptedSender()
    stopping = iter([True, False])
    report = await deliver_due(db.outbox, db.alerts, send, clock, lambda: next(stopping, False))
    assert report.sent == 1 and len(await db.outbox.pending()) == 2
    assert (await deliver_due(db.outbox, db.alerts, send, clock)).sent == 2


async def test_retry_after_waits_before_the_next_attempt(
    opened: Opener, clock: ManualClock
) -> None:
    db = await opened(clock)
    await db.users.get_or_create(USER)
    await db.outbox.enqueue(USER, USER, "hello")
    send = ScriptedSender(Attempt(Outcome.RETRY, "RetryAfter", retry_after=30))
    await deliver_due(db.outbox, db.alerts, send, clock)
    await clock.advance(29)
    assert (await deliver_due(db.outbox, db.alerts, send, clock)).sent == 0
    await clock.advance(1)
    assert (await deliver_due(db.outbox, db.alerts, send, clock)).sent == 1


async def test_a_blocked_user_has_alerts_paused_and_the_message_held_until_back(
    opened: Opener, clock: ManualClock
) -> None:
    db = await opened(clock)
    fired = await db.alerts.add(USER, "005930", "above", 1)
    waiting = await db.alerts.add(USER, "000660", "above", 100_000_000)
    await db.alerts.fire(fired.id, USER, "fired")
    send = ScriptedSender(Attempt(Outcome.BLOCKED, "Forbidden"))
    assert (await deliver_due(db.outbox, db.alerts, send, clock)).blocked == 1
    assert (await deliver_due(db.outbox, db.alerts, send, clock)).sent == 0  # held, not retried
    listed = {a.id: a.state for a in await db.alerts.list_for_user(USER)}
    assert listed == {waiting.id: "paused"}
    assert await resume_user(db.outbox, db.alerts, USER) == 1
    assert (await deliver_due(db.outbox, db.alerts, send, clock)).sent == 1
    assert [a.state for a in await db.alerts.list_active()] == ["active"]
