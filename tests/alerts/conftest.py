"""Alert engine fixtures: the store on SQLite (and PostgreSQL when configured), the sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from kisbot.sandbox import Sandbox
from tests.store.conftest import (  # noqa: F401  (fixtures reused as they are)
    backend,
    opened,
    postgres_url,
    sqlite_template,
)


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(real_rate=0, mock_rate=0, token_interval=0, seed=7) as running:
        yield running
