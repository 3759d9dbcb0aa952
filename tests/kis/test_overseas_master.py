"""The overseas master files: tab-separated cp949 in a zip, header line or not, stocks and ETPs
kept, indices and malformed lines left out."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

from kisbot.kis.overseas import exchange
from kisbot.kis.overseas.master import file_name, parse_overseas_master

NASDAQ = exchange("NAS")
HEADER = "ncod\texid\texcd\texnm\tsymb\trsym\tknam\tenam\tstis\tcurr\tzdiv\tztyp\tbase\tbnit\t" \
    "anit\tmstm\tmetm\tisdr\tdrcd\ticod\tsjong\tttyp\tetyp\tttyp_sb"  # fmt: skip


def record(symbol: str, korean: str, english: str, kind: str = "2", excd: str = "NAS") -> str:
    fields = [
        "US",
        "512",
        excd,
        "나스닥",
        symbol,
        f"D{excd}{symbol}",
        korean,
        english,
        kind,
        "USD",
        "4",
        "",
        "190.5000",
        "1",
        "1",
        "0930",
        "1600",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ]
    return "\t".join(fields)  # fmt: skip


def zipped(*lines: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("NASMST.COD", "\r\n".join(lines).encode("cp949"))
    return buffer.getvalue()


def test_a_master_with_a_header_keeps_every_stock_and_etp() -> None:
    data = zipped(
        HEADER,
        record("AAPL", "애플", "APPLE INC"),
        record("QQQ", "인베스코 QQQ", "INVESCO QQQ TRUST", kind="3"),
        record("NDX", "나스닥100", "NASDAQ 100", kind="1"),  # an index: left out
        "broken\tline",
    )
    symbols = parse_overseas_master(data, NASDAQ)
    assert [(s.symbol, s.korean_name, s.is_etp) for s in symbols] == [
        ("AAPL", "애플", False),
        ("QQQ", "인베스코 QQQ", True),
    ]
    apple = symbols[0]
    assert (apple.exchange, apple.currency, apple.decimals) == (NASDAQ, "USD", 4)
    assert apple.base_price == Decimal("190.5000") and apple.english_name == "APPLE INC"


def test_without_a_header_the_first_record_is_kept() -> None:
    raw = "\n".join([record("AAPL", "애플", "APPLE INC"), record("MSFT", "마이크로소프트", "MSFT")])
    assert [s.symbol for s in parse_overseas_master(raw.encode("cp949"), NASDAQ)] == [
        "AAPL",
        "MSFT",
    ]


def test_a_record_of_another_exchange_is_not_taken_for_this_one() -> None:
    raw = record("KO", "코카콜라", "COCA-COLA", excd="NYS").encode("cp949")
    assert parse_overseas_master(raw, NASDAQ) == []
    assert parse_overseas_master(raw, exchange("NYS"))[0].symbol == "KO"


def test_file_names_follow_the_quote_codes() -> None:
    assert file_name(NASDAQ) == "nasmst.cod.zip"
    assert file_name(exchange("HKS")) == "hksmst.cod.zip"
