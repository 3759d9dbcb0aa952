"""The overseas exchanges and listings the sandbox serves.

The exchange table is the sandbox's own copy of KIS's (kis-api §13.1): the sandbox stands apart
from kisbot.kis, so that a mistake there is caught here rather than copied. Prices are round
figures of the right order of magnitude; Alibaba is listed in New York and Hong Kong under two
tickers, so that a name matching two listings is exercised.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from decimal import Decimal
from zoneinfo import ZoneInfo


@dataclass(frozen=True, slots=True)
class Venue:
    """One overseas exchange: both KIS codes, currency, local hours."""

    excd: str  # quotations (NAS)
    trade_code: str  # orders and accounts (NASD)
    name: str
    currency: str
    country: str  # master file ncod
    zone: ZoneInfo
    hours: tuple[tuple[time, time], ...]  # local, weekdays
    krw_rate: Decimal  # the sandbox's fixed exchange rate (KRW per unit)


_NY = ZoneInfo("America/New_York")
_US_HOURS = ((time(9, 30), time(16, 0)),)

VENUES: tuple[Venue, ...] = (
    Venue("NAS", "NASD", "나스닥", "USD", "US", _NY, _US_HOURS, Decimal("1400.50")),
    Venue("NYS", "NYSE", "뉴욕", "USD", "US", _NY, _US_HOURS, Decimal("1400.50")),
    Venue("AMS", "AMEX", "아멕스", "USD", "US", _NY, _US_HOURS, Decimal("1400.50")),
    Venue("HKS", "SEHK", "홍콩", "HKD", "HK", ZoneInfo("Asia/Hong_Kong"),
          ((time(9, 30), time(12, 0)), (time(13, 0), time(16, 0))), Decimal("180.10")),
    Venue("SHS", "SHAA", "상해", "CNY", "CN", ZoneInfo("Asia/Shanghai"),
          ((time(9, 30), time(11, 30)), (time(13, 0), time(15, 0))), Decimal("193.20")),
    Venue("TSE", "TKSE", "도쿄", "JPY", "JP", ZoneInfo("Asia/Tokyo"),
          ((time(9, 0), time(11, 30)), (time(12, 30), time(15, 30))), Decimal("9.35")),
    Venue("HSX", "VNSE", "호치민", "VND", "VN", ZoneInfo("Asia/Ho_Chi_Minh"),
          ((time(9, 0), time(11, 30)), (time(13, 0), time(14, 45))), Decimal("0.055")),
)  # fmt: skip

BY_EXCD = {venue.excd: venue for venue in VENUES}
BY_TRADE_CODE = {venue.trade_code: venue for venue in VENUES}


@dataclass(frozen=True, slots=True)
class OverseasListing:
    symbol: str
    excd: str
    korean_name: str
    english_name: str
    base_price: Decimal
    decimals: int  # zdiv
    kind: str = "2"  # stis: 2 stock, 3 ETP
    lot: int = 1


LISTINGS: tuple[OverseasListing, ...] = (
    OverseasListing("AAPL", "NAS", "애플", "APPLE INC", Decimal("190.50"), 4),
    OverseasListing("MSFT", "NAS", "마이크로소프트", "MICROSOFT CORP", Decimal("415.20"), 4),
    OverseasListing("NVDA", "NAS", "엔비디아", "NVIDIA CORP", Decimal("135.40"), 4),
    OverseasListing("TSLA", "NAS", "테슬라", "TESLA INC", Decimal("245.10"), 4),
    OverseasListing("QQQ", "NAS", "인베스코 QQQ", "INVESCO QQQ TRUST", Decimal("480.00"), 4, "3"),
    OverseasListing("KO", "NYS", "코카콜라", "COCA-COLA CO", Decimal("62.30"), 4),
    OverseasListing("BABA", "NYS", "알리바바", "ALIBABA GROUP HOLDING-SP ADR", Decimal("85.30"), 4),
    OverseasListing("SPY", "AMS", "SPDR S&P500", "SPDR S&P 500 ETF TRUST", Decimal("600.10"), 4,
                    "3"),
    OverseasListing("00700", "HKS", "텐센트", "TENCENT HOLDINGS", Decimal("380.200"), 3, lot=100),
    OverseasListing("09988", "HKS", "알리바바", "ALIBABA GROUP HOLDING", Decimal("88.500"), 3,
                    lot=100),
    OverseasListing("600519", "SHS", "귀주모태주", "KWEICHOW MOUTAI", Decimal("1500.000"), 3,
                    lot=100),
    OverseasListing("7203", "TSE", "토요타자동차", "TOYOTA MOTOR", Decimal("3220.0"), 1, lot=100),
    OverseasListing("HPG", "HSX", "호아팟그룹", "HOA PHAT GROUP", Decimal("27500"), 0, lot=100),
)  # fmt: skip
