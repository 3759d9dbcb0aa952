"""Stock codes, the KRX tick table and the price checks orders use."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from kisbot.kis import (
    Direction,
    PriceProblem,
    Quote,
    is_stock_code,
    nearest_valid_prices,
    normalize_code,
    price_problem,
    tick_size,
)


@pytest.mark.parametrize("code", ["005930", "0004Y0", "0039P0", "Q50000"])
def test_six_letters_or_digits_are_codes(code: str) -> None:
    assert is_stock_code(code)


@pytest.mark.parametrize("code", ["5930", "0059300", "00593a", "005 30", "삼성전자우", ""])
def test_other_text_is_not_a_code(code: str) -> None:
    assert not is_stock_code(code)


def test_normalize_code_trims_and_uppercases() -> None:
    assert normalize_code(" 0004y0 ") == "0004Y0"
    with pytest.raises(ValueError):
        normalize_code("12345")


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
        (1_500_000, 1_000),
    ],
)
def test_krx_tick_table(price: int, tick: int) -> None:
    assert tick_size(price) == tick


def test_price_problems() -> None:
    assert price_problem(71_500) is None
    assert price_problem(71_550) is PriceProblem.OFF_TICK
    assert price_problem(0) is PriceProblem.NOT_POSITIVE
    assert price_problem(95_000, upper_limit=94_900) is PriceProblem.ABOVE_UPPER_LIMIT
    assert price_problem(51_000, lower_limit=51_100) is PriceProblem.BELOW_LOWER_LIMIT
    # An ETF quoted with aspr_unit 5 accepts prices the stock table would not.
    assert price_problem(20_005, tick=5) is None


def test_nearest_valid_prices() -> None:
    assert nearest_valid_prices(71_550) == (71_500, 71_600)
    assert nearest_valid_prices(71_500) == (71_500, 71_500)
    assert nearest_valid_prices(4_997) == (4_995, 5_000)


def test_quote_checks_prices_against_its_own_tick_and_band() -> None:
    quote = Quote(
        code="005930",
        price=71_500,
        change=-1_500,
        sign="5",
        direction=Direction.DOWN,
        change_rate=Decimal("-2.05"),
        open=73_000,
        high=73_100,
        low=71_200,
        volume=1,
        trade_value=1,
        upper_limit=94_900,
        lower_limit=51_100,
        base_price=73_000,
        prev_close=73_000,
        tick_size=100,
        as_of=datetime(2026, 11, 23, tzinfo=UTC),
    )
    assert quote.price_problem(72_000) is None
    assert quote.price_problem(72_050) is PriceProblem.OFF_TICK
    assert quote.price_problem(95_000) is PriceProblem.ABOVE_UPPER_LIMIT
