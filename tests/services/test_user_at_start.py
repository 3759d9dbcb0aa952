"""One query per update: the user's language and active key read together, used at most once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kisbot.clock import ManualClock
from kisbot.config import load_settings
from kisbot.core import build_core
from kisbot.kis import Account, Credential, Environment
from kisbot.problems import Problem
from kisbot.services import Services, open_services
from kisbot.store.vault import generate_key

USER = 4101
OTHER = 4102
MOCK = Credential("PSmockKey01", "MockSecret01", Account.parse("50012345-01"), Environment.MOCK)
REAL = Credential("PSrealKey01", "RealSecret01", Account.parse("60012345-01"), Environment.REAL)


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    settings = load_settings(
        {
            "KISBOT_DATA_DIR": str(tmp_path),
            "KISBOT_MASTER_KEY": generate_key(),
            "KISBOT_KIS_REAL_URL": "http://127.0.0.1:9",  # nothing here calls KIS
            "KISBOT_KIS_MOCK_URL": "http://127.0.0.1:9",
        }
    )
    opened = await open_services(settings, clock=ManualClock(datetime.now(UTC)))
    yield opened
    await opened.aclose()


async def test_an_unknown_user_has_no_language_and_no_key(services: Services) -> None:
    user = await services.database.credentials.user_at_start(USER)
    assert (user.locale, user.active) == (None, None)
    assert services.database.credentials.open(user.active) is None


async def test_language_and_active_key_come_together_still_sealed(services: Services) -> None:
    db = services.database
    await db.users.set_locale(USER, "en")
    await db.credentials.put(USER, MOCK)
    await db.credentials.put(USER, REAL)  # stored, but mock stays active

    user = await db.credentials.user_at_start(USER)

    assert user.locale == "en"
    assert user.active is not None and user.active.environment == "mock"
    assert "PSmockKey01" not in repr(user) and user.active.app_key_enc not in repr(user)
    assert db.credentials.open(user.active) == MOCK
    await db.users.set_active_env(USER, Environment.REAL)
    assert db.credentials.open((await db.credentials.user_at_start(USER)).active) == REAL
    assert await db.credentials.get_active(USER) == REAL


async def test_an_active_environment_without_its_key_is_no_key(services: Services) -> None:
    db = services.database
    await db.credentials.put(USER, MOCK)
    await db.credentials.delete(USER, Environment.MOCK)

    assert (await db.credentials.user_at_start(USER)).active is None
    with pytest.raises(Problem, match=r"common\.no_credential"):
        await build_core(services).accounts.client(USER)


async def test_one_update_reads_the_user_once_and_sees_its_own_changes(
    services: Services,
) -> None:
    db = services.database
    await db.credentials.put(USER, MOCK)
    accounts = build_core(services).accounts
    reads = 0
    read = db.credentials.user_at_start

    async def counted(user_id: int):  # type: ignore[no-untyped-def]
        nonlocal reads
        reads += 1
        return await read(user_id)

    db.credentials.user_at_start = counted  # type: ignore[method-assign]
    with accounts.one_read_per_update():
        assert await accounts.locale(USER) is None
        assert (await accounts.client(USER)).credential == MOCK
        assert reads == 1
        assert await accounts.set_locale(USER, ["en"]) == "en"
        assert await accounts.locale(USER) == "en"  # its own write is not hidden
        assert reads == 2
    await db.users.set_locale(USER, "ko")  # another process, between updates
    with accounts.one_read_per_update():
        assert await accounts.locale(USER) == "ko"
    assert reads == 3
