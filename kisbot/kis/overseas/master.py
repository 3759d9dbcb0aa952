"""KIS's overseas master files ({code}mst.cod.zip): tab-separated cp949, 24 columns
(kis-api §13.10), one file per exchange.

Columns: 국가 ncod, exid, excd, exnm, symb, rsym, knam, enam, stis (1 index, 2 stock, 3 ETP,
4 warrant), curr, zdiv, ztyp, base, bnit, anit, mstm, metm, isdr, drcd, icod, sjong, ttyp, etyp,
ttyp_sb. Whether the file starts with a header line is UNCONFIRMED (KIS's own parser drops the
first line as one): a line whose exchange column is not the file's exchange is skipped, so a
header is skipped either way and the first record is never lost. KIS warns the column count may
change: extra trailing columns are ignored, missing ones make the line skipped.
"""

from __future__ import annotations

import io
import logging
import zipfile
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from kisbot.kis.overseas.markets import Exchange

logger = logging.getLogger(__name__)

ENCODING = "cp949"
FILES = ("nas", "nys", "ams", "hks", "shs", "szs", "tse", "hnx", "hsx")  # stocks, not indices
_COLUMNS = 24


@dataclass(frozen=True, slots=True)
class OverseasSymbol:
    """One listed overseas security as the master file describes it."""

    symbol: str
    exchange: Exchange
    korean_name: str
    english_name: str
    currency: str
    decimals: int
    base_price: Decimal | None
    buy_lot: int
    kind: str  # stis: 1 index, 2 stock, 3 ETP, 4 warrant

    @property
    def is_stock(self) -> bool:
        return self.kind == "2"

    @property
    def is_etp(self) -> bool:
        return self.kind == "3"


def file_name(exchange: Exchange) -> str:
    """The zip's name on KIS's download host (nasmst.cod.zip)."""
    return f"{exchange.quote_code.lower()}mst.cod.zip"


def parse_overseas_master(data: bytes, exchange: Exchange) -> list[OverseasSymbol]:
    """The stocks and ETPs in one exchange's master file (the zip or the .cod inside);
    indices and warrants are left out."""
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            inner = [name for name in archive.namelist() if name.lower().endswith(".cod")]
            if not inner:
                raise ValueError("zip holds no .cod file")
            data = archive.read(inner[0])
    symbols: list[OverseasSymbol] = []
    skipped = 0
    for raw in data.decode(ENCODING, errors="replace").split("\n"):
        line = raw.removesuffix("\r")
        if not line.strip():
            continue
        symbol = _parse_line(line.split("\t"), exchange)
        if symbol is None:
            skipped += 1
        elif symbol.is_stock or symbol.is_etp:
            symbols.append(symbol)
    if skipped > 1:  # one is the header line, if the file has one
        logger.warning("%s master: skipped %d lines", exchange.quote_code, skipped)
    return symbols


def _parse_line(fields: list[str], exchange: Exchange) -> OverseasSymbol | None:
    if len(fields) < _COLUMNS or fields[2].strip() != exchange.quote_code:
        return None
    symbol = fields[4].strip()
    if not symbol:
        return None
    return OverseasSymbol(
        symbol=symbol,
        exchange=exchange,
        korean_name=fields[6].strip(),
        english_name=fields[7].strip(),
        currency=fields[9].strip() or exchange.currency,
        decimals=_whole(fields[10]),
        base_price=_decimal(fields[12]),
        buy_lot=_whole(fields[13]) or 1,
        kind=fields[8].strip(),
    )


def _whole(text: str) -> int:
    text = text.strip()
    return int(text) if text.isdigit() else 0


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None
