"""Updates are processed concurrently: one user's slow KIS call does not hold up another."""

from __future__ import annotations

import asyncio

from tests.e2e.harness import BotHarness

PRICE = "/uapi/domestic-stock/v1/quotations/inquire-price"


async def test_a_slow_kis_call_for_one_user_does_not_delay_another(bot: BotHarness) -> None:
    slow, quick = bot.user("Slow"), bot.user("Quick")
    await bot.register_key(slow)
    await bot.register_key(quick)
    await bot.send(quick, "/price 005930")  # tokens issued, names loaded: both warm
    await bot.send(slow, "/price 005930")
    bot.sandbox.inject_fault(PRICE, "delay", delay=2.0)

    bot.api.send_text(slow, "/price 005930")
    await asyncio.sleep(0.2)  # the slow user's call is now waiting on KIS
    quick_reply = await bot.send(quick, "/price 000660")

    assert "000660" in (quick_reply[0].text or "")
    # The slow user's answer has not come yet: the quick one did not wait behind it.
    assert len(bot.api.transcript(bot.chat(slow))) == 1
    await bot.api.wait_for_messages(bot.chat(slow), 2, timeout=10)
