"""Choosing an order's venue: the word the user typed, the one trading now, and refusals."""

from __future__ import annotations

from datetime import datetime

import pytest

from kisbot.clock import KST, ManualClock
from kisbot.kis import Environment, Venue
from kisbot.market_hours import KrxCalendar
from kisbot.orders import VenueReason, choose_venue, split_venue
from kisbot.problems import Problem

REAL, MOCK = Environment.REAL, Environment.MOCK


def calendar_at(hour: int, minute: int = 0) -> KrxCalendar:
    return KrxCalendar(ManualClock(datetime(2026, 11, 23, hour, minute, tzinfo=KST)))


@pytest.mark.parametrize(
    ("words", "rest", "venue"),
    [
        (["005930", "1", "72000", "nxt"], ["005930", "1", "72000"], Venue.NXT),
        (["005930", "1", "SOR"], ["005930", "1"], Venue.SOR),
        (["005930", "1", "Krx"], ["005930", "1"], Venue.KRX),
        (["005930", "1"], ["005930", "1"], None),
        (["nxt"], ["nxt"], None),  # a lone word is the stock, not a venue
    ],
)
def test_a_last_venue_word_is_taken_off(words, rest, venue) -> None:
    assert split_venue(words) == (rest, venue)


@pytest.mark.parametrize(
    ("hour", "minute", "venue", "reason"),
    [
        (8, 10, Venue.NXT, VenueReason.ONLY_NXT_TRADES),
        (8, 30, Venue.KRX, VenueReason.KRX_TRADES),
        (15, 29, Venue.KRX, VenueReason.KRX_TRADES),
        (15, 30, Venue.NXT, VenueReason.ONLY_NXT_TRADES),
        (20, 0, Venue.KRX, VenueReason.CLOSED),
    ],
)
def test_without_a_venue_a_limit_order_goes_where_trading_is_on(hour, minute, venue, reason):
    choice = choose_venue(calendar_at(hour, minute), REAL, None, market=False)
    assert (choice.venue, choice.reason) == (venue, reason)


def test_a_market_order_is_refused_when_only_nxt_trades() -> None:
    with pytest.raises(Problem) as caught:
        choose_venue(calendar_at(19, 0), REAL, None, market=True)
    assert caught.value.key == "trading.nxt_market_now"
    with pytest.raises(Problem) as named:
        choose_venue(calendar_at(10, 0), REAL, Venue.NXT, market=True)
    assert named.value.key == "trading.nxt_market"
    assert choose_venue(calendar_at(19, 0), REAL, Venue.SOR, market=True).venue is Venue.SOR


def test_mock_accounts_go_to_krx_and_refuse_other_venues() -> None:
    choice = choose_venue(calendar_at(8, 10), MOCK, None, market=True)
    assert (choice.venue, choice.reason) == (Venue.KRX, VenueReason.MOCK)
    for venue in (Venue.NXT, Venue.SOR):
        with pytest.raises(Problem) as caught:
            choose_venue(calendar_at(10, 0), MOCK, venue, market=False)
        assert caught.value.key == "trading.venue_mock"
