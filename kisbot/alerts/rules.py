"""What an alert is and when it fires: parsing `/alert` arguments and evaluating a price.

Every alert comes down to a target price: the threshold itself for above/below, and the
previous close moved by N% for percent alerts. An "up" alert (above, or a positive percent)
fires at or over its target, a "down" alert at or under it. A repeating alert re-arms only
once the price has gone back past the target by `REARM_MARGIN` (hysteresis, so a price that
wobbles around the threshold does not fire on every tick), and fires again no sooner than its
cooldown after the last time.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from kisbot.problems import Problem

MAX_PRICE = 100_000_000  # won; far above any KRX share price
MAX_ALERT_NUMBER = 2**31 - 1  # the largest short id the store can hold (32-bit on PostgreSQL)
MAX_PERCENT = Decimal(30)  # KRX's daily band is ±30% of the base price
REARM_MARGIN = Decimal("0.01")  # back 1% past the target before a repeating alert re-arms
REPEAT_COOLDOWN = timedelta(minutes=5)

_ABOVE = frozenset({"above", ">", ">=", "이상", "over"})
_BELOW = frozenset({"below", "<", "<=", "이하", "under"})
_REPEAT = frozenset({"repeat", "반복"})
_PERCENT = re.compile(r"^([+-]?)(\d{1,3}(?:\.\d{1,2})?)%$")
_GLUED = re.compile(r"^(>=|<=|>|<)(.+)$")


Price = int | Decimal  # won for a KRX stock, the currency's units abroad


class AlertKind(StrEnum):
    ABOVE = "above"
    BELOW = "below"
    PERCENT = "percent"


@dataclass(frozen=True, slots=True)
class AlertRequest:
    """A parsed `/alert`: what to watch (a code or a name, unresolved) and the condition."""

    target: str
    kind: AlertKind
    threshold: Decimal  # won for above/below, percent (signed) for percent alerts
    repeat: bool = False


def parse_alert(args: Sequence[str]) -> AlertRequest:
    """The alert `args` describe; raise Problem (alerts.*) saying what is wrong."""
    tokens = [token for token in args if token]
    repeat = bool(tokens) and tokens[-1].casefold() in _REPEAT
    if repeat:
        tokens = tokens[:-1]
    if len(tokens) < 2:
        raise Problem("alerts.usage")
    last = tokens[-1]
    if last.endswith("%"):
        return AlertRequest(_target(tokens[:-1]), AlertKind.PERCENT, parse_percent(last), repeat)
    glued = _GLUED.match(last)
    if glued:
        kind = _kind(glued.group(1))
        return AlertRequest(_target(tokens[:-1]), kind, parse_price(glued.group(2)), repeat)
    if len(tokens) >= 3 and _kind(tokens[-2]) is not None:  # CODE above 72000
        kind = _kind(tokens[-2])
        assert kind is not None
        return AlertRequest(_target(tokens[:-2]), kind, parse_price(last), repeat)
    if len(tokens) >= 3 and _kind(last) is not None:  # CODE 72000 이상
        kind = _kind(last)
        assert kind is not None
        return AlertRequest(_target(tokens[:-2]), kind, parse_price(tokens[-2]), repeat)
    if len(tokens) == 2 and (_kind(last) is not None or _kind(tokens[0]) is not None):
        raise Problem("alerts.usage")
    if _looks_like_number(last) and (len(tokens) == 2 or _looks_like_code(tokens[-2])):
        raise Problem("alerts.missing_condition")
    word = tokens[-2] if _looks_like_number(last) and len(tokens) >= 3 else last
    raise Problem("alerts.unknown_word", word=word)


def parse_price(text: str) -> Decimal:
    """A positive price: won ("72000", "72,000", "72000원"), or up to four decimals for a stock
    abroad ("190.50", "$190.50"); whether it fits the stock is checked once it is known."""
    cleaned = text.replace(",", "").removesuffix("원").strip()
    for mark in ("HK$", "US$", "$", "¥", "₫"):
        cleaned = cleaned.removeprefix(mark)
    whole, dot, fraction = cleaned.partition(".")
    if not whole.isdigit() or (dot and not (fraction.isdigit() and len(fraction) <= 4)):
        raise Problem("alerts.bad_price", value=text)
    price = Decimal(cleaned)
    if price <= 0 or price > MAX_PRICE:
        raise Problem("alerts.price_range", value=text, limit=MAX_PRICE)
    return price


def parse_percent(text: str) -> Decimal:
    """A signed move within the daily band ("+5%", "-3.5%")."""
    match = _PERCENT.match(text)
    if match is None:
        raise Problem("alerts.bad_percent", value=text)
    sign, digits = match.groups()
    if not sign:
        raise Problem("alerts.percent_sign", value=text)
    try:
        value = Decimal(digits)
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
        raise Problem("alerts.bad_percent", value=text) from None
    if value <= 0 or value > MAX_PERCENT:
        raise Problem("alerts.percent_range", value=text, limit=int(MAX_PERCENT))
    return -value if sign == "-" else value


def parse_alert_number(args: Sequence[str]) -> int:
    """The short id `/unalert` takes ("3" or "#3")."""
    if len(args) != 1:
        raise Problem("alerts.unalert_usage")
    text = args[0].removeprefix("#")
    if not (text.isascii() and text.isdigit()) or not text.strip("0"):
        raise Problem("alerts.bad_number", value=args[0])
    if len(text) > len(str(MAX_ALERT_NUMBER)) or int(text) > MAX_ALERT_NUMBER:
        # No alert can have it (the column is a 32-bit integer): nothing to look up.
        raise Problem("alerts.no_such", number=text.lstrip("0"))
    return int(text)


def _kind(word: str) -> AlertKind | None:
    folded = word.casefold()
    if folded in _ABOVE:
        return AlertKind.ABOVE
    if folded in _BELOW:
        return AlertKind.BELOW
    return None


def _target(tokens: Sequence[str]) -> str:
    if not tokens:
        raise Problem("alerts.usage")
    return " ".join(tokens)


def _looks_like_code(text: str) -> bool:
    return len(text) == 6 and text.isalnum()


def _looks_like_number(text: str) -> bool:
    return text.replace(",", "").removesuffix("원").isdigit()


# -- evaluation ---------------------------------------------------------------------------


def target_price(kind: str, threshold: Decimal, prev_close: Price) -> Decimal | None:
    """The price the alert fires at; None for a percent alert without a previous close."""
    if kind != AlertKind.PERCENT:
        return threshold
    if prev_close <= 0:
        return None
    return Decimal(prev_close) * (1 + threshold / 100)


def is_upward(kind: str, threshold: Decimal) -> bool:
    """Whether the alert waits for the price to rise to its target."""
    return kind == AlertKind.ABOVE or (kind == AlertKind.PERCENT and threshold > 0)


def condition_holds(kind: str, threshold: Decimal, price: Price, prev_close: Price) -> bool:
    """Whether the price meets the alert's condition now."""
    target = target_price(kind, threshold, prev_close)
    if target is None or price <= 0:
        return False
    return price >= target if is_upward(kind, threshold) else price <= target


def has_reset(kind: str, threshold: Decimal, price: Price, prev_close: Price) -> bool:
    """Whether the price has gone back past the target by the margin (a repeat may re-arm)."""
    target = target_price(kind, threshold, prev_close)
    if target is None or price <= 0:
        return False
    if is_upward(kind, threshold):
        return price <= target * (1 - REARM_MARGIN)
    return price >= target * (1 + REARM_MARGIN)


def cooled_down(last_fired_at: datetime | None, cooldown_seconds: int, now: datetime) -> bool:
    """Whether enough time has passed since the alert last fired."""
    if last_fired_at is None:
        return True
    return now - last_fired_at >= timedelta(seconds=cooldown_seconds)


def distance(kind: str, threshold: Decimal, price: Price, prev_close: Price) -> Decimal | None:
    """How far the price is from firing the alert, as a fraction of the price (0 = there)."""
    target = target_price(kind, threshold, prev_close)
    if target is None or price <= 0:
        return None
    return abs(Decimal(price) - target) / price
