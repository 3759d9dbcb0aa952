"""A restart on the same data directory keeps what users were in the middle of."""

from __future__ import annotations

from tests.e2e.harness import BotHarness
from tests.e2e.trading_helpers import ask, data_of, eventually, posts, stale_copy


async def test_a_pending_order_confirmed_after_a_restart_is_submitted_once(
    bot: BotHarness,
) -> None:
    user = bot.user("Restarter")
    await bot.register_key(user)
    summary = await ask(bot, user, "/buy 005930 3")
    before_restart = stale_copy(summary)

    await bot.restart()

    await bot.press(user, summary, data_of(summary, "ok"))
    shown = bot.api.find_message(summary.chat.id, summary.message_id)
    await eventually(lambda: shown is not None and "주문번호" in (shown.text or ""))
    assert len(posts(bot)) == 1

    await bot.press(user, before_restart, data_of(before_restart, "ok"))
    assert len(posts(bot)) == 1
