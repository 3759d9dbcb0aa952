from __future__ import annotations

import itertools

from kisbot.backoff import backoff_delays


def test_delays_double_up_to_the_cap_and_jitter_within_the_upper_half() -> None:
    lowest = list(itertools.islice(backoff_delays(1.0, 30.0, jitter=lambda: 0.0), 8))
    highest = list(itertools.islice(backoff_delays(1.0, 30.0, jitter=lambda: 1.0), 8))
    assert highest == [1, 2, 4, 8, 16, 30, 30, 30]
    assert lowest == [delay / 2 for delay in highest]
