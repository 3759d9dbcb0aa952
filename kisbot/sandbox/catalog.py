"""The listings the sandbox trades: well-known KRX codes, their Korean names and a base price.

Prices are round figures of the right order of magnitude, not quotes; the walk moves them. The
alphanumeric code 0004Y0 is fictional and stands for the letter-bearing codes KRX issues since
2024, so that clients are exercised on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

MarketName = Literal["KOSPI", "KOSDAQ"]


@dataclass(frozen=True, slots=True)
class Listing:
    """One listed security as the master files and inquire-price describe it."""

    code: str
    name: str
    market: MarketName
    base_price: int
    group: str = "ST"  # master-file 그룹코드: ST 주권, EF ETF
    sector: str = ""  # bstp_kor_isnm

    @property
    def is_etf(self) -> bool:
        return self.group == "EF"


def _kospi(code: str, name: str, price: int, sector: str, group: str = "ST") -> Listing:
    return Listing(code, name, "KOSPI", price, group, sector)


def _kosdaq(code: str, name: str, price: int, sector: str) -> Listing:
    return Listing(code, name, "KOSDAQ", price, "ST", sector)


LISTINGS: tuple[Listing, ...] = (
    _kospi("005930", "삼성전자", 71000, "전기·전자"),
    _kospi("005935", "삼성전자우", 57300, "전기·전자"),
    _kospi("000660", "SK하이닉스", 182000, "전기·전자"),
    _kospi("373220", "LG에너지솔루션", 380000, "전기·전자"),
    _kospi("207940", "삼성바이오로직스", 910000, "제약"),
    _kospi("005380", "현대차", 215000, "운송장비·부품"),
    _kospi("000270", "기아", 96000, "운송장비·부품"),
    _kospi("068270", "셀트리온", 178000, "제약"),
    _kospi("005490", "POSCO홀딩스", 312000, "철강·금속"),
    _kospi("035420", "NAVER", 191000, "IT 서비스"),
    _kospi("035720", "카카오", 40150, "IT 서비스"),
    _kospi("051910", "LG화학", 302000, "화학"),
    _kospi("006400", "삼성SDI", 254000, "전기·전자"),
    _kospi("105560", "KB금융", 81200, "금융"),
    _kospi("055550", "신한지주", 50300, "금융"),
    _kospi("012330", "현대모비스", 231000, "운송장비·부품"),
    _kospi("028260", "삼성물산", 128500, "유통"),
    _kospi("066570", "LG전자", 91800, "전기·전자"),
    _kospi("003550", "LG", 71300, "금융"),
    _kospi("015760", "한국전력", 22050, "전기·가스"),
    _kospi("017670", "SK텔레콤", 52400, "통신"),
    _kospi("030200", "KT", 40800, "통신"),
    _kospi("032830", "삼성생명", 85600, "보험"),
    _kospi("034730", "SK", 151000, "금융"),
    _kospi("009150", "삼성전기", 139800, "전기·전자"),
    _kospi("010130", "고려아연", 712000, "철강·금속"),
    _kospi("003490", "대한항공", 21950, "운송·창고"),
    _kospi("033780", "KT&G", 101500, "음식료·담배"),
    _kospi("034020", "두산에너빌리티", 19870, "기계·장비"),
    _kospi("000890", "보해양조", 812, "음식료·담배"),
    _kospi("0004Y0", "샌드박스알파", 12350, "기타금융"),
    _kospi("069500", "KODEX 200", 35120, "", group="EF"),
    _kospi("114800", "KODEX 인버스", 4565, "", group="EF"),
    _kospi("252670", "KODEX 200선물인버스2X", 1987, "", group="EF"),
    _kosdaq("086520", "에코프로", 91200, "전기·전자"),
    _kosdaq("247540", "에코프로비엠", 152300, "전기·전자"),
    _kosdaq("196170", "알테오젠", 348500, "제약"),
    _kosdaq("028300", "HLB", 80100, "제약"),
    _kosdaq("293490", "카카오게임즈", 18230, "오락·문화"),
    _kosdaq("263750", "펄어비스", 35450, "오락·문화"),
    _kosdaq("041510", "에스엠", 80500, "오락·문화"),
    _kosdaq("035900", "JYP Ent.", 60400, "오락·문화"),
    _kosdaq("058470", "리노공업", 201500, "반도체"),
)
