"""Parsing /alert and /unalert, and when an alert holds, re-arms and cools down."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from kisbot.alerts.rules import (
    AlertKind,
    AlertRequest,
    condition_holds,
    cooled_down,
    has_reset,
    parse_alert,
    parse_alert_number,
)
from kisbot.problems import Problem


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("005930 above 72000", AlertRequest("005930", AlertKind.ABOVE, Decimal(72000))),
        ("005930 > 72,000", AlertRequest("005930", AlertKind.ABOVE, Decimal(72000))),
        ("005930 >72000", AlertRequest("005930", AlertKind.ABOVE, Decimal(72000))),
        ("005930 이하 60000원", AlertRequest("005930", AlertKind.BELOW, Decimal(60000))),
        ("005930 60000 이하", AlertRequest("005930", AlertKind.BELOW, Decimal(60000))),
        ("005930 < 60000 repeat", AlertRequest("005930", AlertKind.BELOW, Decimal(60000), True)),
        ("005930 +5%", AlertRequest("005930", AlertKind.PERCENT, Decimal(5))),
        ("005930 -3.5% 반복", AlertRequest("005930", AlertKind.PERCENT, Decimal("-3.5"), True)),
        ("KODEX 200 above 30000", AlertRequest("KODEX 200", AlertKind.ABOVE, Decimal(30000))),
    ],
)
def test_alert_forms_are_understood(text: str, expected: AlertRequest) -> None:
    assert parse_alert(text.split()) == expected


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("", "alerts.usage"),
        ("005930", "alerts.usage"),
        ("005930 above", "alerts.usage"),
        ("above 72000", "alerts.usage"),
        ("repeat", "alerts.usage"),
        ("005930 72000", "alerts.missing_condition"),
        ("005930 sideways 72000", "alerts.unknown_word"),
        ("005930 above 72k", "alerts.bad_price"),
        ("005930 above -1", "alerts.bad_price"),
        ("005930 above 0", "alerts.price_range"),
        ("005930 above 100000001", "alerts.price_range"),
        ("005930 5%", "alerts.percent_sign"),
        ("005930 +31%", "alerts.percent_range"),
        ("005930 -0%", "alerts.percent_range"),
        ("005930 +x%", "alerts.bad_percent"),
    ],
)
def test_malformed_alerts_name_the_problem(text: str, key: str) -> None:
    with pytest.raises(Problem) as raised:
        parse_alert(text.split())
    assert raised.value.key == key


def test_unalert_takes_one_positive_number() -> None:
    assert parse_alert_number(["3"]) == 3
    assert parse_alert_number(["#12"]) == 12
    for args in ([], ["1", "2"], ["x"], ["0"], ["-1"]):
        with pytest.raises(Problem):
            parse_alert_number(args)


def test_price_alerts_hold_at_and_past_the_threshold() -> None:
    assert condition_holds("above", Decimal(72000), 72000, 70000)
    assert not condition_holds("above", Decimal(72000), 71900, 70000)
    assert condition_holds("below", Decimal(60000), 59900, 70000)
    assert not condition_holds("below", Decimal(60000), 60100, 70000)
    assert not condition_holds("above", Decimal(72000), 0, 70000)  # no trade yet


def test_percent_alerts_measure_from_the_previous_close() -> None:
    assert condition_holds("percent", Decimal(5), 105000, 100000)
    assert not condition_holds("percent", Decimal(5), 104900, 100000)
    assert condition_holds("percent", Decimal(-3), 97000, 100000)
    assert not condition_holds("percent", Decimal(-3), 97100, 100000)
    assert not condition_holds("percent", Decimal(5), 105000, 0)


def test_repeat_rearms_only_back_past_the_margin() -> None:
    assert not has_reset("above", Decimal(72000), 71500, 0)  # within 1%
    assert has_reset("above", Decimal(72000), 71280, 0)
    assert not has_reset("below", Decimal(60000), 60500, 0)
    assert has_reset("below", Decimal(60000), 60600, 0)
    assert not has_reset("percent", Decimal(5), 104500, 100000)
    assert has_reset("percent", Decimal(5), 103900, 100000)


def test_cooldown_counts_from_the_last_firing() -> None:
    fired = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
    assert cooled_down(None, 300, fired)
    assert not cooled_down(fired, 300, fired + timedelta(seconds=299))
    assert cooled_down(fired, 300, fired + timedelta(seconds=300))
