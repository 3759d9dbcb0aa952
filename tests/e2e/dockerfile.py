"""The Dockerfile's HEALTHCHECK command, to run as a plain command (no Docker engine here)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

DOCKERFILE = Path(__file__).resolve().parents[2] / "Dockerfile"


def healthcheck_command() -> list[str]:
    """The HEALTHCHECK's CMD, with `kisbot` the console script of this environment."""
    instruction = DOCKERFILE.read_text().replace("\\\n", " ")
    line = next(row for row in instruction.splitlines() if row.startswith("HEALTHCHECK "))
    program, *args = json.loads(line.split(" CMD ", 1)[1])
    assert program == "kisbot", f"the health check runs {program!r}, not kisbot"
    script = Path(sys.executable).with_name("kisbot")
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-m", "kisbot.cli", *args]
