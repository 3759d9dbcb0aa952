"""KRX price rules the sandbox enforces (kis-api §8)."""

from __future__ import annotations

import pytest

from kisbot.sandbox import krx


@pytest.mark.parametrize(
    ("price", "tick"),
    [
        (1_999, 1),
        (2_000, 5),
        (4_995, 5),
        (5_000, 10),
        (19_990, 10),
        (20_000, 50),
        (49_950, 50),
        (50_000, 100),
        (199_900, 100),
        (200_000, 500),
        (499_500, 500),
        (500_000, 1_000),
    ],
)
def test_stock_tick_sizes_follow_the_2023_table(price: int, tick: int) -> None:
    assert krx.tick_size(price) == tick


def test_etf_ticks_are_5_won_from_2000() -> None:
    assert krx.tick_size(1_999, etf=True) == 1
    assert krx.tick_size(35_000, etf=True) == 5
    assert krx.tick_size(600_000, etf=True) == 5


def test_band_is_30_percent_rounded_inwards_to_ticks() -> None:
    assert krx.price_band(71_000) == (49_700, 92_300)
    # 52,300 × 1.3 = 67,990 → 67,900 (100-won ticks); × 0.7 = 36,610 → 36,650 (50-won ticks).
    assert krx.price_band(52_300) == (36_650, 67_900)
    lower, upper = krx.price_band(812)
    assert (lower, upper) == (569, 1_055)


def test_rounding_helpers() -> None:
    assert krx.round_to_tick(72_049) == 72_000
    assert krx.round_to_tick(72_050) == 72_100
    assert krx.round_up_to_tick(36_610) == 36_650
    assert krx.is_on_tick(70_000) and not krx.is_on_tick(70_050)
