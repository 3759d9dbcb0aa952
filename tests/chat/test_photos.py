"""Where the demo's terminal chat saves the photos the bot sends."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kisbot.chat.models import StoredFile
from kisbot.chat.photos import PhotoFolder, file_stem
from tests.chat.conftest import CHART


def photo(data: bytes = CHART, filename: str | None = None) -> StoredFile:
    return StoredFile("AgAQAD000001", "AQAD000001", data, filename)


def test_numbering_continues_after_the_files_already_in_a_kept_folder(tmp_path: Path) -> None:
    (tmp_path / "007-삼성전자.png").write_bytes(b"an earlier run's chart")
    (tmp_path / "notes.txt").write_text("not numbered")
    folder = PhotoFolder(tmp_path)
    saved = folder.save(photo(), "삼성전자 (005930) 최근 20거래일")
    assert saved == tmp_path / "008-삼성전자-005930-최근-20거래일.png"
    assert saved.read_bytes() == CHART
    assert (tmp_path / "007-삼성전자.png").read_bytes() == b"an earlier run's chart"
    assert folder.save(photo(), None).name == "009-photo.png"


def test_without_a_folder_one_is_made_in_the_temp_directory_and_kept(tmp_path: Path) -> None:
    folder = PhotoFolder()
    assert folder.directory is None  # nothing is made before the first photo
    saved = folder.save(photo(), "chart")
    try:
        assert saved.parent == folder.directory
        assert saved.parent.name.startswith("kisbot-demo-photos-")
        assert saved.is_absolute()
        assert saved.read_bytes() == CHART
    finally:
        shutil.rmtree(saved.parent)


def test_a_relative_folder_is_printed_as_an_absolute_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    saved = PhotoFolder(Path("data/demo-photos")).save(photo(), "x")
    assert saved == tmp_path / "data" / "demo-photos" / "001-x.png"


def test_file_names_keep_the_captions_words_and_nothing_a_shell_trips_on() -> None:
    assert file_stem("삼성전자 (005930), last 20 trading days") == (
        "삼성전자-005930-last-20-trading-days"
    )
    assert file_stem("../../etc/passwd") == "etc-passwd"
    assert file_stem("") == "photo"
    assert file_stem("!!!") == "photo"
    assert len(file_stem("가" * 100)) == 40


def test_a_photo_that_is_not_a_png_keeps_its_uploaded_suffix(tmp_path: Path) -> None:
    folder = PhotoFolder(tmp_path)
    assert folder.save(photo(b"\xff\xd8\xff", "chart.jpg"), "a").name == "001-a.jpg"
    assert folder.save(photo(b"GIF89a", None), "b").name == "002-b.bin"
    assert folder.save(photo(b"GIF89a", "x.tar/../evil"), "c").name == "003-c.bin"
