"""The one codec for button data: typed, versioned, within 64 bytes, and suspicious of input."""

from __future__ import annotations

from decimal import Decimal

import pytest

from handlers.callbacks import (
    MAX_BYTES,
    AlertPick,
    AlertPrice,
    AlertRemove,
    CancelOrder,
    Confirm,
    DailyPick,
    OrderPick,
    PricePick,
    PriceRefresh,
    decode,
    encode,
)
from kisbot.alerts.rules import AlertKind, AlertRequest
from kisbot.kis import Side, Venue

EVERY_KIND = [
    Confirm("Ab-_09" * 5 + "xy", accept=True),
    Confirm("abc", accept=False),
    PriceRefresh("0004Y0"),
    PricePick("005930"),
    DailyPick("069500", 100),
    OrderPick(Side.BUY, "005930", 1_000_000, 100_000_000),
    OrderPick(Side.SELL, "005930", 3, None),
    OrderPick(Side.BUY, "005930", 1_000_000, 100_000_000, Venue.NXT),
    OrderPick(Side.SELL, "005930", 3, None, Venue.SOR),
    CancelOrder("00000000000000012345"),
    AlertPick("005935", AlertRequest("005935", AlertKind.ABOVE, Decimal(72000), repeat=True)),
    AlertPick("005935", AlertRequest("005935", AlertKind.PERCENT, Decimal("-3.5"))),
    AlertRemove(2**31 - 1),
    AlertPrice("005930"),
]


@pytest.mark.parametrize("meaning", EVERY_KIND, ids=lambda m: type(m).__name__)
def test_each_kind_fits_64_bytes_and_decodes_to_itself(meaning: object) -> None:
    data = encode(meaning)  # type: ignore[arg-type]
    assert len(data.encode()) <= MAX_BYTES and data.startswith("1:")
    assert decode(data) == meaning


@pytest.mark.parametrize(
    ("legacy", "meaning"),
    [
        ("px:r:005930", PriceRefresh("005930")),
        ("px:pick:006400", PricePick("006400")),
        ("dy:pick:069500:5", DailyPick("069500", 5)),
        ("ord:ok:abc123", Confirm("abc123", accept=True)),
        ("acct:no:abc123", Confirm("abc123", accept=False)),
        ("ord:cx:0000012345", CancelOrder("0000012345")),
        ("al:rm:3", AlertRemove(3)),
        ("al:px:005930", AlertPrice("005930")),
    ],
)
def test_buttons_sent_before_the_versioned_format_still_work(legacy: str, meaning: object) -> None:
    assert decode(legacy) == meaning


@pytest.mark.parametrize(
    "data",
    [None, "", "ord:", "ord:ok", "1:", "1:zz:1", "1:c:a b:y", "1:c:" + "a" * 33 + ":y",
     "1:pr:00593", "1:dp:005930:0", "1:dp:005930:101", "1:dp:005930:+5", "1:op:b:005930:1:0",
     "1:op:b:005930:1000001:m", "1:op:b:005930:1:m:XYZ", "1:op:b:005930:1:m:NXT:1",
     "1:cx:0000", "1:cx:12a", "1:ar:2147483648", "1:ap:005930:p:5%:1",
     "1:ap:005930:a:0:1", "1:ap:005930:q:1:1", "9:c:abc:y", "al:rm:-1", "x" * 65],
)  # fmt: skip
def test_anything_malformed_decodes_to_nothing(data: str | None) -> None:
    assert decode(data) is None
