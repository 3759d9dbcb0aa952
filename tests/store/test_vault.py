"""The vault: where keys come from, and secrets that cannot be trusted are refused."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from kisbot.clock import ManualClock
from kisbot.config import load_settings
from kisbot.kis.credentials import Environment
from kisbot.store.database import Database
from kisbot.store.errors import MasterKeyFormatError, SecretBindingError, WrongKeyError
from kisbot.store.vault import Vault, load_vault
from tests.store.conftest import KEY_A, KEY_B
from tests.store.factories import APP_KEY, credential, token


def test_missing_master_key_is_generated_once_with_mode_0600_and_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = load_settings({"KISBOT_DATA_DIR": str(tmp_path / "data")})
    old_umask = os.umask(0)  # even a permissive umask must not widen the file
    try:
        with caplog.at_level(logging.WARNING, logger="kisbot.store.vault"):
            first = load_vault(settings)
    finally:
        os.umask(old_umask)
    key_file = tmp_path / "data" / "master.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    [warning] = caplog.records
    assert str(key_file.resolve()) in warning.getMessage()
    assert "Back this file up" in warning.getMessage()
    assert key_file.read_text().strip() not in caplog.text
    caplog.clear()
    assert load_vault(settings).key_id == first.key_id
    assert caplog.records == []


def test_a_malformed_master_key_is_refused_without_echoing_it() -> None:
    with pytest.raises(MasterKeyFormatError) as error:
        Vault.from_text("not-a-fernet-key-but-secret")
    assert "not-a-fernet-key-but-secret" not in str(error.value)
    assert "KISBOT_MASTER_KEY" in str(error.value)


def test_first_key_encrypts_and_every_key_decrypts() -> None:
    old, both = Vault.from_text(KEY_A), Vault.from_text(f"{KEY_B},{KEY_A}")
    assert both.decrypt("credential:1:mock:app_key", old.encrypt("credential:1:mock:app_key", "v"))
    assert both.key_id == Vault.from_text(KEY_B).key_id
    with pytest.raises(WrongKeyError):
        old.decrypt("o", both.encrypt("o", "v"))


async def test_a_secret_swapped_onto_another_users_row_is_rejected(db: Database) -> None:
    await db.credentials.put(1, credential())
    await db.credentials.put(2, credential(app_key="VICTIMKEY"))
    async with db.engine.begin() as connection:
        await connection.execute(
            text(
                "UPDATE credentials SET app_key_enc = "
                "(SELECT app_key_enc FROM credentials WHERE user_id = 1) WHERE user_id = 2"
            )
        )
    with pytest.raises(SecretBindingError) as error:
        await db.credentials.get(2, Environment.MOCK)
    assert APP_KEY not in str(error.value)
    assert await db.credentials.get(1, Environment.MOCK) == credential()


async def test_a_secret_read_before_is_still_refused_once_moved_onto_another_row(
    db: Database,
) -> None:
    # The vault keeps what it decrypted; a ciphertext it knows, moved to another owner, is not.
    await db.credentials.put(1, credential())
    await db.credentials.put(2, credential(app_key="VICTIMKEY"))
    assert await db.credentials.get(1, Environment.MOCK) == credential()
    async with db.engine.begin() as connection:
        await connection.execute(
            text(
                "UPDATE credentials SET app_key_enc = "
                "(SELECT app_key_enc FROM credentials WHERE user_id = 1) WHERE user_id = 2"
            )
        )
    with pytest.raises(SecretBindingError):
        await db.credentials.get(2, Environment.MOCK)


def test_a_secret_decrypted_once_is_the_same_the_next_time_and_tampering_still_fails() -> None:
    vault = Vault.from_text(KEY_A)
    sealed = vault.encrypt("credential:1:mock:app_key", "value")
    assert vault.decrypt("credential:1:mock:app_key", sealed) == "value"
    assert vault.decrypt("credential:1:mock:app_key", sealed) == "value"
    with pytest.raises(WrongKeyError):
        vault.decrypt("credential:1:mock:app_key", sealed[:-4] + "AAAA")


async def test_fields_swapped_within_a_row_are_rejected(db: Database) -> None:
    await db.credentials.put(1, credential())
    async with db.engine.begin() as connection:
        await connection.execute(
            text(
                "UPDATE credentials SET app_key_enc = app_secret_enc, app_secret_enc = app_key_enc"
            )
        )
    with pytest.raises(SecretBindingError):
        await db.credentials.get_active(1)


async def test_a_token_copied_onto_another_app_keys_row_is_rejected(
    db: Database, clock: ManualClock
) -> None:
    await db.tokens.save(APP_KEY, Environment.MOCK, token(clock, "attacker-token"))
    await db.tokens.save("VICTIMKEY", Environment.MOCK, token(clock, "victim-token"))
    victim = db.vault.lookup_hash("VICTIMKEY", "mock")
    async with db.engine.begin() as connection:
        await connection.execute(
            text(
                "UPDATE access_tokens SET token_enc = "
                "(SELECT token_enc FROM access_tokens WHERE key_hash != :victim) "
                "WHERE key_hash = :victim"
            ),
            {"victim": victim},
        )
    with pytest.raises(SecretBindingError):
        await db.tokens.load("VICTIMKEY", Environment.MOCK)
