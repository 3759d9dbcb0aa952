"""Reading KIS values: every field arrives as a string, possibly signed, padded or blank.

KIS is not consistent about key case either (order-cash answers `ODNO`, order-rvsecncl `odno`,
daily-ccld has `excg_id_dvsn_Cd`), so bodies are normalised to lowercase keys once, and every
reader here tolerates a missing field.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from kisbot.clock import KST

Row = Mapping[str, Any]


def lower_keys(value: Any) -> Any:
    """The same JSON value with every object key lowercased, at any depth."""
    if isinstance(value, dict):
        return {str(key).lower(): lower_keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [lower_keys(item) for item in value]
    return value


def _lowercase_object(value: dict[str, Any]) -> dict[str, Any]:
    return {key.lower(): item for key, item in value.items()}


def loads_lowercase(content: bytes | str) -> Any:
    """`json.loads` with every object key lowercased, done while decoding (one pass).

    The same result as `lower_keys(json.loads(content))`: JSON keys are always strings, and
    the hook sees each object after duplicate keys were resolved. ValueError when not JSON.
    """
    return json.loads(content, object_hook=_lowercase_object)


def text(row: Row, key: str) -> str:
    """The field as trimmed text; "" when missing or null."""
    value = row.get(key)
    return "" if value is None else str(value).strip()


def raw_text(row: Row, key: str) -> str:
    """The field exactly as sent (paging keys must be echoed untrimmed)."""
    value = row.get(key)
    return "" if value is None else str(value)


def _number_text(value: Any) -> str:
    return "" if value is None else str(value).strip().replace(",", "")


def decimal_or_none(row: Row, key: str) -> Decimal | None:
    """The field as a Decimal, or None when blank or not a number."""
    raw = _number_text(row.get(key))
    if not raw:
        return None
    try:
        number = Decimal(raw)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def decimal(row: Row, key: str) -> Decimal:
    """The field as a Decimal; 0 when blank."""
    number = decimal_or_none(row, key)
    return Decimal(0) if number is None else number


def integer_or_none(row: Row, key: str) -> int | None:
    """The field as an int (fractions dropped toward zero), or None when blank."""
    value = row.get(key)
    if type(value) is str:
        # The common shape ("+0001500", "-30", " 42 "): int() reads it exactly as Decimal
        # would; anything else (commas, fractions, blanks) takes the Decimal path.
        try:
            return int(value)
        except ValueError:
            pass
    number = decimal_or_none(row, key)
    return None if number is None else int(number)


def integer(row: Row, key: str) -> int:
    """The field as an int; 0 when blank ("+0001500" -> 1500, "-30" -> -30)."""
    value = row.get(key)
    if type(value) is str:  # the fast path of integer_or_none, without a second call
        try:
            return int(value)
        except ValueError:
            pass
    number = integer_or_none(row, key)
    return 0 if number is None else number


def yyyymmdd(row: Row, key: str) -> date | None:
    """A `YYYYMMDD` field as a date, or None."""
    raw = text(row, key)
    try:
        return datetime.strptime(raw, "%Y%m%d").date() if raw else None
    except ValueError:
        return None


def kst_datetime(day: date | None, hhmmss: str) -> datetime | None:
    """A KST date plus an `HHMMSS` field as an aware datetime, or None."""
    raw = hhmmss.strip()
    if day is None or len(raw) < 6 or not raw[:6].isdigit():
        return None
    try:
        moment = time(int(raw[0:2]), int(raw[2:4]), int(raw[4:6]))
    except ValueError:
        return None
    return datetime.combine(day, moment, tzinfo=KST)


def rows(value: Any) -> list[Row]:
    """An output that should be an array, as a list of objects (an object alone becomes one)."""
    if isinstance(value, list):
        return [item for item in value if isinstance(item, dict)]
    if isinstance(value, dict):
        return [value]
    return []


def first_row(value: Any) -> Row:
    """An output that should be one object (sometimes sent as a 1-element array)."""
    found = rows(value)
    return found[0] if found else {}
