"""`kisbot demo` as a user runs it: lines piped in, replies printed, a clean exit."""

from __future__ import annotations

import subprocess
import sys


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


def test_english_demo(tmp_path) -> None:
    result = run_demo("/frobnicate\n", "--lang", "en", "--data-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "Unknown command" in result.stdout
    assert (tmp_path / "master.key").exists()  # a kept data dir keeps its key
