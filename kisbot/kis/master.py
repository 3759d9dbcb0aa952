"""The KIS stock master files (kospi_code.mst / kosdaq_code.mst): their layout and a parser.

Each line is cp949 text: a head of 단축코드 [0:9], 표준코드 [9:21] and 한글명 [21:], then a
fixed-width tail of 227 (KOSPI) or 221 (KOSDAQ) characters. The name has no fixed width, so the
tail is found by counting from the end of the line, as KIS's own parser does (kis-api.md §5.12).
Field widths are those of KIS's stocks_info samples.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from dataclasses import dataclass
from functools import cache
from typing import Literal

logger = logging.getLogger(__name__)

Market = Literal["KOSPI", "KOSDAQ"]
ENCODING = "cp949"
HEAD_CODE_WIDTH = 9
HEAD_ISIN_END = 21

# Flags shared by both markets, between the industry codes and 기준가.
_KOSPI_FLAGS = (
    "manufacturing", "low_liquidity", "governance_index", "kospi200_sector", "kospi100",
    "kospi50", "krx", "etp", "elw_issued", "krx100", "krx_auto", "krx_semiconductor", "krx_bio",
    "krx_bank", "spac", "krx_energy_chem", "krx_steel", "short_term_overheat",
    "krx_media_telecom", "krx_construction", "non1", "krx_securities", "krx_ship",
    "krx_insurance", "krx_transport", "sri",
)  # fmt: skip
_KOSDAQ_FLAGS = (
    "venture", "low_liquidity", "krx", "etp", "krx100", "krx_auto", "krx_semiconductor",
    "krx_bio", "krx_bank", "spac", "krx_energy_chem", "krx_steel", "short_term_overheat",
    "krx_media_telecom", "krx_construction", "investment_caution", "krx_securities", "krx_ship",
    "krx_insurance", "krx_transport", "kosdaq150",
)  # fmt: skip
_TRADING = (
    ("base_price", 9), ("lot_size", 5), ("after_hours_lot_size", 5), ("halted", 1),
    ("liquidation", 1), ("administrative", 1), ("market_warning", 2), ("warning_notice", 1),
    ("unfaithful_disclosure", 1), ("backdoor_listing", 1), ("lock_type", 2), ("par_change", 2),
    ("capital_increase", 2), ("margin_rate", 3), ("credit_available", 1), ("credit_period", 3),
    ("prev_volume", 12), ("par_value", 12), ("listed_date", 8), ("listed_shares", 15),
    ("capital", 21), ("settlement_month", 2), ("ipo_price", 7), ("preferred", 1),
    ("short_sale_overheat", 1), ("abnormal_surge", 1), ("krx300", 1),
)  # fmt: skip
_FINANCIALS = (
    ("sales", 9), ("operating_profit", 9), ("ordinary_profit", 9), ("net_income", 5),
    ("roe", 9), ("base_year_month", 8), ("market_cap", 9), ("group_company_code", 3),
    ("credit_limit_exceeded", 1), ("collateral_loan", 1), ("stock_lending", 1),
)  # fmt: skip
_CLASSIFICATION = (
    ("group", 2), ("cap_size", 1), ("industry_large", 4), ("industry_mid", 4),
    ("industry_small", 4),
)  # fmt: skip

KOSPI_TAIL: tuple[tuple[str, int], ...] = (
    *_CLASSIFICATION,
    *((name, 1) for name in _KOSPI_FLAGS),
    *_TRADING,
    ("kospi", 1),
    *_FINANCIALS,
)
KOSDAQ_TAIL: tuple[tuple[str, int], ...] = (
    *_CLASSIFICATION,
    *((name, 1) for name in _KOSDAQ_FLAGS),
    *_TRADING,
    *_FINANCIALS,
)
TAILS: dict[Market, tuple[tuple[str, int], ...]] = {"KOSPI": KOSPI_TAIL, "KOSDAQ": KOSDAQ_TAIL}
FILE_NAMES: dict[Market, str] = {"KOSPI": "kospi_code.mst", "KOSDAQ": "kosdaq_code.mst"}
CODE_PATTERN = re.compile(r"[0-9A-Z]{6}")


@cache
def tail_width(market: Market) -> int:
    """How many characters the fixed-width tail of one line of this market holds."""
    return sum(width for _, width in TAILS[market])


@cache
def tail_offsets(market: Market) -> dict[str, tuple[int, int]]:
    """Each tail field's [start, end) within the tail."""
    offsets: dict[str, tuple[int, int]] = {}
    start = 0
    for name, width in TAILS[market]:
        offsets[name] = (start, start + width)
        start += width
    return offsets


@dataclass(frozen=True, slots=True)
class Symbol:
    """One listed product: what a user names and what an order needs."""

    code: str  # 단축코드, 6 chars [0-9A-Z]
    isin: str  # 표준코드, e.g. KR7005930003
    name: str  # 한글명
    market: Market
    group: str = "ST"  # 그룹코드: ST 주권, EF ETF, EN ETN, RT 리츠, ...
    base_price: int = 0  # 기준가 in won
    halted: bool = False  # 거래정지


def looks_like_code(text: str) -> bool:
    """Whether text is shaped like a short code: 6 of [0-9A-Z], mostly digits (0004Y0, 005930)."""
    upper = text.strip().upper()
    return bool(CODE_PATTERN.fullmatch(upper)) and sum(ch.isdigit() for ch in upper) >= 4


def normalize_market(market: str) -> Market:
    """'kospi' / 'KOSDAQ' / ... as the Market literal; anything else is a ValueError."""
    upper = market.upper()
    if upper == "KOSPI":
        return "KOSPI"
    if upper == "KOSDAQ":
        return "KOSDAQ"
    raise ValueError(f"unknown market {market!r}")


def parse_master(data: bytes, market: str) -> list[Symbol]:
    """The symbols in a master file, given either the .mst bytes or the downloaded zip."""
    which = normalize_market(market)
    if data[:4] == b"PK\x03\x04":
        data = _unzip_master(data, which)
    text = data.decode(ENCODING, errors="replace")
    symbols: list[Symbol] = []
    skipped = 0
    # Split on newlines only: str.splitlines would also break at control chars inside a record.
    for raw_line in text.split("\n"):
        line = raw_line.removesuffix("\r")
        if not line.strip():
            continue
        symbol = _parse_line(line, which)
        if symbol is None:
            skipped += 1
        else:
            symbols.append(symbol)
    if skipped:
        logger.warning("%s master: skipped %d malformed lines", which, skipped)
    return symbols


def _unzip_master(data: bytes, market: Market) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        wanted = FILE_NAMES[market]
        masters = [name for name in names if name.endswith(".mst")]
        if wanted in names:
            return archive.read(wanted)
        if masters:
            return archive.read(masters[0])
        raise ValueError("zip holds no .mst file")


def _parse_line(line: str, market: Market) -> Symbol | None:
    width = tail_width(market)
    if len(line) < HEAD_ISIN_END + width:
        return None
    head, tail = line[:-width], line[-width:]
    code = head[:HEAD_CODE_WIDTH].rstrip()
    name = head[HEAD_ISIN_END:].strip()
    if not code or not name:
        return None
    fields = tail_offsets(market)
    group_start, group_end = fields["group"]
    price_start, price_end = fields["base_price"]
    halted_start, halted_end = fields["halted"]
    price = tail[price_start:price_end].strip()
    return Symbol(
        code=code,
        isin=head[HEAD_CODE_WIDTH:HEAD_ISIN_END].strip(),
        name=name,
        market=market,
        group=tail[group_start:group_end].strip(),
        base_price=int(price) if price.isdigit() else 0,
        halted=tail[halted_start:halted_end] == "Y",
    )
