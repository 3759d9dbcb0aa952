"""Helpers for the alert end-to-end tests: wait for alert rounds, find alert messages."""

from __future__ import annotations

import asyncio

from handlers.callbacks import AlertPrice, decode
from handlers.delivery import ROUND_KEY
from kisbot.chat.models import Message, User
from tests.e2e.harness import BotHarness

FAST = {"KISBOT_ALERT_INTERVAL": "0.2"}


def rounds(bot: BotHarness) -> int:
    assert bot.application is not None
    state = bot.application.bot_data.get(ROUND_KEY)
    return state.rounds if state is not None else 0


async def wait_rounds(bot: BotHarness, count: int = 2, timeout: float = 10.0) -> None:  # noqa: ASYNC109
    """Wait until `count` more alert rounds (tick + delivery) have finished."""
    target = rounds(bot) + count
    async with asyncio.timeout(timeout):
        while rounds(bot) < target:  # noqa: ASYNC110  (a counter the job bumps; no event to await)
            await asyncio.sleep(0.02)


def alert_messages(bot: BotHarness, user: User) -> list[Message]:
    """The bot's alert messages in the user's private chat."""
    return [
        m
        for m in bot.api.transcript(bot.chat(user))
        if m.text
        and m.text.startswith("🔔")
        and any(isinstance(decode(b.callback_data), AlertPrice) for b in m.flat_buttons)
    ]


def quote_calls(bot: BotHarness) -> list[object]:
    """Every quotation request the sandbox has served (single and multi-quote)."""
    return [r for r in bot.sandbox.requests() if "/quotations/" in r.path]


async def wait_for_alerts(
    bot: BotHarness,
    user: User,
    count: int,
    timeout: float = 10.0,  # noqa: ASYNC109
) -> list[Message]:
    """Wait until the user has `count` alert messages; returns them."""
    async with asyncio.timeout(timeout):
        while len(alert_messages(bot, user)) < count:  # noqa: ASYNC110
            await asyncio.sleep(0.02)
    return alert_messages(bot, user)
