"""`kisbot sandbox` as a process: prints both URLs, serves them, stops cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import signal
import sys

import httpx

from kisbot.sandbox.cli import build_parser

STARTUP_TIMEOUT = 20.0
SANDBOX_COMMAND = (sys.executable, "-m", "kisbot.sandbox.cli")


async def read_urls(process: asyncio.subprocess.Process) -> dict[str, str]:
    assert process.stdout is not None
    urls: dict[str, str] = {}
    while "KISBOT_SYMBOLS_URL" not in urls:
        line = (await process.stdout.readline()).decode()
        assert line, "the sandbox exited before printing its URLs"
        name, sep, value = line.strip().partition("=")
        if sep:
            urls[name] = value
    return urls


async def test_sandbox_command_serves_both_hosts_and_stops_on_sigterm() -> None:
    # `kisbot sandbox ARGS` hands ARGS to kisbot.sandbox.cli:main; run that entry directly.
    process = await asyncio.create_subprocess_exec(
        *SANDBOX_COMMAND,
        "--port",
        "0",
        "--token-interval",
        "0",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        urls = await asyncio.wait_for(read_urls(process), STARTUP_TIMEOUT)
        assert urls["KISBOT_KIS_REAL_URL"] != urls["KISBOT_KIS_MOCK_URL"]
        body = {"grant_type": "client_credentials", "appkey": "K", "appsecret": "S"}
        async with httpx.AsyncClient() as client:
            for name in ("KISBOT_KIS_REAL_URL", "KISBOT_KIS_MOCK_URL"):
                response = await client.post(f"{urls[name]}/oauth2/tokenP", json=body)
                assert response.status_code == 200
            files = await client.get(f"{urls['KISBOT_SYMBOLS_URL']}/kospi_code.mst.zip")
            assert files.status_code == 200
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), STARTUP_TIMEOUT)
        assert code == 0
        assert process.stdout is not None
        assert b"stopped" in await process.stdout.read()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


def test_defaults_match_the_documented_command_line() -> None:
    args = build_parser().parse_args([])
    assert (args.host, args.port, args.mock_port) == ("127.0.0.1", 8800, None)
    assert (args.real_rate, args.mock_rate, args.token_interval) == (18, 1, 60)
