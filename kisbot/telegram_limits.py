"""The Bot API's flood limits, kept by every process of one bot together.

Telegram throttles a bot past about 30 messages a second (429 with retry_after), counting all
of its senders. PTB's AIORateLimiter keeps that pace, per-group pacing and the 429 retries in
one process; several processes on one PostgreSQL would each send 30/s. `SharedRateLimiter` is
that limiter with the overall pace taken from a budget the processes share
(kisbot.store.rate_budget) once `share` is called; until then, and whenever the budget does not
answer, it paces this process alone, as AIORateLimiter does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from telegram.constants import FloodLimit
from telegram.ext import AIORateLimiter

from kisbot.clock import Clock

logger = logging.getLogger(__name__)

_JSON = bool | dict[str, Any] | list[dict[str, Any]]


class NamedBudget(Protocol):
    async def reserve(self, name: str, interval: float) -> float: ...


class SharedRateLimiter(AIORateLimiter):
    """AIORateLimiter whose overall messages-per-second pace is shared by the bot's processes."""

    def __init__(self, *, max_retries: int, rate: float = FloodLimit.MESSAGES_PER_SECOND) -> None:
        super().__init__(max_retries=max_retries, overall_max_rate=rate)
        self._interval = 1.0 / rate
        self._budget: NamedBudget | None = None
        self._name = ""
        self._clock: Clock | None = None
        self._failing = False

    def share(self, budget: NamedBudget, bot_id: str, clock: Clock) -> None:
        """From now on, every Bot API call first takes a slot of this bot's shared budget."""
        self._budget, self._name, self._clock = budget, f"telegram:{bot_id}", clock

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, _JSON]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> _JSON:
        await self._wait_for_shared_slot()
        return await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )

    async def _wait_for_shared_slot(self) -> None:
        if self._budget is None or self._clock is None:
            return
        try:
            wait = await self._budget.reserve(self._name, self._interval)
        except Exception as error:  # any failure of the budget's database, whatever the driver
            if not self._failing:
                logger.warning(
                    "the shared Bot API budget did not answer (%s); pacing this process alone",
                    type(error).__name__,
                )
            self._failing = True
            return
        self._failing = False
        if wait > 0:
            await self._clock.sleep(wait)
