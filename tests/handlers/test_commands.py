"""The command table is the one list: every command has its menu and help texts in both
languages, every kind of button has a handler, and setMyCommands sends exactly the table."""

from __future__ import annotations

import re

from handlers.callbacks import CALLBACK_TYPES
from handlers.commands import BUTTONS, COMMANDS
from handlers.i18n import LOCALES, has_text, render
from tests.e2e.harness import BotHarness


def test_every_command_has_a_menu_line_and_a_help_line_in_each_language() -> None:
    for command in COMMANDS:
        for part in ("menu", "help"):
            assert has_text(f"commands.{command.name}.{part}"), (command.name, part)
        for locale in LOCALES:
            menu = render(locale, f"commands.{command.name}.menu")
            assert 3 <= len(menu) <= 256 and "<" not in menu  # Telegram shows it as plain text
            assert f"/{command.name}" in render(locale, f"commands.{command.name}.help")


def test_command_names_are_unique_and_valid_for_telegram() -> None:
    names = [command.name for command in COMMANDS]
    assert len(names) == len(set(names))
    assert all(re.fullmatch(r"[a-z0-9_]{1,32}", name) for name in names)


def test_every_kind_of_button_has_exactly_one_handler() -> None:
    assert set(BUTTONS) == set(CALLBACK_TYPES.values())


async def test_set_my_commands_registers_the_table_in_each_language(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with BotHarness(tmp_path) as bot:
        calls = bot.api.calls_of("setMyCommands")
        assert calls
        for call in calls:
            registered = [entry["command"] for entry in call.params["commands"]]
            assert registered == [command.name for command in COMMANDS]
