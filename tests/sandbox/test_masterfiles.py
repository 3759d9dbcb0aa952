from __future__ import annotations

import io
import zipfile

import pytest

from kisbot.kis.master import parse_master
from kisbot.sandbox.masterfiles import MasterRecord, build_master_zip, standard_code


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_standard_codes_are_real_isins() -> None:
    assert standard_code("005930") == "KR7005930003"  # 삼성전자
    assert standard_code("000660") == "KR7000660001"  # SK하이닉스
    assert standard_code("069500") == "KR7069500007"  # KODEX 200


def test_zip_holds_the_market_file_in_cp949() -> None:
    kospi = unzip(build_master_zip("kospi", [MasterRecord("005930", "삼성전자")]))
    kosdaq = unzip(build_master_zip("kosdaq", [MasterRecord("247540", "에코프로비엠")]))
    assert list(kospi) == ["kospi_code.mst"]
    assert list(kosdaq) == ["kosdaq_code.mst"]
    assert "삼성전자".encode("cp949") in kospi["kospi_code.mst"]
    assert "에코프로비엠".encode("cp949") in kosdaq["kosdaq_code.mst"]


def test_kospi_line_has_the_published_offsets() -> None:
    # Hand-counted from KIS's field widths: 그룹코드 2 + 시가총액규모 1 + 업종 4/4/4
    # + 26 flags = 41, then 기준가 9, 매매수량단위 5, 시간외수량단위 5,
    # and 거래정지 1 at 60; 227 in all.
    record = MasterRecord("005930", "삼성전자", base_price=72000)
    raw = unzip(build_master_zip("kospi", [record]))["kospi_code.mst"]
    line = raw.decode("cp949")
    assert line.endswith("\n") and line.count("\n") == 1
    line = line[:-1]
    head, tail = line[:-227], line[-227:]
    assert head[0:9] == "005930   "
    assert head[9:21] == "KR7005930003"
    assert head[21:].strip() == "삼성전자"
    assert tail[0:2] == "ST"
    assert tail[41:50] == "000072000"
    assert tail[60] == "N"
    assert tail.isascii()


def test_kosdaq_line_has_the_published_offsets() -> None:
    # 15 classification chars + 21 flags = 36 for 기준가; 221 in all.
    record = MasterRecord("0004Y0", "새코스닥", group="ST", base_price=1234)
    line = unzip(build_master_zip("kosdaq", [record]))["kosdaq_code.mst"].decode("cp949")[:-1]
    tail = line[-221:]
    assert line[:9] == "0004Y0   "
    assert tail[0:2] == "ST"
    assert tail[36:45] == "000001234"
    assert line[-222] == " "  # the last char of the padded name, not tail data


@pytest.mark.parametrize("market", ["kospi", "kosdaq"])
def test_parser_reads_back_what_the_writer_wrote(market: str) -> None:
    records = [
        MasterRecord("005930", "삼성전자", base_price=72000),
        MasterRecord("069500", "KODEX 200", group="EF", base_price=35000),
        MasterRecord("0004Y0", "아주긴이름을가진종목주식회사제일호스팩", group="ST"),
    ]
    symbols = parse_master(build_master_zip(market, records), market)  # type: ignore[arg-type]
    assert [(s.code, s.name, s.group, s.base_price) for s in symbols] == [
        (r.code, r.name, r.group, r.base_price) for r in records
    ]
    assert symbols[0].isin == "KR7005930003"
    assert {s.market for s in symbols} == {market.upper()}


@pytest.mark.parametrize("code", ["5930", "005930X", "00593a", ""])
def test_malformed_codes_are_refused(code: str) -> None:
    with pytest.raises(ValueError, match="code"):
        build_master_zip("kospi", [MasterRecord(code, "이름")])


def test_a_base_price_too_large_for_the_field_is_refused() -> None:
    with pytest.raises(ValueError, match="기준가"):
        build_master_zip("kospi", [MasterRecord("005930", "삼성전자", base_price=10**9)])
