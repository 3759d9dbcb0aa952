"""The overseas exchanges KIS trades, with their two code systems and order TR IDs (kis-api §13.1,
§13.4).

Quotation APIs name an exchange by a 3-letter `EXCD` (NAS), trading and account APIs by a
4-letter `OVRS_EXCG_CD` (NASD); mixing them is the classic bug, so both live on one row and
nothing else spells them. The US mock sell TR is VTTT1001U (KIS's 2026-07-09 correction), not
the V-prefixed real one: every TR ID is written out, none derived.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo


@dataclass(frozen=True, slots=True)
class Exchange:
    """One overseas exchange as KIS names it."""

    quote_code: str  # EXCD, quotations (NAS)
    trade_code: str  # OVRS_EXCG_CD, orders and accounts (NASD)
    name: str  # as users write it in Korean (나스닥)
    english: str
    currency: str  # ISO 4217
    currency_symbol: str
    country: str  # natn_eng_abrv_cd (US, HK, CN, JP, VN)
    timezone: ZoneInfo
    buy_tr: tuple[str, str]  # (real, mock)
    sell_tr: tuple[str, str]
    daytime_code: str | None = None  # EXCD of the US daytime session (주간거래)

    @property
    def is_us(self) -> bool:
        return self.country == "US"


_NEW_YORK = ZoneInfo("America/New_York")

EXCHANGES: tuple[Exchange, ...] = (
    Exchange(
        "NAS", "NASD", "나스닥", "NASDAQ", "USD", "$", "US", _NEW_YORK,
        ("TTTT1002U", "VTTT1002U"), ("TTTT1006U", "VTTT1001U"), "BAQ",
    ),
    Exchange(
        "NYS", "NYSE", "뉴욕", "NYSE", "USD", "$", "US", _NEW_YORK,
        ("TTTT1002U", "VTTT1002U"), ("TTTT1006U", "VTTT1001U"), "BAY",
    ),
    Exchange(
        "AMS", "AMEX", "아멕스", "AMEX", "USD", "$", "US", _NEW_YORK,
        ("TTTT1002U", "VTTT1002U"), ("TTTT1006U", "VTTT1001U"), "BAA",
    ),
    Exchange(
        "HKS", "SEHK", "홍콩", "Hong Kong", "HKD", "HK$", "HK", ZoneInfo("Asia/Hong_Kong"),
        ("TTTS1002U", "VTTS1002U"), ("TTTS1001U", "VTTS1001U"),
    ),
    Exchange(
        "SHS", "SHAA", "상해", "Shanghai", "CNY", "¥", "CN", ZoneInfo("Asia/Shanghai"),
        ("TTTS0202U", "VTTS0202U"), ("TTTS1005U", "VTTS1005U"),
    ),
    Exchange(
        "SZS", "SZAA", "심천", "Shenzhen", "CNY", "¥", "CN", ZoneInfo("Asia/Shanghai"),
        ("TTTS0305U", "VTTS0305U"), ("TTTS0304U", "VTTS0304U"),
    ),
    Exchange(
        "TSE", "TKSE", "도쿄", "Tokyo", "JPY", "¥", "JP", ZoneInfo("Asia/Tokyo"),
        ("TTTS0308U", "VTTS0308U"), ("TTTS0307U", "VTTS0307U"),
    ),
    Exchange(
        "HNX", "HASE", "하노이", "Hanoi", "VND", "₫", "VN", ZoneInfo("Asia/Ho_Chi_Minh"),
        ("TTTS0311U", "VTTS0311U"), ("TTTS0310U", "VTTS0310U"),
    ),
    Exchange(
        "HSX", "VNSE", "호치민", "Ho Chi Minh", "VND", "₫", "VN", ZoneInfo("Asia/Ho_Chi_Minh"),
        ("TTTS0311U", "VTTS0311U"), ("TTTS0310U", "VTTS0310U"),
    ),
)  # fmt: skip

_BY_WORD = {
    word.casefold(): exchange
    for exchange in EXCHANGES
    for word in (exchange.quote_code, exchange.trade_code, exchange.name, exchange.english)
}


def exchange(word: str) -> Exchange | None:
    """The exchange a code or name means (NAS, NASD, 나스닥, nasdaq), or None."""
    return _BY_WORD.get(word.strip().casefold())


def by_quote_code(code: str) -> Exchange:
    """The exchange of an `EXCD`; KeyError for one kisbot does not know."""
    for candidate in EXCHANGES:
        if candidate.quote_code == code:
            return candidate
    raise KeyError(code)


def by_trade_code(code: str) -> Exchange | None:
    """The exchange of an `OVRS_EXCG_CD`, or None."""
    return next((e for e in EXCHANGES if e.trade_code == code.strip()), None)
