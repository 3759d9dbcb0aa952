"""Choices among stocks, the same in every command: a line saying why, a button per stock."""

from __future__ import annotations

from collections.abc import Callable

import handlers.texts.securities  # noqa: F401  (registers the texts)
from handlers.callbacks import Callback
from handlers.common import Buttons, Turn
from kisbot.securities import ChoiceKind, Choices, Security


async def show_choices(
    turn: Turn, choices: Choices, meaning: Callable[[Security], Callback]
) -> None:
    """Ask which stock was meant; pressing one runs `meaning(security)`'s button."""
    key = "securities.choose" if choices.kind is ChoiceKind.SEVERAL else "securities.did_you_mean"
    buttons: Buttons = [
        [(f"{security.label} ({security.shown_code})", meaning(security))]
        for security in choices.securities
    ]
    await turn.reply(turn.t(key, query=choices.query), buttons)


async def show_picked(turn: Turn, security: Security) -> None:
    """Turn the choices into a note of the one picked (its buttons go)."""
    await turn.edit(turn.t("securities.picked", name=security.label, code=security.shown_code))
