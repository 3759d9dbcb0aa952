"""The bot's frame: it starts, registers its commands, answers strangers and nonsense."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.harness import BotHarness


async def test_commands_are_registered_in_korean_and_english(bot: BotHarness) -> None:
    calls = bot.api.calls_of("setMyCommands")
    default = next(call for call in calls if not call.params.get("language_code"))
    names = {command["command"] for command in default.params["commands"]}
    assert {"price", "buy", "sell", "balance", "setkey", "alert", "lang"} <= names
    english = next(call for call in calls if call.params.get("language_code") == "en")
    menu = {command["command"]: command["description"] for command in english.params["commands"]}
    assert menu["price"].startswith("Current price")


async def test_unknown_command_points_to_help(bot: BotHarness) -> None:
    user = bot.user()
    assert "/help" in await bot.reply_text(user, "/frobnicate")


async def test_plain_text_in_private_chat_gets_a_hint(bot: BotHarness) -> None:
    user = bot.user()
    assert "/help" in await bot.reply_text(user, "hello there")


async def test_users_not_on_the_allow_list_are_refused(tmp_path: Path) -> None:
    async with BotHarness(tmp_path, env={"KISBOT_ALLOWED_USERS": "4242"}) as bot:
        stranger = bot.user("Stranger")
        reply = await bot.reply_text(stranger, "/price 005930")
        assert "권한" in reply
        friend = bot.user("Friend", user_id=4242)
        assert "권한" not in await bot.reply_text(friend, "/frobnicate")
