from __future__ import annotations

import io
import logging
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import respx

from kisbot.clock import ManualClock
from kisbot.kis.symbols import Symbol, SymbolDirectory, SymbolSource, parse_master
from kisbot.kis.transport import new_http_client
from kisbot.sandbox.masterfiles import MasterRecord, build_master_zip

BASE = "https://master.example/common/master"
DAY = 24 * 3600

KOSPI = [
    MasterRecord("005930", "삼성전자", base_price=72000),
    MasterRecord("005935", "삼성전자우", base_price=60000),
    MasterRecord("006400", "삼성SDI"),
    MasterRecord("069500", "KODEX 200", group="EF"),
    MasterRecord("530031", "삼성 레버리지 WTI원유 선물 ETN", group="EN"),
    MasterRecord("066570", "LG전자"),
    MasterRecord("068270", "셀트리온"),
    MasterRecord("0004Y0", "알파코드"),
]
KOSDAQ = [MasterRecord("247540", "에코프로비엠"), MasterRecord("091990", "셀트리온헬스케어")]


def hand_written_kospi_line(code: str, isin: str, name: str, group: str, price: int) -> bytes:
    """One kospi_code.mst line built from the field widths by hand, without the writer."""
    tail = group + "1" + "0001" * 3 + "N" * 26 + f"{price:09d}" + "00001" + "00001" + "Y"
    tail = tail.ljust(227, "0")
    return f"{code:<9}{isin}{name}      {tail}".encode("cp949")


@pytest.fixture
def directory() -> SymbolDirectory:
    symbols = parse_master(build_master_zip("kospi", KOSPI), "kospi")
    return SymbolDirectory(symbols + parse_master(build_master_zip("kosdaq", KOSDAQ), "kosdaq"))


def test_parser_reads_a_hand_built_line_at_the_published_offsets() -> None:
    data = hand_written_kospi_line("005930", "KR7005930003", "삼성전자", "ST", 72000) + b"\r\n"
    data += hand_written_kospi_line("069500", "KR7069500007", "KODEX 200", "EF", 35000) + b"\n"
    assert parse_master(data, "KOSPI") == [
        Symbol("005930", "KR7005930003", "삼성전자", "KOSPI", "ST", 72000, halted=True),
        Symbol("069500", "KR7069500007", "KODEX 200", "KOSPI", "EF", 35000, halted=True),
    ]


def test_parser_skips_lines_too_short_to_hold_a_tail(caplog: pytest.LogCaptureFixture) -> None:
    good = hand_written_kospi_line("005930", "KR7005930003", "삼성전자", "ST", 1)
    with caplog.at_level(logging.WARNING):
        symbols = parse_master(good + b"\n005930   KR7005930003short\n\n", "kospi")
    assert [s.code for s in symbols] == ["005930"]
    assert "skipped 1" in caplog.text


def test_exact_name_wins_over_longer_names(directory: SymbolDirectory) -> None:
    match = directory.lookup("삼성전자")
    assert match.exact is not None and match.exact.code == "005930"
    assert match.code == "005930"
    assert "005935" in [s.code for s in match.candidates]
    assert match.symbols[0].code == "005930"


@pytest.mark.parametrize(
    ("text", "code"),
    [("005930", "005930"), (" 005930 ", "005930"), ("kodex 200", "069500"),
     ("KODEX200", "069500"), ("0004y0", "0004Y0"), ("KR7005930003", "005930"),
     ("에코프로비엠", "247540")],
)  # fmt: skip
def test_exact_code_or_name_is_found(directory: SymbolDirectory, text: str, code: str) -> None:
    match = directory.lookup(text)
    assert match.exact is not None and match.exact.code == code


def test_prefix_candidates_put_stocks_before_other_groups(directory: SymbolDirectory) -> None:
    match = directory.lookup("삼성")
    assert match.exact is None
    codes = [s.code for s in match.candidates]
    assert codes[0] == "005930"  # the shortest name first
    assert set(codes[1:3]) == {"006400", "005935"}
    assert codes[-1] == "530031"  # the ETN, though its name also starts with 삼성


def test_names_containing_the_text_are_candidates(directory: SymbolDirectory) -> None:
    codes = {s.code for s in directory.lookup("전자").candidates}
    assert {"005930", "066570", "005935"} <= codes


def test_a_typo_finds_the_close_name_as_similar_not_as_a_candidate(
    directory: SymbolDirectory,
) -> None:
    match = directory.lookup("셀트리원")
    assert match.exact is None and match.candidates == ()
    assert match.similar[0].code == "068270"
    assert match.symbols[0].code == "068270"


def test_candidates_are_limited() -> None:
    many = [Symbol(f"{n:06d}", "", f"테스트{n}", "KOSPI") for n in range(20)]
    assert len(SymbolDirectory(many).lookup("테스트").candidates) == 8
    assert len(SymbolDirectory(many).lookup("테스트", limit=3).candidates) == 3


def test_nothing_found_is_an_empty_match(directory: SymbolDirectory) -> None:
    match = directory.lookup("없는종목이름입니다")
    assert match.exact is None and match.candidates == () and match.code is None
    assert match.similar == ()
    assert directory.lookup("   ").symbols == ()


def test_codes_work_without_any_names() -> None:
    empty = SymbolDirectory()
    assert not empty.available
    assert empty.lookup("005930").code == "005930"
    assert empty.lookup("0004y0").code == "0004Y0"
    assert empty.lookup("삼성전자").code is None


def test_by_code(directory: SymbolDirectory) -> None:
    samsung = directory.by_code("005930")
    assert samsung is not None and samsung.name == "삼성전자" and samsung.base_price == 72000
    assert directory.by_code("247540").market == "KOSDAQ"  # type: ignore[union-attr]
    assert directory.by_code("999999") is None


# --- downloading and caching -------------------------------------------------------------


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with new_http_client(5.0) as client:
        yield client


@pytest.fixture
def server() -> respx.MockRouter:
    with respx.mock(assert_all_called=False, using="httpx") as router:
        router.get(f"{BASE}/kospi_code.mst.zip", name="kospi").respond(
            content=build_master_zip("kospi", KOSPI)
        )
        router.get(f"{BASE}/kosdaq_code.mst.zip", name="kosdaq").respond(
            content=build_master_zip("kosdaq", KOSDAQ)
        )
        yield router


def downloads(server: respx.MockRouter) -> int:
    return server["kospi"].call_count + server["kosdaq"].call_count


def make_source(client: httpx.AsyncClient, tmp_path: Path, clock: ManualClock) -> SymbolSource:
    return SymbolSource(client, BASE + "/", tmp_path, clock)


async def test_first_load_downloads_both_markets_and_caches_them(
    client: httpx.AsyncClient, server: respx.MockRouter, tmp_path: Path
) -> None:
    directory = await make_source(client, tmp_path, ManualClock()).load()
    assert directory.available
    assert directory.by_code("005930").market == "KOSPI"  # type: ignore[union-attr]
    assert directory.by_code("247540").market == "KOSDAQ"  # type: ignore[union-attr]
    cached = sorted(p.name for p in (tmp_path / "symbols").iterdir())
    assert cached == ["kosdaq_code.mst.zip", "kospi_code.mst.zip"]


async def test_cache_is_reused_within_a_day_even_by_a_new_process(
    client: httpx.AsyncClient, server: respx.MockRouter, tmp_path: Path
) -> None:
    clock = ManualClock()
    await make_source(client, tmp_path, clock).load()
    await clock.advance(DAY - 60)
    server["kospi"].respond(500)
    server["kosdaq"].respond(500)
    directory = await make_source(client, tmp_path, clock).load()
    assert downloads(server) == 2
    assert directory.lookup("삼성전자").code == "005930"


async def test_cache_is_refreshed_after_a_day(
    client: httpx.AsyncClient, server: respx.MockRouter, tmp_path: Path
) -> None:
    clock = ManualClock()
    source = make_source(client, tmp_path, clock)
    await source.get()
    newly_listed = [*KOSPI, MasterRecord("123450", "신규상장")]
    server["kospi"].respond(content=build_master_zip("kospi", newly_listed))
    assert (await source.get()).by_code("123450") is None
    await clock.advance(DAY)
    assert (await source.get()).by_code("123450") is not None
    assert downloads(server) == 4


async def test_stale_cache_is_used_when_the_download_fails(
    client: httpx.AsyncClient,
    server: respx.MockRouter,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = ManualClock()
    await make_source(client, tmp_path, clock).load()
    await clock.advance(3 * DAY)
    server["kospi"].mock(side_effect=httpx.ConnectError("refused"))
    server["kosdaq"].respond(200, content=b"<html>maintenance</html>")
    with caplog.at_level(logging.WARNING):
        directory = await make_source(client, tmp_path, clock).load()
    assert directory.by_code("005930") is not None
    assert directory.by_code("247540") is not None
    assert "ConnectError" in caplog.text
    assert "cached copy" in caplog.text
    assert all(len(r.getMessage()) < 120 for r in caplog.records)
    # The bad download did not replace the good cache.
    cached = (tmp_path / "symbols" / "kosdaq_code.mst.zip").read_bytes()
    assert zipfile.ZipFile(io.BytesIO(cached)).namelist() == ["kosdaq_code.mst"]


async def test_no_download_and_no_cache_is_unavailable_but_codes_still_work(
    client: httpx.AsyncClient, server: respx.MockRouter, tmp_path: Path
) -> None:
    server["kospi"].respond(503)
    server["kosdaq"].mock(side_effect=httpx.ReadTimeout("slow"))
    directory = await make_source(client, tmp_path, ManualClock()).load()
    assert not directory.available
    assert directory.lookup("005930").code == "005930"


async def test_an_incomplete_directory_is_retried_before_a_day_passes(
    client: httpx.AsyncClient, server: respx.MockRouter, tmp_path: Path
) -> None:
    clock = ManualClock()
    source = make_source(client, tmp_path, clock)
    server["kosdaq"].respond(503)
    assert (await source.get()).by_code("247540") is None
    await clock.advance(60)
    await source.get()
    assert server["kosdaq"].call_count == 1  # not hammered on every lookup
    server["kosdaq"].respond(content=build_master_zip("kosdaq", KOSDAQ))
    await clock.advance(15 * 60)
    assert (await source.get()).by_code("247540") is not None
    assert server["kospi"].call_count == 1  # the fresh KOSPI cache was read, not downloaded


def test_an_exact_code_is_the_whole_answer(directory: SymbolDirectory) -> None:
    match = directory.lookup("005930")
    assert match.exact is not None and match.exact.code == "005930"
    assert match.candidates == ()
