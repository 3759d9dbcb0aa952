"""Where an order goes: the venue the user named, or the one that trades now, and why.

`/buy CODE QTY [PRICE] [krx|nxt|sor]`. Without a venue, an order goes to KRX while KRX takes
ordinary orders (08:30-15:30), to NXT while only NXT does (08:00-08:30, 15:30-20:00), and to
KRX when neither trades. Mock accounts have KRX only (kis-api §5.6). NXT takes no market orders
(kis-api §9.3). Every refusal happens before the confirmation, so nothing is ever pending that
KIS would turn away for its venue.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from kisbot.kis import Environment, Venue
from kisbot.market_hours import KrxCalendar
from kisbot.problems import Problem

_WORDS = {venue.value.lower(): venue for venue in Venue}


class VenueReason(StrEnum):
    """Why an order goes where it goes (the confirmation says it)."""

    ASKED = "asked"  # the user named it
    KRX_TRADES = "krx_trades"  # KRX takes orders now
    ONLY_NXT_TRADES = "only_nxt_trades"  # NXT's pre- or after-market
    CLOSED = "closed"  # nothing trades now: KRX, where it waits or is refused
    MOCK = "mock"  # mock accounts trade on KRX only


@dataclass(frozen=True, slots=True)
class VenueChoice:
    venue: Venue
    reason: VenueReason


def split_venue(words: Sequence[str]) -> tuple[Sequence[str], Venue | None]:
    """The words without a last `krx|nxt|sor` (any case), and that venue if it was there."""
    if len(words) > 1 and words[-1].lower() in _WORDS:
        return words[:-1], _WORDS[words[-1].lower()]
    return words, None


def choose_venue(
    calendar: KrxCalendar, environment: Environment, asked: Venue | None, *, market: bool
) -> VenueChoice:
    """The venue of an order (a Problem when it cannot go where asked)."""
    if environment.is_mock:
        if asked not in (None, Venue.KRX):
            raise Problem("trading.venue_mock", venue=asked.value)
        return VenueChoice(Venue.KRX, VenueReason.ASKED if asked else VenueReason.MOCK)
    if asked is not None:
        choice = VenueChoice(asked, VenueReason.ASKED)
    else:
        now = calendar.default_venue()
        if now is Venue.KRX:
            choice = VenueChoice(Venue.KRX, VenueReason.KRX_TRADES)
        elif now is Venue.NXT:
            choice = VenueChoice(Venue.NXT, VenueReason.ONLY_NXT_TRADES)
        else:
            choice = VenueChoice(Venue.KRX, VenueReason.CLOSED)
    if market and not choice.venue.takes_market_orders():
        key = "trading.nxt_market" if asked else "trading.nxt_market_now"
        raise Problem(key)
    return choice
