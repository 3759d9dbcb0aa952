"""/price and /daily end to end: the real Application, the local Bot API and the KIS sandbox."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from handlers.callbacks import DailyPick, PricePick, PriceRefresh, encode
from kisbot.chat.models import Message, User
from kisbot.clock import ManualClock
from tests.e2e.harness import BotHarness

QUOTE_PATH = "/uapi/domestic-stock/v1/quotations/inquire-price"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TABLE_ROW = re.compile(r"^\d\d-\d\d\s", re.MULTILINE)


@pytest.fixture(autouse=True)
def _no_error_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    # A user's mistake or a KIS failure is answered, never an unhandled error.
    with caplog.at_level(logging.WARNING):
        yield
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]


async def _user_with_key(bot: BotHarness) -> User:
    user = bot.user()
    await bot.register_key(user)
    return user


def _won(price: int) -> str:
    return f"{price:,}원"


def _rows(messages: list[Message]) -> int:
    return sum(len(TABLE_ROW.findall(m.text or "")) for m in messages if m.text)


def _photos(messages: list[Message]) -> list[Message]:
    return [m for m in messages if m.photo is not None]


# -- /price --------------------------------------------------------------------------------


async def test_price_by_code_shows_price_change_volume_range_time_and_badge(
    bot: BotHarness,
) -> None:
    user = await _user_with_key(bot)
    bot.sandbox.close_market()
    price = bot.sandbox.set_price("005930", 72_300)
    (reply,) = await bot.send(user, "/price 005930")
    text = reply.text or ""
    assert "삼성전자" in text and "005930" in text
    assert _won(price) in text
    assert re.search(r"[▲▼–] [+-]?[\d,]+ \([+-]?\d+\.\d\d%\)", text)
    assert "거래량" in text and "일중 범위" in text
    assert re.search(r"\d\d:\d\d:\d\d KST", text)
    assert "[모의]" in text
    assert [b.callback_data for b in reply.flat_buttons] == [encode(PriceRefresh("005930"))]


async def test_price_by_exact_korean_name(bot: BotHarness) -> None:
    user = await _user_with_key(bot)
    bot.sandbox.close_market()
    text = await bot.reply_text(user, "/price 삼성전자")
    assert "005930" in text and _won(bot.sandbox.price("005930")) in text


async def test_price_of_an_alphanumeric_code_typed_in_lower_case(bot: BotHarness) -> None:
    user = await _user_with_key(bot)
    bot.sandbox.close_market()
    text = await bot.reply_text(user, "/price 0004y0")
    assert "샌드박스알파" in text and "0004Y0" in text
    assert _won(bot.sandbox.price("0004Y0")) in text


async def test_ambiguous_name_offers_buttons_and_a_press_shows_that_price(
    bot: BotHarness,
) -> None:
    user = await _user_with_key(bot)
    bot.sandbox.close_market()
    (choices,) = await bot.send(user, "/price 삼성")
    data = [b.callback_data for b in choices.flat_buttons]
    assert encode(PricePick("005930")) in data and encode(PricePick("006400")) in data
    assert len(data) >= 3
    await bot.press(user, choices, encode(PricePick("006400")))
    shown = bot.api.find_message(choices.chat.id, choices.message_id)
    assert shown is not None and shown.edits == 1
    assert "삼성SDI" in (shown.text or "")
    assert _won(bot.sandbox.price("006400")) in (shown.text or "")
    assert [b.callback_data for b in shown.flat_buttons] == [encode(PriceRefresh("006400"))]


async def test_refresh_button_edits_the_price_in_place(bot: BotHarness) -> None:
    user = await _user_with_key(bot)
    bot.sandbox.close_market()
    bot.sandbox.set_price("005930", 70_000)
    (reply,) = await bot.send(user, "/price 005930")
    assert _won(70_000) in (reply.text or "")
    new_price = bot.sandbox.set_price("005930", 74_500)
    await bot.press(user, reply, encode(PriceRefresh("005930")))
    edited = bot.api.find_message(reply.chat.id, reply.message_id)
    assert edited is not None and edited.edits >= 1
    assert _won(new_price) in (edited.text or "")
    assert len(bot.api.transcript(bot.chat(user))) == 1  # edited, not sent anew


async def test_refreshing_an_unchanged_price_is_not_an_error(bot: BotHarness) -> None:
    user = await _user_with_key(bot)
    bot.sandbox.close_market()
    (reply,) = await bot.send(user, "/price 005930")
    for _ in range(2):
        assert "오류" not in await bot.press(user, reply, encode(PriceRefresh("005930")))
    assert len(bot.api.transcript(bot.chat(user))) == 1


async def test_unknown_name_says_so_with_the_right_form(bot: BotHarness) -> None:
    user = await _user_with_key(bot)
    text = await bot.reply_text(user, "/price 없는회사")
    assert "없는회사" in text and "찾지 못했습니다" in text and "/price" in text


async def test_kis_refusal_shows_kis_msg1(bot: BotHarness) -> None:
    user = await _user_with_key(bot)
    bot.sandbox.inject_fault(
        QUOTE_PATH, "kis_error", msg_cd="APBK0919", msg1="조회할 수 없는 종목입니다."
    )
    text = await bot.reply_text(user, "/price 005930")
    assert "조회할 수 없는 종목입니다." in text


async def test_kis_outage_says_kis_cannot_be_reached(tmp_path: Path) -> None:
    async with BotHarness(tmp_path, clock=ManualClock(autojump=True)) as bot:
        user = await _user_with_key(bot)
        bot.sandbox.inject_fault(QUOTE_PATH, "http500", count=20)
        text = await bot.reply_text(user, "/price 005930")
        assert "연결할 수 없습니다" in text
        assert len(bot.sandbox.requests(QUOTE_PATH)) > 1  # retried before giving up


async def test_without_a_key_price_asks_to_register_one(bot: BotHarness) -> None:
    text = await bot.reply_text(bot.user(), "/price 005930")
    assert "/setkey" in text
    assert not bot.sandbox.requests(QUOTE_PATH)


async def test_price_in_english(tmp_path: Path) -> None:
    async with BotHarness(tmp_path, env={"KISBOT_LOCALE": "en"}) as bot:
        user = await _user_with_key(bot)
        (reply,) = await bot.send(user, "/price 005930")
        assert "[mock]" in (reply.text or "") and "Volume" in (reply.text or "")
        assert "₩" in (reply.text or "")
        assert reply.flat_buttons[0].text == "🔄 Refresh"
        assert "Usage: /price" in await bot.reply_text(user, "/price")


# -- /daily --------------------------------------------------------------------------------


async def test_daily_default_is_ten_days_with_a_chart(bot: BotHarness) -> None:
    user = await _user_with_key(bot)
    messages = await bot.send(user, "/daily 005930", replies=2)
    assert "삼성전자" in (messages[0].text or "") and "[모의]" in (messages[0].text or "")
    assert _rows(messages) == 10
    (photo,) = _photos(messages)
    assert photo.photo is not None and photo.photo.data.startswith(PNG_SIGNATURE)
    assert "삼성전자" in (photo.caption or "")


async def test_daily_with_n_shows_n_rows(bot: BotHarness) -> None:
    user = await _user_with_key(bot)
    messages = await bot.send(user, "/daily 삼성전자 25", replies=2)
    assert _rows(messages) == 25
    assert len(_photos(messages)) == 1


async def test_daily_beyond_a_month_uses_the_period_chart(bot: BotHarness) -> None:
    user = await _user_with_key(bot)
    messages = await bot.send(user, "/daily 005930 100", replies=2)
    assert _rows(messages) == 100
    assert all(len(m.source_text or "") <= 4096 for m in messages)
    assert len(_photos(messages)) == 1


async def test_daily_of_one_day_sends_no_chart(bot: BotHarness) -> None:
    user = await _user_with_key(bot)
    messages = await bot.send(user, "/daily 005930 1")
    assert _rows(messages) == 1
    assert not bot.api.calls_of("sendPhoto")


async def test_daily_kodex_200_is_the_etf_not_200_days(bot: BotHarness) -> None:
    user = await _user_with_key(bot)
    messages = await bot.send(user, "/daily KODEX 200", replies=2)
    assert "069500" in (messages[0].text or "")
    assert _rows(messages) == 10


async def test_daily_ambiguous_name_keeps_n_through_the_button(bot: BotHarness) -> None:
    user = await _user_with_key(bot)
    (choices,) = await bot.send(user, "/daily KODEX 5")
    pick = encode(DailyPick("069500", 5))
    assert pick in [b.callback_data for b in choices.flat_buttons]
    await bot.press(user, choices, pick)
    messages = await bot.api.wait_for_messages(bot.chat(user), 3)
    assert _rows(messages[1:]) == 5
    assert len(_photos(messages)) == 1
    picked = bot.api.find_message(choices.chat.id, choices.message_id)
    assert picked is not None and "KODEX 200" in (picked.text or "")
    assert not picked.flat_buttons


async def test_daily_in_english(tmp_path: Path) -> None:
    async with BotHarness(tmp_path, env={"KISBOT_LOCALE": "en"}) as bot:
        user = await _user_with_key(bot)
        messages = await bot.send(user, "/daily 005930 3", replies=2)
        assert "Last 3 trading days" in (messages[0].text or "")
        assert "Close" in (messages[0].text or "")


# -- malformed input -------------------------------------------------------------------------


MALFORMED = (
    ("/price", "/price 종목코드|종목명"),
    ("/price 005930 10", "/price 종목코드|종목명"),
    ("/price !!!", "/price 종목코드|종목명"),
    ("/price " + "가나다" * 300, "/price 종목코드|종목명"),
    ("/daily", "/daily 종목코드|종목명 [일수]"),
    ("/daily 005930 0", "1부터 100까지"),
    ("/daily 005930 101", "1부터 100까지"),
    ("/daily 005930 ten", "1부터 100까지"),
    ("/daily 005930 -3", "1부터 100까지"),
    ("/daily 삼성전자 1.5", "1부터 100까지"),
    ("/daily 없는회사 5", "/daily 종목코드|종목명 [일수]"),
)


async def test_malformed_input_is_answered_once_with_the_right_form(bot: BotHarness) -> None:
    user = await _user_with_key(bot)
    chat = bot.chat(user)
    for command, expected in MALFORMED:
        (reply,) = await bot.send(user, command)
        text = reply.text or ""
        assert expected in text, (command, text)
        assert "오류가 발생했습니다" not in text, command
    await bot.api.wait_for_activity(bot.api.activity, 0.3)  # a stray extra reply would show now
    assert len(bot.api.transcript(chat)) == len(MALFORMED)  # one reply each
    assert not bot.sandbox.requests(QUOTE_PATH)


async def test_names_unavailable_say_to_use_the_code_and_codes_still_work(
    tmp_path: Path,
) -> None:
    async with BotHarness(tmp_path, env={"KISBOT_SYMBOLS_URL": "http://127.0.0.1:9/none"}) as bot:
        user = await _user_with_key(bot)
        text = await bot.reply_text(user, "/price 삼성전자")
        assert "종목코드" in text and "불러올 수 없" in text
        text = await bot.reply_text(user, "/daily KODEX 200")
        assert "불러올 수 없" in text
        bot.sandbox.close_market()
        text = await bot.reply_text(user, "/price 005930")
        assert "005930" in text and _won(bot.sandbox.price("005930")) in text
