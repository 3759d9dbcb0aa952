"""`kisbot run` (and other kisbot commands) as real processes, for black-box tests.

The process's stderr (the log) is read as it comes, so a test can wait for a line; everything
it wrote is kept for the assertions at the end.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sys
from collections.abc import Mapping
from types import TracebackType

from kisbot.chat.botapi import LocalBotApi
from kisbot.sandbox import Sandbox


def free_port() -> int:
    """A loopback port nothing listens on (connecting to it is refused at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def bot_env(
    api: LocalBotApi | None, sandbox: Sandbox, data_dir: str, **extra: str
) -> dict[str, str]:
    """The environment of a `kisbot run` against this Bot API (or none) and the sandbox."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KISBOT_")}
    if api is not None:
        env.update(api.bot_env())
    env.update(
        {
            "KISBOT_KIS_REAL_URL": sandbox.real_url,
            "KISBOT_KIS_MOCK_URL": sandbox.mock_url,
            "KISBOT_SYMBOLS_URL": sandbox.files_url,
            "KISBOT_DATA_DIR": data_dir,
            "KISBOT_MARKET_HOURS_ONLY": "false",
            "KISBOT_ALERT_INTERVAL": "3600",
        }
    )
    env.update(extra)
    return env


class KisbotProcess:
    """`python -m kisbot.cli ARGS` with its log collected; `async with` kills it if still up."""

    def __init__(self, *args: str, env: Mapping[str, str]) -> None:
        self.args = args
        self.env = dict(env)
        self.process: asyncio.subprocess.Process | None = None
        self.lines: list[str] = []
        self.stdout = ""
        self._changed = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None

    async def __aenter__(self) -> KisbotProcess:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "kisbot.cli",
            *self.args,
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        self._reader = asyncio.create_task(self._read())
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self.process is not None
        if self.process.returncode is None:
            self.process.kill()
        await self.wait(timeout=30)

    @property
    def output(self) -> str:
        """Everything the process wrote to stderr and stdout so far."""
        return "".join(self.lines) + self.stdout

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def _read(self) -> None:
        assert self.process is not None and self.process.stderr is not None
        async for line in self.process.stderr:
            self.lines.append(line.decode(errors="replace"))
            self._changed.set()
        self._changed.set()

    async def wait_for_lines(self, pattern: str, count: int = 1, timeout: float = 30) -> list[str]:  # noqa: ASYNC109
        """The first `count` log lines that match `pattern` (a regex), once there are that many."""
        regex = re.compile(pattern)

        async def enough() -> list[str]:
            while True:
                found = [line for line in self.lines if regex.search(line)]
                if len(found) >= count:
                    return found[:count]
                if self._reader is not None and self._reader.done():
                    raise AssertionError(f"the process ended; its output:\n{self.output}")
                self._changed.clear()
                await self._changed.wait()

        try:
            return await asyncio.wait_for(enough(), timeout)
        except TimeoutError:
            raise AssertionError(
                f"no {count} line(s) matching {pattern!r} in {timeout} s; output:\n{self.output}"
            ) from None

    async def wait(self, timeout: float = 30) -> int:  # noqa: ASYNC109
        """The exit code, once the process has ended and its output is read."""
        assert self.process is not None and self.process.stdout is not None
        stdout = await asyncio.wait_for(self.process.stdout.read(), timeout)
        self.stdout += stdout.decode(errors="replace")
        if self._reader is not None:
            await asyncio.wait_for(self._reader, timeout)
        return await asyncio.wait_for(self.process.wait(), timeout)

    async def terminate(self, timeout: float = 15) -> int:  # noqa: ASYNC109
        """Send SIGTERM and return the exit code."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return await self.wait(timeout)
