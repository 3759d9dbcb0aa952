"""Key rotation and wrong keys: secrets move to the new key, or nothing changes at all."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text

from kisbot.clock import ManualClock
from kisbot.kis.credentials import Environment
from kisbot.store.database import open_database
from kisbot.store.errors import MissingKeyError, WrongKeyError
from kisbot.store.rotation import rotate_secrets
from kisbot.store.vault import Vault
from tests.store.conftest import KEY_A, KEY_B, Backend, Opener
from tests.store.factories import APP_KEY, TOKEN_VALUE, credential, token


async def _store_with_key_a(opened: Opener, clock: ManualClock) -> None:
    db = await opened(clock, KEY_A)
    await db.credentials.put(1, credential())
    await db.tokens.save(APP_KEY, Environment.MOCK, token(clock))
    await db.close()


async def _raw_secrets(opened: Opener) -> list[tuple[str, ...]]:
    # The ciphertexts exactly as stored, to prove a failed operation wrote nothing.
    db = await opened(None, f"{KEY_A},{KEY_B}")
    async with db.engine.connect() as connection:
        rows = await connection.execute(
            text(
                "SELECT app_key_enc, app_secret_enc, account_enc, key_id FROM credentials "
                "UNION ALL SELECT token_enc, key_hash, environment, key_id FROM access_tokens"
            )
        )
        return sorted(tuple(row) for row in rows)


async def test_rotation_moves_every_secret_to_the_first_key(
    opened: Opener, clock: ManualClock
) -> None:
    await _store_with_key_a(opened, clock)
    both = await opened(clock, f"{KEY_B},{KEY_A}")
    result = await rotate_secrets(both.sessions, both.vault)
    assert (result.credentials, result.tokens) == (1, 1)

    only_new = await opened(clock, KEY_B)
    assert await only_new.credentials.get(1, Environment.MOCK) == credential()
    loaded = await only_new.tokens.load(APP_KEY, Environment.MOCK)
    assert loaded is not None and loaded.value == TOKEN_VALUE
    with pytest.raises(WrongKeyError):
        await opened(clock, KEY_A)


async def test_a_wrong_key_stops_with_a_clear_message_and_changes_nothing(
    opened: Opener, clock: ManualClock
) -> None:
    await _store_with_key_a(opened, clock)
    before = await _raw_secrets(opened)
    with pytest.raises(WrongKeyError) as error:
        await opened(clock, KEY_B)
    assert Vault.from_text(KEY_A).key_id in str(error.value)
    assert "nothing was changed" in str(error.value)
    wrong = Vault.from_text(KEY_B)
    db = await opened(clock, f"{KEY_A},{KEY_B}")
    with pytest.raises(WrongKeyError):
        await rotate_secrets(db.sessions, wrong)
    assert await _raw_secrets(opened) == before


async def test_a_forged_key_id_does_not_pass_for_the_right_key(
    opened: Opener, clock: ManualClock
) -> None:
    await _store_with_key_a(opened, clock)
    db = await opened(clock, f"{KEY_A},{KEY_B}")
    async with db.engine.begin() as connection:
        await connection.execute(
            text("UPDATE credentials SET key_id = :key_id"),
            {"key_id": Vault.from_text(KEY_B).key_id},
        )
    with pytest.raises(WrongKeyError):
        await opened(clock, KEY_B)


async def test_no_key_is_generated_over_existing_secrets(
    backend: Backend, opened: Opener, clock: ManualClock
) -> None:
    await _store_with_key_a(opened, clock)
    with pytest.raises(MissingKeyError) as error:
        await open_database(backend.settings(master_key=None))
    assert "KISBOT_MASTER_KEY" in str(error.value)
    assert not (backend.data_dir / "master.key").exists()


# -- a DATA_DIR/master.key that KISBOT_MASTER_KEY overrides -----------------------------------


async def test_secrets_under_a_key_kept_only_in_an_unread_master_key_file_stop_the_start(
    backend: Backend, opened: Opener, clock: ManualClock
) -> None:
    await _store_with_key_a(opened, clock)
    before = await _raw_secrets(opened)
    key_file = backend.data_dir / "master.key"
    key_file.write_text(KEY_A + "\n")
    with pytest.raises(WrongKeyError) as error:
        await opened(clock, KEY_B)
    message = str(error.value)
    assert str(key_file) in message and "not read" in message
    assert "KISBOT_MASTER_KEY=NEW,KEY_FROM_FILE" in message and "rotate-key" in message
    assert KEY_A not in message and KEY_B not in message
    assert await _raw_secrets(opened) == before


async def test_an_unread_master_key_file_with_a_key_nothing_uses_is_warned_about(
    backend: Backend, opened: Opener, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    await _store_with_key_a(opened, clock)
    key_file = backend.data_dir / "master.key"
    key_file.write_text(KEY_B + "\n")
    with caplog.at_level(logging.WARNING, logger="kisbot.store.database"):
        db = await opened(clock, KEY_A)
    assert await db.credentials.get(1, Environment.MOCK) == credential()
    [warning] = caplog.records
    assert str(key_file) in warning.getMessage() and "backups" in warning.getMessage()
    assert KEY_B not in caplog.text

    caplog.clear()
    key_file.write_text("garbage that is no key\n")
    with caplog.at_level(logging.WARNING, logger="kisbot.store.database"):
        await opened(clock, KEY_A)
    [warning] = caplog.records
    assert "holds no valid key" in warning.getMessage()


async def test_a_master_key_file_whose_key_is_also_in_the_variable_is_fine_quietly(
    backend: Backend, opened: Opener, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    await _store_with_key_a(opened, clock)
    (backend.data_dir / "master.key").write_text(KEY_A + "\n")
    with caplog.at_level(logging.WARNING, logger="kisbot.store"):
        db = await opened(clock, f"{KEY_B},{KEY_A}")
    assert await db.credentials.get(1, Environment.MOCK) == credential()
    assert caplog.records == []
