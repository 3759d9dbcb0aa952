"""`kisbot demo` as a user runs it: lines piped in, replies printed, a clean exit."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path


def run_demo(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kisbot.cli", "demo", *args],
        input=script,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_piped_lines_each_get_their_replies_and_the_demo_exits() -> None:
    result = run_demo("/frobnicate\nhello\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.index("> /frobnicate") < out.index("알 수 없는 명령") < out.index("> hello")
    assert "Traceback" not in result.stderr


def saved_photos(out: str) -> list[Path]:
    """The paths the transcript printed after "[image: …]"."""
    return [Path(line.split("] ", 1)[1]) for line in out.splitlines() if line.startswith("[image")]


def test_english_demo_saves_the_chart_in_its_data_dir_and_presses_only_the_latest_message(
    tmp_path: Path,
) -> None:
    script = "/frobnicate\n/price 005930\n/daily 005930 5\n1\n"
    result = run_demo(script, "--lang", "en", "--data-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "Unknown command" in result.stdout
    assert (tmp_path / "master.key").exists()  # a kept data dir keeps its key
    [chart] = saved_photos(result.stdout)
    assert chart.parent == tmp_path / "demo-photos"
    assert chart.name.startswith("001-") and chart.suffix == ".png"
    assert chart.read_bytes().startswith(b"\x89PNG")
    # The /price message above has a refresh button; the chart, the latest message, has none.
    assert result.stdout.rstrip().endswith(
        "> 1\n(the latest message has no buttons; nothing was pressed)"
    )


def test_charts_of_a_demo_without_a_data_dir_outlive_it() -> None:
    result = run_demo("/daily 005930 3\n")
    assert result.returncode == 0, result.stderr
    [chart] = saved_photos(result.stdout)
    try:
        assert chart.is_absolute()
        assert chart.read_bytes().startswith(b"\x89PNG")
    finally:
        shutil.rmtree(chart.parent, ignore_errors=True)


def test_fill_notices_arrive_on_their_own_over_the_sandbox_websocket() -> None:
    result = run_demo("/price 005930\n/buy 005930 1\n1\n/orders\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "주문 접수 · 삼성전자 (005930) 매수 1주" in out
    assert "체결완료 1/1주 · 삼성전자 (005930) 매수" in out
    assert "📊 상태: 체결완료 1/1주" in out  # the confirmation, edited
