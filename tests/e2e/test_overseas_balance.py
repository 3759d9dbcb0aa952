"""/balance abroad: holdings by currency with P/L in the currency, won totals at KIS's rate on
real keys; mock reads each US exchange (its NASD is NASDAQ alone); a bad market word is said."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from kisbot.clock import KST
from kisbot.kis import Environment
from tests.e2e.harness import bot_at
from tests.e2e.overseas_helpers import investor
from tests.e2e.trading_helpers import ask, data_of

BALANCE = "/uapi/overseas-stock/v1/trading/inquire-balance"
NEW_YORK_OPEN = datetime(2026, 12, 7, 23, 45, tzinfo=KST)


async def test_us_holdings_with_dollar_pnl_and_won_totals(tmp_path: Path) -> None:
    async with bot_at(tmp_path, NEW_YORK_OPEN) as bot:
        user = await investor(bot, Environment.REAL)
        text = await bot.reply_text(user, "/balance us")
        assert "해외 잔고" in text and "애플" in text and "NAS:AAPL" in text
        assert "5주 · 평균 $180.00 · 현재 $191.25" in text
        assert "▲ +$56.25 (+6.25%)" in text
        assert "USD 평가 $956.25" in text
        assert "원화 환산 약 1,339,228원" in text  # 956.25 x 1,400.50
        assert "원화 합계" in text
        calls = bot.sandbox.requests(BALANCE)
        assert len(calls) == 1  # real NASD: every US exchange at once


async def test_mock_reads_each_us_exchange_and_shows_no_won(tmp_path: Path) -> None:
    async with bot_at(tmp_path, NEW_YORK_OPEN) as bot:
        user = await investor(bot, Environment.MOCK)
        summary = await ask(bot, user, "/buy KO 10 62.30")
        await bot.press(user, summary, data_of(summary, "ok"))
        text = await bot.reply_text(user, "/balance 미국")
        assert "애플" in text and "코카콜라" in text and "NYS:KO" in text
        assert "원화 환산은 실전 계좌에서만" in text
        assert len(bot.sandbox.requests(BALANCE)) == 3  # NASD, NYSE, AMEX


async def test_no_holdings_abroad_and_a_bad_word(tmp_path: Path) -> None:
    async with bot_at(tmp_path, NEW_YORK_OPEN) as bot:
        user = await investor(bot, Environment.REAL)
        assert "해외 보유 종목이 없습니다" in await bot.reply_text(user, "/balance jp")
        reply = await bot.reply_text(user, "/balance mars")
        assert "알 수 없는 시장" in reply and "/balance us" in reply
        assert "잔고" in await bot.reply_text(user, "/balance")  # Korea, as before
