"""Master-file zips for the sandbox, in the byte layout KIS publishes (kis-api.md §5.12).

The sandbox serves these where the real bot would download kospi_code.mst.zip and
kosdaq_code.mst.zip, so the bot's parser reads exactly what it would read from KIS.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

# The layout is written here from KIS's own description (kis-api.md §5.12 and KIS's stocks_info
# samples), not imported from the client's parser: the sandbox is an independent implementation,
# so a wrong constant on either side shows up as a failing round trip in the tests.
Market = Literal["KOSPI", "KOSDAQ"]
ENCODING = "cp949"
FILE_NAMES: dict[Market, str] = {"KOSPI": "kospi_code.mst", "KOSDAQ": "kosdaq_code.mst"}
_CODE = re.compile(r"[0-9A-Z]{6}")
_TAIL_WIDTH: dict[Market, int] = {"KOSPI": 227, "KOSDAQ": 221}
# Y/N flags between the classification (그룹코드 2, 시가총액규모 1, 업종 대/중/소 4/4/4) and 기준가.
_FLAG_COUNT: dict[Market, int] = {"KOSPI": 26, "KOSDAQ": 21}
_CLASSIFICATION_WIDTH = 15
# From 기준가 on: 기준가 9, 매매수량단위 5, 시간외수량단위 5, then 13 fields (26 chars),
# 전일거래량 12 and 액면가 12, then 상장일자 8.
_LISTED_DATE_AFTER_BASE = 64

# A head whose name part is shorter than this many bytes is padded with spaces, as KIS does.
_NAME_FIELD_BYTES = 40


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
    which: Market = "KOSPI" if market.lower() == "kospi" else "KOSDAQ"
    content = b"".join(_master_line(which, record) for record in records)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(FILE_NAMES[which], content)
    return buffer.getvalue()


def _master_line(market: Market, record: MasterRecord) -> bytes:
    if not _CODE.fullmatch(record.code):
        raise ValueError(f"not a 6-char [0-9A-Z] code: {record.code!r}")
    if not 0 <= record.base_price < 10**9:
        raise ValueError(f"기준가 does not fit 9 digits: {record.base_price}")
    name = record.name.strip().encode(ENCODING)
    name = name.ljust(_NAME_FIELD_BYTES, b" ")
    head = f"{record.code:<9}{standard_code(record.code)}".encode(ENCODING) + name
    return head + _tail(market, record).encode(ENCODING) + b"\n"


def _tail(market: Market, record: MasterRecord) -> str:
    if len(record.group) != 2:
        raise ValueError(f"그룹코드 must be 2 chars: {record.group!r}")
    base = _CLASSIFICATION_WIDTH + _FLAG_COUNT[market]
    tail = list("0" * _TAIL_WIDTH[market])
    fields = {
        0: record.group,
        _CLASSIFICATION_WIDTH: "N" * _FLAG_COUNT[market],
        base: f"{record.base_price:09d}",
        base + 9: "00001",  # 매매수량단위
        base + 14: "00001",  # 시간외수량단위
        base + 19: "NNN",  # 거래정지, 정리매매, 관리종목
        base + _LISTED_DATE_AFTER_BASE: "20000101",
    }
    for start, value in fields.items():
        tail[start : start + len(value)] = value
    return "".join(tail)


def _isin_check_digit(body: str) -> str:
    # ISO 6166: letters become two digits (A=10), then Luhn over the digit string.
    digits = "".join(str(int(ch, 36)) for ch in body)
    total = 0
    for index, ch in enumerate(reversed(digits)):
        value = int(ch) * (2 if index % 2 == 0 else 1)
        total += value // 10 + value % 10
    return str((10 - total % 10) % 10)
