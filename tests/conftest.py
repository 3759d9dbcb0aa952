"""Fixtures shared by every test package."""

from __future__ import annotations

import logging

import pytest

from kisbot.clock import ManualClock


@pytest.fixture
def clock() -> ManualClock:
    """A clock the test moves by hand (09:00 KST on a Monday)."""
    return ManualClock()


@pytest.fixture(autouse=True)
def _quiet_httpx() -> None:
    # httpx logs every URL at INFO; some carry tokens. Tests run with it quiet, like the bot.
    logging.getLogger("httpx").setLevel(logging.WARNING)
