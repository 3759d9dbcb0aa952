"""Fill notices without the WebSocket: kisbot's open orders are read every few seconds."""

from __future__ import annotations

from pathlib import Path

import pytest

from handlers import jobs
from kisbot.kis import Environment
from tests.e2e.harness import BotHarness
from tests.e2e.trading_helpers import ask, data_of, eventually

PRICE = 72_000


@pytest.fixture(autouse=True)
def quick_watch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jobs, "ORDER_WATCH_INTERVAL", 0.2)


async def _resting_buy(bot: BotHarness, user: object, qty: int) -> tuple[object, str]:
    bot.sandbox.set_price("005930", PRICE)
    summary = await ask(bot, user, f"/buy 005930 {qty} 70000")  # type: ignore[arg-type]
    await bot.press(user, summary, data_of(summary, "ok"))  # type: ignore[arg-type]
    order_no = summary.text.split("주문번호")[-1].strip()
    return summary, order_no


def _notices(bot: BotHarness, user: object) -> list[object]:
    return [
        m
        for m in bot.api.transcript(bot.chat(user))  # type: ignore[arg-type]
        if m.from_bot and ("체결" in (m.text or "")) and "상태" not in (m.text or "")
    ]


async def test_partial_then_full_fill_each_reported_once_replying_to_the_confirmation(
    tmp_path: Path,
) -> None:
    async with BotHarness(tmp_path) as bot:
        user = bot.user()
        await bot.register_key(user)
        summary, order_no = await _resting_buy(bot, user, 10)
        bot.sandbox.fill(order_no, 3)
        await eventually(lambda: len(_notices(bot, user)) == 1)
        (partial,) = _notices(bot, user)
        assert "부분체결 3/10주" in partial.text and order_no in partial.text
        assert partial.reply_to_message_id == summary.message_id
        await eventually(lambda: "📊 상태: 부분체결 3/10주" in summary.text)
        bot.sandbox.fill(order_no, 7)
        await eventually(lambda: len(_notices(bot, user)) == 2)
        assert "체결완료 10/10주" in _notices(bot, user)[1].text
        await eventually(lambda: "📊 상태: 체결완료 10/10주" in summary.text)
        # Later rounds find nothing new: the order is finished and no longer watched.
        before = len(bot.sandbox.requests("/uapi/domestic-stock/v1/trading/inquire-daily-ccld"))
        await bot.application.job_queue.get_jobs_by_name("watch-orders")[0].run(bot.application)
        after = len(bot.sandbox.requests("/uapi/domestic-stock/v1/trading/inquire-daily-ccld"))
        assert after == before and len(_notices(bot, user)) == 2


async def test_a_restart_sends_nothing_twice(tmp_path: Path) -> None:
    async with BotHarness(tmp_path) as bot:
        user = bot.user()
        await bot.register_key(user)
        _summary, order_no = await _resting_buy(bot, user, 5)
        bot.sandbox.fill(order_no, 2)
        await eventually(lambda: len(_notices(bot, user)) == 1)
        await bot.restart()
        for _ in range(3):
            await bot.application.job_queue.get_jobs_by_name("watch-orders")[0].run(bot.application)
        assert len(_notices(bot, user)) == 1


async def test_no_open_orders_no_polling(tmp_path: Path) -> None:
    async with BotHarness(tmp_path) as bot:
        user = bot.user()
        await bot.register_key(user, Environment.MOCK)
        await bot.application.job_queue.get_jobs_by_name("watch-orders")[0].run(bot.application)
        assert bot.sandbox.requests("/uapi/domestic-stock/v1/trading/inquire-daily-ccld") == []
