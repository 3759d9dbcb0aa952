"""What real time keeps in the database, on SQLite and PostgreSQL: approval keys (encrypted,
shared between processes), notices queued once however often they are announced, and an
order's progress that only moves forward."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select, text

from kisbot.clock import ManualClock
from kisbot.kis import Environment
from kisbot.kis.realtime.approval import ApprovalKey
from kisbot.store.models import ApprovalKeyRow
from tests.store.conftest import KEY_B, Opener
from tests.store.factories import APP_KEY, credential

APPROVAL = "6f1d5a0e-approval-key-value-0000000000"


def approval(clock: ManualClock, value: str = APPROVAL) -> ApprovalKey:
    return ApprovalKey(value, clock.now(), clock.now() + timedelta(hours=24))


async def test_an_approval_key_is_shared_between_processes_and_stored_encrypted(
    opened: Opener, clock: ManualClock
) -> None:
    first, second = await opened(clock), await opened(clock)
    await first.approval_keys.save(APP_KEY, Environment.MOCK, approval(clock))
    loaded = await second.approval_keys.load(APP_KEY, Environment.MOCK)
    assert loaded == approval(clock) and loaded.expires_at.tzinfo is not None
    assert await second.approval_keys.load(APP_KEY, Environment.REAL) is None
    async with second.engine.connect() as connection:
        rows = (await connection.execute(select(ApprovalKeyRow))).all()
        dump = " ".join(str(value) for row in rows for value in row)
    assert APPROVAL not in dump and APP_KEY not in dump


async def test_an_approval_key_another_master_key_wrote_is_simply_issued_again(
    opened: Opener, clock: ManualClock
) -> None:
    await (await opened(clock)).approval_keys.save(APP_KEY, Environment.MOCK, approval(clock))
    other = await opened(clock, master_key=KEY_B)
    assert await other.approval_keys.load(APP_KEY, Environment.MOCK) is None


async def test_forget_deletes_the_users_approval_keys(opened: Opener, clock: ManualClock) -> None:
    database = await opened(clock)
    await database.credentials.put(7, credential())
    await database.approval_keys.save(APP_KEY, Environment.MOCK, approval(clock))
    await database.forget_user(7)
    assert await database.approval_keys.load(APP_KEY, Environment.MOCK) is None


async def test_a_notice_is_queued_once_however_many_announce_it(
    opened: Opener, clock: ManualClock
) -> None:
    first, second = await opened(clock), await opened(clock)
    await first.users.get_or_create(7, 7)
    queued = await asyncio.gather(
        *(
            database.outbox.enqueue_once("notice:7:mock:20261123:123:filled:5", 7, 7, "filled")
            for database in (first, second) * 10
        )
    )
    assert queued.count(True) == 1
    assert len(await first.outbox.pending()) == 1
    # Another quantity of the same order is another notice.
    assert await first.outbox.enqueue_once("notice:7:mock:20261123:123:filled:10", 7, 7, "x")


async def test_an_orders_progress_only_moves_forward(opened: Opener, clock: ManualClock) -> None:
    database = await opened(clock)
    row = await database.confirmations.create(7, "order", 60, environment="mock", quantity=10)
    finals = ("filled", "rejected", "cancelled", "modified")
    repo = database.confirmations
    assert await repo.advance_progress(row.id, "partial", 3, finals)
    assert not await repo.advance_progress(row.id, "partial", 2, finals)  # a stale count
    assert await repo.advance_progress(row.id, "filled", 10, finals)
    assert not await repo.advance_progress(row.id, "accepted", 10, finals)  # a late acceptance
    stored = await repo.get(row.id)
    assert stored is not None and (stored.progress, stored.filled_quantity) == ("filled", 10)


async def test_credentials_keep_the_hts_id_encrypted(opened: Opener, clock: ManualClock) -> None:
    database = await opened(clock)
    with_id = credential()
    with_id = type(with_id)(
        with_id.app_key, with_id.app_secret, with_id.account, with_id.environment, "kisuser77"
    )
    await database.credentials.put(7, with_id)
    assert (await database.credentials.get(7, Environment.MOCK)).hts_id == "kisuser77"
    assert [user for user, _ in await database.credentials.with_hts_id()] == [7]
    async with database.engine.connect() as connection:
        dump = (await connection.execute(text("SELECT * FROM credentials"))).all()
    assert "kisuser77" not in repr(dump)


async def test_the_app_keys_in_use_are_known_without_decrypting_them(
    opened: Opener, clock: ManualClock
) -> None:
    database = await opened(clock)
    await database.credentials.put(7, credential())
    await database.credentials.put(8, credential())  # the same key, another user
    await database.credentials.put(9, credential(app_key="PSotherKEY000000000000000000000000000"))
    hashes = await database.credentials.key_hashes()
    assert hashes == {
        database.vault.lookup_hash(APP_KEY, "mock"),
        database.vault.lookup_hash("PSotherKEY000000000000000000000000000", "mock"),
    }
    # A row stored before the hash was kept gets it on first use.
    async with database.engine.begin() as connection:
        await connection.execute(text("UPDATE credentials SET key_hash = NULL"))
    assert await database.credentials.key_hashes() == hashes
