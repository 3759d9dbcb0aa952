"""Small helpers for the trading end-to-end tests: order POSTs, summaries, bounded waits."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable

from handlers.callbacks import Confirm, decode
from kisbot.chat.models import Message, User
from kisbot.sandbox.faults import LoggedRequest
from tests.e2e.harness import BotHarness

ORDER_CASH = "/uapi/domestic-stock/v1/trading/order-cash"
REVISE_CANCEL = "/uapi/domestic-stock/v1/trading/order-rvsecncl"


def posts(bot: BotHarness, path: str = ORDER_CASH) -> list[LoggedRequest]:
    """Every POST the sandbox received on `path` (either host)."""
    return [entry for entry in bot.sandbox.requests(path) if entry.method == "POST"]


async def ask(bot: BotHarness, user: User, text: str) -> Message:
    """Send a trading command and return the bot's reply (the summary with its buttons)."""
    (reply,) = await bot.send(user, text)
    return reply


def data_of(message: Message, action: str) -> str:
    """The callback data of the confirmation's accept ("ok") or decline ("no") button."""
    for button in message.flat_buttons:
        meaning = decode(button.callback_data)
        if isinstance(meaning, Confirm) and meaning.accept is (action == "ok"):
            return button.callback_data or ""
    raise AssertionError(f"no {action} button on {message.text!r}")


def intent_id_of(message: Message) -> str:
    """The id of the confirmation whose buttons the message shows."""
    meaning = decode(data_of(message, "ok"))
    assert isinstance(meaning, Confirm)
    return meaning.intent_id


def stale_copy(message: Message) -> Message:
    """The message as a client that has not seen later edits still shows it."""
    return copy.deepcopy(message)


async def eventually(condition: Callable[[], bool], timeout: float = 8.0) -> None:  # noqa: ASYNC109
    """Wait (bounded) for something the bot does on its own: a job, a delayed KIS answer."""
    # Polls: the sandbox's request log has no signal to wait on, unlike the chat world.
    async with asyncio.timeout(timeout):
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.05)
