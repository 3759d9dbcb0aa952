"""What the overseas end-to-end tests share: a user with a key, and AAPL at $191.25."""

from __future__ import annotations

from decimal import Decimal

from kisbot.chat.models import User
from kisbot.kis import Environment
from tests.e2e.harness import BotHarness


async def investor(bot: BotHarness, environment: Environment = Environment.REAL) -> User:
    """A user with a key of `environment`; AAPL trades at $191.25 (5 held at $180.00)."""
    user = bot.user()
    await bot.register_key(user, environment)
    bot.sandbox.set_overseas_price("NAS", "AAPL", Decimal("191.25"))
    return user
