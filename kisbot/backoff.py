"""Waits between retries: capped exponential backoff with jitter."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator


def backoff_delays(
    first: float = 1.0, cap: float = 30.0, *, jitter: Callable[[], float] = random.random
) -> Iterator[float]:
    """Endless delays in seconds: each between half and all of min(cap, first * 2**n).

    The jitter keeps several bots that lost the same server from coming back in step.
    """
    ceiling = first
    while True:
        yield ceiling * (0.5 + jitter() / 2)
        ceiling = min(cap, ceiling * 2)
