"""/start, /help and /lang end to end."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from handlers.commands import COMMANDS
from kisbot.kis import Environment
from tests.e2e.harness import BotHarness

# Every command of DESIGN's table, as /help must show it.
DESIGN_COMMANDS = (
    "/start",
    "/help",
    "/setkey",
    "/mode",
    "/forget",
    "/price",
    "/daily",
    "/balance",
    "/buy",
    "/sell",
    "/orders",
    "/cancel",
    "/modify",
    "/alert",
    "/alerts",
    "/unalert",
    "/lang",
)


async def test_start_says_what_the_bot_does_and_lists_every_command(bot: BotHarness) -> None:
    reply = await bot.reply_text(bot.user(), "/start")
    assert "한국투자증권" in reply
    for name in (*DESIGN_COMMANDS, *(f"/{command.name}" for command in COMMANDS)):
        assert name in reply, name
    assert "/buy 005930 10 72000" in reply  # with examples
    assert "등록된 키가 없습니다" in reply


async def test_help_shows_the_registered_keys_and_the_active_one(bot: BotHarness) -> None:
    user = bot.user()
    await bot.register_key(user, Environment.MOCK)
    await bot.register_key(user, Environment.REAL)
    reply = await bot.reply_text(user, "/help")
    assert "/setkey APP_KEY APP_SECRET 12345678-01 mock" in reply
    lines = reply.splitlines()
    mock_line = next(line for line in lines if line.startswith("• 모의투자"))
    real_line = next(line for line in lines if line.startswith("• 실전투자"))
    assert "****-01" in mock_line and "사용 중" in mock_line
    assert "사용 중" not in real_line


async def test_start_remembers_the_private_chat(bot: BotHarness) -> None:
    user = bot.user()
    await bot.reply_text(user, "/start")
    stored = await bot.services.database.users.get(user.id)
    assert stored is not None and stored.chat_id == user.id


async def test_lang_switches_replies_at_once(bot: BotHarness) -> None:
    user = bot.user()
    assert "한국어 (기본값)" in await bot.reply_text(user, "/lang")
    assert await bot.reply_text(user, "/lang en") == "Language set to English."
    assert "Commands" in await bot.reply_text(user, "/help")
    assert "English" in await bot.reply_text(user, "/lang")
    assert "(default)" not in await bot.reply_text(user, "/lang")
    assert await bot.reply_text(user, "/lang ko") == "언어를 한국어로 설정했습니다."
    assert "명령" in await bot.reply_text(user, "/help")
    other = bot.user("Other")
    assert "명령" in await bot.reply_text(other, "/help")  # one user's choice only


async def test_kisbot_locale_en_is_the_default_language(tmp_path: Path) -> None:
    async with BotHarness(tmp_path, env={"KISBOT_LOCALE": "en"}) as bot:
        user = bot.user()
        reply = await bot.reply_text(user, "/start")
        assert "Korea Investment & Securities" in reply and "No key registered" in reply
        assert "English (default)" in await bot.reply_text(user, "/lang")
        assert "한국어" in await bot.reply_text(user, "/lang ko")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("/lang fr", "/lang ko"), ("/lang en ko", "너무 많습니다"), ("/lang 123", "ko(한국어)")],
)
async def test_malformed_lang_says_how_to_write_it(
    bot: BotHarness, caplog: pytest.LogCaptureFixture, text: str, expected: str
) -> None:
    caplog.set_level(logging.INFO)
    user = bot.user()
    reply = await bot.reply_text(user, text)
    assert expected in reply and "처리 중 오류" not in reply
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    stored = await bot.services.database.users.get(user.id)
    assert stored is None or stored.locale is None
