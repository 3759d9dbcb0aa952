"""Nothing secret is readable in the database itself, on either backend."""

from __future__ import annotations

from sqlalchemy import text

from kisbot.clock import ManualClock
from kisbot.kis.credentials import Environment
from kisbot.store.models import Base
from tests.store.conftest import Backend, Opener
from tests.store.factories import ACCOUNT, APP_KEY, APP_SECRET, TOKEN_VALUE, credential, token

VISIBLE_CODE = "Q12345"  # not secret: proves the scan reads the rows at all
SECRETS = {
    "app key": APP_KEY,
    "app secret": APP_SECRET,
    "account number": ACCOUNT.split("-")[0],
    "token": TOKEN_VALUE,
    "token (middle)": TOKEN_VALUE.split(".")[1],
}


async def _store_everything(opened: Opener, clock: ManualClock) -> None:
    db = await opened(clock)
    await db.credentials.put(1, credential(Environment.MOCK))
    await db.credentials.put(1, credential(Environment.REAL))
    await db.tokens.save(APP_KEY, Environment.MOCK, token(clock))
    await db.tokens.save(APP_KEY, Environment.REAL, token(clock))
    await db.alerts.add(1, VISIBLE_CODE, "above", 70000)
    stored = await db.credentials.get(1, Environment.REAL)
    assert stored is not None and stored.app_secret == APP_SECRET  # the data is really there
    loaded = await db.tokens.load(APP_KEY, Environment.REAL)
    assert loaded is not None and loaded.value == TOKEN_VALUE


async def test_no_secret_in_the_raw_bytes_or_columns(
    backend: Backend, opened: Opener, clock: ManualClock
) -> None:
    await _store_everything(opened, clock)
    if backend.name == "sqlite":
        raw = b"".join(
            path.read_bytes() for path in backend.data_dir.glob("kisbot.db*") if path.is_file()
        )
    else:
        db = await opened(clock)
        async with db.engine.connect() as connection:
            rows = [
                row
                for table in Base.metadata.sorted_tables
                for row in await connection.scalars(
                    text(f"SELECT row_to_json(t)::text FROM {table.name} t")
                )
            ]
        assert len(rows) >= 5
        raw = "\n".join(rows).encode()
    assert VISIBLE_CODE.encode() in raw
    leaked = [name for name, secret in SECRETS.items() if secret.encode() in raw]
    assert leaked == []
