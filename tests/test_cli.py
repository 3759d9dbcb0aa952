from __future__ import annotations

import subprocess
import sys

from kisbot.cli import SUBCOMMANDS, main


def test_help_lists_every_subcommand() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kisbot.cli", "--help"], capture_output=True, text=True, check=True
    )
    for name in SUBCOMMANDS:
        assert name in result.stdout


def test_unknown_subcommand_is_refused(capsys) -> None:
    try:
        main(["fly"])
    except SystemExit as exc:
        assert exc.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_subcommand_options_reach_the_subcommand(monkeypatch) -> None:
    import kisbot.cli as cli

    seen: list[list[str]] = []
    monkeypatch.setattr(cli, "_load", lambda name: lambda argv: seen.append(argv) or 0)
    assert main(["demo", "--lang", "en", "--seed", "3"]) == 0
    assert seen == [["--lang", "en", "--seed", "3"]]
