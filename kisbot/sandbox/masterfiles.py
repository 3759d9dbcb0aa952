"""Master-file zips for the sandbox, in the byte layout KIS publishes (kis-api.md §5.12).

The sandbox serves these where the real bot would download kospi_code.mst.zip and
kosdaq_code.mst.zip, so the bot's parser reads exactly what it would read from KIS.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from kisbot.kis.master import CODE_PATTERN, ENCODING, FILE_NAMES, TAILS, normalize_market

# A head whose name part is shorter than this many bytes is padded with spaces, as KIS does.
_NAME_FIELD_BYTES = 40

# Tail fields with a value other than the width's default blank ("N" for flags, zeros else).
_PLAUSIBLE = {"lot_size": "00001", "after_hours_lot_size": "00001", "listed_date": "20000101"}


@dataclass(frozen=True, slots=True)
class MasterRecord:
    """One line of a master file, reduced to what the sandbox decides."""

    code: str  # 6 chars [0-9A-Z]
    name: str  # Korean name
    group: str = "ST"  # 그룹코드: ST stock, EF ETF, ...
    base_price: int = 0  # 기준가


def standard_code(code: str) -> str:
    """A 12-char 표준코드 for a short code, KR7 + code + 00 + a check digit (KR7005930003)."""
    body = f"KR7{code}00"
    return body + _isin_check_digit(body)


def build_master_zip(market: Literal["kospi", "kosdaq"], records: Iterable[MasterRecord]) -> bytes:
    """A zip holding kospi_code.mst or kosdaq_code.mst (cp949, fixed width) for these records."""
    which = normalize_market(market)
    content = b"".join(_master_line(which, record) for record in records)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(FILE_NAMES[which], content)
    return buffer.getvalue()


def _master_line(market: Literal["KOSPI", "KOSDAQ"], record: MasterRecord) -> bytes:
    if not CODE_PATTERN.fullmatch(record.code):
        raise ValueError(f"not a 6-char [0-9A-Z] code: {record.code!r}")
    if not 0 <= record.base_price < 10**9:
        raise ValueError(f"기준가 does not fit 9 digits: {record.base_price}")
    name = record.name.strip().encode(ENCODING)
    name = name.ljust(_NAME_FIELD_BYTES, b" ")
    head = f"{record.code:<9}{standard_code(record.code)}".encode(ENCODING) + name
    return head + _tail(market, record).encode(ENCODING) + b"\n"


def _tail(market: Literal["KOSPI", "KOSDAQ"], record: MasterRecord) -> str:
    values = {**_PLAUSIBLE, "group": record.group, "base_price": f"{record.base_price:09d}"}
    parts = []
    for name, width in TAILS[market]:
        default = "N" if width == 1 else "0" * width
        value = values.get(name, default)
        if len(value) != width:
            raise ValueError(f"{name} must be {width} chars: {value!r}")
        parts.append(value)
    return "".join(parts)


def _isin_check_digit(body: str) -> str:
    # ISO 6166: letters become two digits (A=10), then Luhn over the digit string.
    digits = "".join(str(int(ch, 36)) for ch in body)
    total = 0
    for index, ch in enumerate(reversed(digits)):
        value = int(ch) * (2 if index % 2 == 0 else 1)
        total += value // 10 + value % 10
    return str((10 - total % 10) % 10)
