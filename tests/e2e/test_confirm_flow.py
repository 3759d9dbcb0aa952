"""The two-step confirmation: an order goes to KIS at most once, whatever is pressed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from kisbot.clock import ManualClock
from tests.e2e.harness import BotHarness
from tests.e2e.trading_helpers import ask, data_of, eventually, posts, stale_copy


async def test_confirm_sends_one_order_and_shows_its_number(bot: BotHarness) -> None:
    user = bot.user()
    await bot.register_key(user)
    summary = await ask(bot, user, "/buy 005930 3")
    assert "시장가" in summary.text and "005930" in summary.text
    assert [b.text for b in summary.flat_buttons] == ["확인", "취소"]
    toast = await bot.press(user, summary, data_of(summary, "ok"))
    assert "접수" in toast
    assert len(posts(bot)) == 1
    assert "주문번호" in summary.text and summary.flat_buttons == []
    order_no = summary.text.split("주문번호")[-1].strip()
    assert order_no.isdigit()


async def test_a_second_press_sends_nothing_more(bot: BotHarness) -> None:
    user = bot.user()
    await bot.register_key(user)
    summary = await ask(bot, user, "/buy 005930 1")
    data = data_of(summary, "ok")
    stale = stale_copy(summary)
    await bot.press(user, summary, data)
    toast = await bot.press(user, stale, data)
    assert "이미" in toast
    assert len(posts(bot)) == 1


async def test_twenty_concurrent_presses_send_exactly_one_order(bot: BotHarness) -> None:
    user = bot.user()
    await bot.register_key(user)
    summary = await ask(bot, user, "/sell 005930 1")
    data = data_of(summary, "ok")
    queries = [bot.api.press_button(user, stale_copy(summary), data) for _ in range(20)]
    answers = await asyncio.gather(*(bot.api.wait_for_answer(q, timeout=15) for q in queries))
    assert len(posts(bot)) == 1
    accepted = [a for a in answers if "접수" in (a.text or "")]
    assert len(accepted) == 1
    assert all("이미" in (a.text or "") for a in answers if a not in accepted)


async def test_another_users_press_changes_nothing(bot: BotHarness) -> None:
    owner, intruder = bot.user("Owner"), bot.user("Intruder")
    await bot.register_key(owner)
    await bot.register_key(intruder)
    summary = await ask(bot, owner, "/buy 005930 1")
    toast = await bot.press(intruder, summary, data_of(summary, "ok"))
    assert "본인" in toast
    assert posts(bot) == []
    assert len(summary.flat_buttons) == 2  # still the owner's to decide
    await bot.press(owner, summary, data_of(summary, "ok"))
    assert len(posts(bot)) == 1


async def test_cancel_button_sends_nothing_and_removes_the_buttons(bot: BotHarness) -> None:
    user = bot.user()
    await bot.register_key(user)
    summary = await ask(bot, user, "/buy 005930 1")
    stale = stale_copy(summary)
    assert "취소" in await bot.press(user, summary, data_of(summary, "no"))
    assert summary.flat_buttons == [] and "전송하지 않았습니다" in summary.text
    toast = await bot.press(user, stale, data_of(stale, "ok"))
    assert "취소된" in toast
    assert posts(bot) == []


async def test_expired_confirmation_is_refused_and_loses_its_buttons(tmp_path: Path) -> None:
    clock = ManualClock(datetime.now(UTC), autojump=True)
    async with BotHarness(tmp_path, env={"KISBOT_CONFIRM_TTL": "5"}, clock=clock) as bot:
        user = bot.user()
        await bot.register_key(user)
        summary = await ask(bot, user, "/buy 005930 1")
        stale = stale_copy(summary)
        await clock.advance(6)
        toast = await bot.press(user, stale, data_of(stale, "ok"))
        assert "유효하지" in toast
        await eventually(lambda: summary.flat_buttons == [])
        assert "시간이 지나" in summary.text
        assert posts(bot) == []


async def test_unanswered_confirmation_loses_its_buttons_on_its_own(tmp_path: Path) -> None:
    clock = ManualClock(datetime.now(UTC), autojump=True)
    async with BotHarness(tmp_path, env={"KISBOT_CONFIRM_TTL": "5"}, clock=clock) as bot:
        user = bot.user()
        await bot.register_key(user)
        bot.sandbox.set_price("005930", 72000)
        summary = await ask(bot, user, "/sell 005930 2 75000")
        await clock.advance(6)
        await eventually(lambda: summary.flat_buttons == [])
        assert "시간이 지나" in summary.text
        assert posts(bot) == []
