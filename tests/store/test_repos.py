"""The queries the bot needs, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from kisbot.clock import ManualClock
from kisbot.kis.credentials import Environment
from kisbot.store.database import Database
from kisbot.store.models import Base
from tests.store.factories import ACCOUNT, APP_KEY, credential, token

USER = 4242


async def test_user_is_created_once_and_remembers_locale_and_chat(db: Database) -> None:
    first = await db.users.get_or_create(USER, chat_id=77)
    await db.users.set_locale(USER, "en")
    again = await db.users.get_or_create(USER)
    assert (first.id, again.chat_id, again.locale, again.active_env) == (USER, 77, "en", None)
    assert again.created_at.tzinfo is not None
    assert await db.users.get(999) is None


async def test_locale_is_read_without_loading_the_user(db: Database) -> None:
    assert await db.users.locale(USER) is None  # never wrote to the bot
    await db.users.get_or_create(USER)
    assert await db.users.locale(USER) is None  # no /lang yet
    await db.users.set_locale(USER, "en")
    assert await db.users.locale(USER) == "en"


async def test_first_credential_becomes_active_and_later_ones_do_not_switch(db: Database) -> None:
    assert await db.credentials.put(USER, credential(Environment.MOCK)) is True
    assert await db.credentials.put(USER, credential(Environment.REAL, app_key="REALKEY")) is False
    active = await db.credentials.get_active(USER)
    assert active is not None and active.environment is Environment.MOCK
    assert active.app_key == APP_KEY and active.account.full == ACCOUNT
    await db.users.set_active_env(USER, Environment.REAL)
    active = await db.credentials.get_active(USER)
    assert active is not None and active.app_key == "REALKEY"
    assert await db.credentials.environments(USER) == [Environment.MOCK, Environment.REAL]


async def test_active_credentials_can_be_read_for_some_app_keys_only(db: Database) -> None:
    other = "PSotherKEY000000000000000000000000000"
    await db.credentials.put(1, credential())
    await db.credentials.put(2, credential(app_key=other))
    await db.credentials.put(3, credential(app_key=other))
    owned = {db.vault.lookup_hash(other, "mock")}  # the keys one process owns
    assert set(await db.credentials.active_for([1, 2, 3])) == {1, 2, 3}
    assert set(await db.credentials.active_for([1, 2, 3], key_hashes=owned)) == {2, 3}
    assert await db.credentials.active_for([1, 2, 3], key_hashes=set()) == {}
    assert await db.credentials.with_hts_id(key_hashes=set()) == []


async def test_setkey_again_replaces_the_credential_of_that_environment(db: Database) -> None:
    await db.credentials.put(USER, credential(Environment.MOCK))
    await db.credentials.put(USER, credential(Environment.MOCK, app_key="NEWKEY"))
    stored = await db.credentials.get(USER, Environment.MOCK)
    assert stored is not None and stored.app_key == "NEWKEY"
    assert await db.credentials.environments(USER) == [Environment.MOCK]


async def test_alerts_get_short_per_user_numbers_and_are_listed_and_removed(db: Database) -> None:
    first = await db.alerts.add(USER, "005930", "above", 70000)
    second = await db.alerts.add(USER, "000660", "percent", Decimal("-3.5"), reference_price=200000)
    other = await db.alerts.add(USER + 1, "005930", "below", 60000, repeat=True)
    assert (first.number, second.number, other.number) == (1, 2, 1)
    mine = await db.alerts.list_for_user(USER)
    assert [(a.number, a.code, a.threshold) for a in mine] == [
        (1, "005930", Decimal(70000)),
        (2, "000660", Decimal("-3.5")),
    ]
    assert [a.user_id for a in await db.alerts.list_active()] == [USER, USER, USER + 1]
    assert await db.alerts.delete(USER, 1) is True
    assert await db.alerts.delete(USER, 1) is False
    third = await db.alerts.add(USER, "035720", "below", 40000)
    assert third.number == 3  # numbers are not reused, so /unalert never hits a newer alert


async def test_fired_alert_is_listed_that_day_and_can_be_rearmed(
    db: Database, clock: ManualClock
) -> None:
    alert = await db.alerts.add(USER, "005930", "above", 70000, repeat=True)
    message = await db.alerts.fire(alert.id, chat_id=77, text="삼성전자 70,000원 이상")
    assert message is not None
    assert await db.alerts.list_active() == []
    listed = await db.alerts.list_for_user(USER, fired_since=clock.now() - timedelta(hours=1))
    assert [(a.state, a.last_fired_at) for a in listed] == [("fired", clock.now())]
    assert await db.alerts.list_for_user(USER, fired_since=clock.now() + timedelta(seconds=1)) == []
    assert await db.alerts.rearm(alert.id) is True
    assert await db.alerts.pause(alert.id) is True
    assert await db.alerts.list_active() == []


async def test_outbox_keeps_a_message_until_delivered(db: Database) -> None:
    await db.users.get_or_create(USER)
    message = await db.outbox.enqueue(USER, 77, "알림")
    await db.outbox.attempt_failed(message.id, "TimedOut")
    [pending] = await db.outbox.pending()
    assert (pending.attempts, pending.last_error, pending.text) == (1, "TimedOut", "알림")
    assert await db.outbox.mark_delivered(message.id) is True
    assert await db.outbox.mark_delivered(message.id) is False
    assert await db.outbox.pending() == []


async def test_confirmation_records_the_kis_outcome(db: Database) -> None:
    intent = await db.confirmations.create(
        USER, "order", 60, environment="mock", side="buy", code="005930", quantity=3, price=70000
    )
    assert len(intent.id) <= 20 and intent.state == "pending"
    await db.confirmations.set_message(intent.id, chat_id=77, message_id=9)
    assert await db.confirmations.claim(intent.id, USER) is True
    assert await db.confirmations.record_outcome(
        intent.id,
        "submitted",
        kis_order_no="0000117057",
        kis_org_no="91252",
        msg_cd="APBK0013",
        msg1="주문 전송 완료 되었습니다.",
    )
    stored = await db.confirmations.get(intent.id)
    assert stored is not None
    assert (stored.state, stored.kis_order_no, stored.message_id) == ("submitted", "0000117057", 9)
    assert stored.finished_at is not None and stored.finished_at.tzinfo is UTC


async def test_unknown_outcome_is_listed_for_reconciliation(db: Database) -> None:
    intent = await db.confirmations.create(
        USER, "order", 60, side="sell", code="005930", quantity=1
    )
    await db.confirmations.claim(intent.id, USER)
    await db.confirmations.record_outcome(intent.id, "unknown")
    assert [c.id for c in await db.confirmations.list_unknown(USER)] == [intent.id]
    assert await db.confirmations.record_outcome(intent.id, "submitted", kis_order_no="1")
    assert await db.confirmations.list_unknown() == []


async def test_only_old_unrecorded_submissions_are_abandoned_to_unknown(
    db: Database, clock: ManualClock
) -> None:
    old = await db.confirmations.create(USER, "order", 600, side="buy", code="005930", quantity=1)
    recorded = await db.confirmations.create(USER, "order", 600, code="005930", quantity=2)
    for intent in (old, recorded):
        assert await db.confirmations.claim(intent.id, USER)
    await db.confirmations.record_outcome(recorded.id, "submitted", kis_order_no="1")
    await clock.advance(300)
    fresh = await db.confirmations.create(USER, "order", 600, code="005930", quantity=3)
    assert await db.confirmations.claim(fresh.id, USER)

    assert await db.confirmations.abandon_submits(clock.now() - timedelta(seconds=60), "x") == 1

    states = {
        c.id: (c.state, c.msg_cd)
        for c in [await db.confirmations.get(i.id) for i in (old, recorded, fresh)]
        if c
    }
    assert states == {
        old.id: ("unknown", "x"),
        recorded.id: ("submitted", None),
        fresh.id: ("submitting", None),
    }
    await clock.advance(1)
    assert await db.confirmations.abandon_submits(clock.now(), "x") == 1  # now the fresh one


async def test_cancelled_and_expired_confirmations_cannot_be_claimed(
    db: Database, clock: ManualClock
) -> None:
    cancelled = await db.confirmations.create(USER, "cancel", 60, target_order_no="0000117057")
    expiring = await db.confirmations.create(USER, "switch_real", 60)
    assert await db.confirmations.cancel(cancelled.id, USER) is True
    await clock.advance(61)
    expired = await db.confirmations.expire_due()
    assert [c.id for c in expired] == [expiring.id]
    assert expired[0].state == "expired"
    assert await db.confirmations.claim(cancelled.id, USER) is False
    assert await db.confirmations.claim(expiring.id, USER) is False
    assert await db.confirmations.expire_due() == []


async def test_forget_deletes_everything_of_the_user_and_nothing_else(
    db: Database, clock: ManualClock
) -> None:
    await db.credentials.put(USER, credential())
    await db.credentials.put(USER + 1, credential(app_key="SOMEONEELSE"))
    await db.tokens.save(APP_KEY, Environment.MOCK, token(clock))
    await db.tokens.save("SOMEONEELSE", Environment.MOCK, token(clock))
    alert = await db.alerts.add(USER, "005930", "above", 1)
    await db.alerts.fire(alert.id, 77, "x")
    await db.confirmations.create(USER, "order", 60, side="buy", code="005930", quantity=1)

    await db.forget_user(USER)

    assert await db.users.get(USER) is None
    assert await db.credentials.get(USER, Environment.MOCK) is None
    assert await db.tokens.load(APP_KEY, Environment.MOCK) is None
    assert await db.alerts.list_for_user(USER, fired_since=clock.now() - timedelta(days=1)) == []
    assert await db.outbox.pending() == []
    assert await db.credentials.get(USER + 1, Environment.MOCK) is not None
    assert await db.tokens.load("SOMEONEELSE", Environment.MOCK) is not None
    async with db.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            if "user_id" in table.c:
                left = select(func.count()).select_from(table).where(table.c.user_id == USER)
                assert await connection.scalar(left) == 0, table.name
