"""Overseas prices end to end: /price AAPL in dollars with KIS's won rate and New York's time,
by name, by exchange, a name listed in two places, /daily with its chart; a
listing the exchange does not have said plainly."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from handlers.callbacks import DailyPick, PricePick, PriceRefresh, encode
from kisbot.clock import KST
from kisbot.kis import Environment
from tests.e2e.harness import bot_at
from tests.e2e.overseas_helpers import investor

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


async def test_price_aapl_in_dollars_with_the_won_equivalent_while_new_york_trades(
    tmp_path: Path,
) -> None:
    async with bot_at(tmp_path, datetime(2026, 12, 7, 23, 45, tzinfo=KST)) as bot:  # 09:45 EST
        user = await investor(bot)
        (reply,) = await bot.send(user, "/price AAPL")
        text = reply.text or ""
        assert "애플" in text and "NAS:AAPL" in text and "나스닥" in text
        assert "$191.25" in text and "▲" in text and "+$0.75" in text and "+0.39%" in text
        assert "≈ 267,846원" in text  # 191.25 x 1,400.50, KIS's rate
        assert "현지 12-07 09:45 · 장중" in text
        assert [b.callback_data for b in reply.flat_buttons] == [encode(PriceRefresh("NAS.AAPL"))]
        for words in ("/price 애플", "/price nas:aapl", "/price 나스닥:AAPL", "/price apple"):
            assert "$191.25" in await bot.reply_text(user, words), words


async def test_after_the_close_and_on_mock_there_is_no_won_line(tmp_path: Path) -> None:
    async with bot_at(tmp_path, datetime(2026, 12, 8, 7, 0, tzinfo=KST)) as bot:  # 17:00 EST
        user = await investor(bot, Environment.MOCK)
        text = await bot.reply_text(user, "/price AAPL")
        assert "$191.25" in text and "장 마감" in text and "원" not in text.split("\n")[2]
        assert "≈" not in text


async def test_a_name_listed_in_new_york_and_hong_kong_asks_which(tmp_path: Path) -> None:
    async with bot_at(tmp_path, datetime(2026, 12, 7, 11, 0, tzinfo=KST)) as bot:
        user = await investor(bot)
        (choices,) = await bot.send(user, "/price 알리바바")
        data = [b.callback_data for b in choices.flat_buttons]
        assert data == [encode(PricePick("NYS.BABA")), encode(PricePick("HKS.09988"))]
        await bot.press(user, choices, encode(PricePick("HKS.09988")))
        shown = bot.api.find_message(choices.chat.id, choices.message_id)
        assert shown is not None
        text = shown.text or ""
        assert "HK$88.50" in text and "홍콩" in text and "장중" in text  # 10:00 in Hong Kong
        assert "15분 지연" in text


async def test_daily_of_an_overseas_stock_is_a_table_and_a_chart(tmp_path: Path) -> None:
    async with bot_at(tmp_path, datetime(2026, 12, 7, 23, 45, tzinfo=KST)) as bot:
        user = await investor(bot)
        table, photo = await bot.send(user, "/daily TSLA 20", replies=2)
        assert "테슬라" in (table.text or "") and "최근 20거래일" in (table.text or "")
        assert photo.photo is not None and photo.photo.data.startswith(PNG_SIGNATURE)
        assert "NAS:TSLA" in (photo.caption or "")
        (choices,) = await bot.send(user, "/daily 알리바바 5")
        await bot.press(user, choices, encode(DailyPick("NYS.BABA", 5)))


async def test_unknown_listings_are_said_plainly(
    tmp_path: Path,
) -> None:
    async with bot_at(tmp_path, datetime(2026, 12, 7, 23, 45, tzinfo=KST)) as bot:
        user = await investor(bot)
        assert "시세가 없습니다" in await bot.reply_text(user, "/price NYS:AAPL")
        assert "찾지 못했습니다" in await bot.reply_text(user, "/price 없는회사이름")
