"""Alerts on stocks abroad: set in the stock's currency, checked while its exchange trades
(New York's hours, which move with American daylight saving), fired once."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

from kisbot.clock import KST
from kisbot.kis import Environment
from tests.e2e.alerts_helpers import FAST, alert_messages, wait_for_alerts, wait_rounds
from tests.e2e.harness import BotHarness, bot_at
from tests.e2e.overseas_helpers import investor

PRICE_PATH = "/uapi/overseas-price/v1/quotations/price"
HOURS = {**FAST, "KISBOT_MARKET_HOURS_ONLY": "true"}


def price_calls(bot: BotHarness) -> int:
    return len(bot.sandbox.requests(PRICE_PATH))


async def test_a_us_alert_fires_at_2345_kst_from_new_york(tmp_path: Path) -> None:
    # Monday 23:45 KST in December is 09:45 in New York: KRX is long closed, NASDAQ trades.
    async with bot_at(tmp_path, datetime(2026, 12, 7, 23, 45, tzinfo=KST), **HOURS) as bot:
        user = await investor(bot)
        created = await bot.reply_text(user, "/alert AAPL above 192")
        assert "애플" in created and "NAS:AAPL" in created and "$192.00 이상" in created
        assert "$191.25" in created
        bot.sandbox.set_overseas_price("NAS", "AAPL", Decimal("192.10"))
        [message] = await wait_for_alerts(bot, user, 1)
        text = message.text or ""
        assert "애플" in text and "NAS:AAPL" in text and "$192.10" in text and "나스닥" in text
        await wait_rounds(bot, 3)
        assert len(alert_messages(bot, user)) == 1  # once
        assert "$192.00 이상" in await bot.reply_text(user, "/alerts")


async def test_outside_new_york_hours_nothing_is_asked(tmp_path: Path) -> None:
    # Monday 12:00 KST: KRX trades, New York (Sunday 22:00) does not.
    async with bot_at(tmp_path, datetime(2026, 12, 7, 12, 0, tzinfo=KST), **HOURS) as bot:
        user = await investor(bot)
        await bot.send(user, "/alert AAPL above 192")
        before = price_calls(bot)
        bot.sandbox.set_overseas_price("NAS", "AAPL", Decimal("195"))
        await wait_rounds(bot, 3)
        assert price_calls(bot) == before and alert_messages(bot, user) == []


async def test_in_summer_new_york_opens_an_hour_earlier_in_kst(tmp_path: Path) -> None:
    # Tuesday 22:45 KST in July is 09:45 in New York (daylight saving).
    async with bot_at(tmp_path, datetime(2026, 7, 7, 22, 45, tzinfo=KST), **HOURS) as bot:
        user = await investor(bot, Environment.MOCK)
        await bot.send(user, "/alert 애플 below $190")
        bot.sandbox.set_overseas_price("NAS", "AAPL", Decimal("189.99"))
        [message] = await wait_for_alerts(bot, user, 1)
        assert "$189.99" in (message.text or "") and "$190.00 이하" in (message.text or "")


async def test_a_krx_alert_still_wants_whole_won(tmp_path: Path) -> None:
    async with bot_at(tmp_path, datetime(2026, 12, 7, 10, 0, tzinfo=KST)) as bot:
        user = await investor(bot)
        assert "가격" in await bot.reply_text(user, "/alert 005930 above 72000.5")
        assert "등록된 알림이 없습니다" in await bot.reply_text(user, "/alerts")
