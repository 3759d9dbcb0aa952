"""Quotes, daily bars and multi-quote through kisbot.kis against the sandbox, real and mock."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from kisbot.kis import Direction, Environment, KisClient, KisNotSupportedInMock
from kisbot.sandbox import Sandbox
from kisbot.sandbox.catalog import LISTINGS
from tests.integration.conftest import flavour

QUOTATIONS = "/uapi/domestic-stock/v1/quotations"
TODAY = date(2026, 11, 23)  # the shared ManualClock's Monday


async def test_quote_shows_the_price_the_market_has(kis: KisClient, sandbox: Sandbox) -> None:
    price = sandbox.set_price("005930", 73_400)

    quote = await kis.quote("005930")

    assert quote.code == "005930"
    assert quote.price == price == 73_400
    assert quote.change == price - quote.base_price
    assert quote.direction is Direction.UP
    assert quote.lower_limit < quote.price < quote.upper_limit
    assert quote.tick_size == 100
    assert quote.as_of.date() == TODAY


async def test_quote_of_an_alphanumeric_code(kis: KisClient, sandbox: Sandbox) -> None:
    alphanumeric = next(item.code for item in LISTINGS if not item.code.isdigit())

    quote = await kis.quote(alphanumeric.lower())

    assert quote.code == alphanumeric
    assert quote.price == sandbox.price(alphanumeric)


@pytest.mark.parametrize("days", [10, 60])
async def test_daily_prices_gives_the_last_trading_days_oldest_first(
    kis: KisClient, days: int
) -> None:
    bars = await kis.daily_prices("035720", days)

    assert len(bars) == days
    dates = [bar.day for bar in bars]
    assert dates == sorted(set(dates))
    assert dates[-1] == TODAY
    assert all(day.weekday() < 5 for day in dates)
    assert all(bar.low <= min(bar.open, bar.close) <= bar.high for bar in bars)


async def test_daily_range_joins_windows_of_100_rows(
    kis: KisClient, sandbox: Sandbox, environment: Environment
) -> None:
    start = TODAY - timedelta(days=300)

    bars = await kis.daily_range("000660", start, TODAY)

    dates = [bar.day for bar in bars]
    assert len(bars) > 200
    assert dates == sorted(set(dates))
    assert dates[0] >= start and dates[-1] == TODAY
    # Weekdays only and none missing: the windows join without gaps or overlaps.
    weekdays = [start + timedelta(days=n) for n in range((TODAY - start).days + 1)]
    assert dates == [day for day in weekdays if day.weekday() < 5]
    chart_calls = sandbox.requests(
        f"{QUOTATIONS}/inquire-daily-itemchartprice", flavour=flavour(environment)
    )
    assert len(chart_calls) == 3


async def test_multi_quote_of_more_than_30_codes_takes_several_calls(
    real: KisClient, sandbox: Sandbox
) -> None:
    codes = [item.code for item in LISTINGS][:35]

    quotes = await real.multi_quote(codes)

    assert set(quotes) == set(codes)
    assert quotes["005930"].price == sandbox.price("005930")
    assert quotes["005930"].name == "삼성전자"
    assert len(sandbox.requests(f"{QUOTATIONS}/intstock-multprice")) == 2


async def test_multi_quote_on_mock_is_refused_without_a_request(
    mock: KisClient, sandbox: Sandbox
) -> None:
    with pytest.raises(KisNotSupportedInMock):
        await mock.multi_quote(["005930", "000660"])

    assert sandbox.requests(f"{QUOTATIONS}/intstock-multprice") == []
