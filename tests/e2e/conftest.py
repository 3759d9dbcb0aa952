"""Fixtures for end-to-end tests: a running bot with the sandbox and a local Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e.harness import BotHarness
from tests.store.conftest import (  # noqa: F401  (the store's backends, for tests that pick one)
    backend,
    postgres_url,
    sqlite_template,
)


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[BotHarness]:
    async with BotHarness(tmp_path / "data") as harness:
        yield harness
