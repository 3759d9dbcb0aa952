"""A reply that must wait for KIS's token window says so at once, then shows the result."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kisbot.clock import ManualClock
from kisbot.sandbox import Sandbox
from tests.e2e.harness import BotHarness
from tests.e2e.trading_helpers import ask, data_of, eventually, posts


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[BotHarness]:
    # KIS's own rule in the sandbox (one token a minute per app key), on a clock the test moves.
    clock = ManualClock(datetime.now(UTC))
    async with (
        Sandbox(real_rate=0, mock_rate=0, seed=7, walk_interval=0, clock=clock) as sandbox,
        BotHarness(tmp_path, clock=clock, sandbox=sandbox) as harness,
    ):
        yield harness


async def _token_refused_seconds_after_issuing(bot: BotHarness, seconds: float):  # type: ignore[no-untyped-def]
    user = bot.user()
    await bot.register_key(user)
    bot.sandbox.close_market()
    assert "005930" in await bot.reply_text(user, "/price 005930")  # issues the token
    assert isinstance(bot.clock, ManualClock)
    await bot.clock.advance(seconds)
    bot.sandbox.expire_tokens()  # KIS drops it: the next call needs a new one, a minute on
    return user


async def test_a_price_waiting_for_the_token_window_says_so_then_edits_in_the_price(
    bot: BotHarness,
) -> None:
    user = await _token_refused_seconds_after_issuing(bot, 3)
    (status,) = await bot.send(user, "/price 005930")
    assert "접근토큰" in (status.text or "") and "57초" in (status.text or "")
    assert isinstance(bot.clock, ManualClock)
    await eventually(lambda: bot.clock.sleepers > 0)  # type: ignore[union-attr]
    await bot.clock.advance(60)
    await eventually(lambda: "거래량" in (status.text or ""))
    assert status.edits >= 1
    assert len(bot.api.transcript(bot.chat(user))) == 2  # one reply per /price: edited, not added


async def test_a_confirm_press_waiting_for_the_token_window_is_answered_at_once(
    bot: BotHarness,
) -> None:
    user = bot.user()
    await bot.register_key(user)
    summary = await ask(bot, user, "/buy 005930 1")  # issues the token
    assert isinstance(bot.clock, ManualClock)
    await bot.clock.advance(10)
    bot.sandbox.expire_tokens()
    toast = await bot.press(user, summary, data_of(summary, "ok"))
    assert "접근토큰" in toast and "50초" in toast
    assert posts(bot) == [] or all(entry.status != 200 for entry in posts(bot))
    await bot.clock.advance(60)
    await eventually(lambda: "주문번호" in (summary.text or ""))
    assert len([entry for entry in posts(bot) if entry.status == 200]) == 1
