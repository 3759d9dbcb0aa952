"""`kisbot health`: the heartbeat of a polling bot, the probe of a webhook server, the exit code."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from kisbot.chat.botapi import LocalBotApi
from kisbot.health import (
    Heartbeat,
    check_heartbeat,
    check_webhook_server,
    heartbeat_path,
    main,
)
from kisbot.telegram_request import HeartbeatRequest

TOKEN = "700000009:AAHealth-Test-Token-Only_abcdefghijklm"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def age(path: Path, seconds: float) -> None:
    """Make the file look last touched `seconds` ago."""
    then = time.time() - seconds
    os.utime(path, (then, then))


# -- the heartbeat ---------------------------------------------------------------------------


def test_a_beat_touches_the_file_at_most_once_per_interval(tmp_path: Path) -> None:
    clock = FakeClock()
    heartbeat = Heartbeat(tmp_path / "data" / "heartbeat", every=10, clock=clock)
    heartbeat.beat()  # makes the data directory if the bot has not yet
    assert check_heartbeat(heartbeat.path) is None

    age(heartbeat.path, 500)
    clock.now += 9
    heartbeat.beat()
    assert check_heartbeat(heartbeat.path) is not None  # too soon: not touched again
    clock.now += 1
    heartbeat.beat()
    assert check_heartbeat(heartbeat.path) is None


def test_reset_forgets_an_earlier_runs_heartbeat(tmp_path: Path) -> None:
    heartbeat = Heartbeat(tmp_path / "heartbeat")
    heartbeat.beat()
    heartbeat.reset()
    assert not heartbeat.path.exists()
    heartbeat.reset()  # nothing to forget is fine too
    heartbeat.beat()  # and the next beat is not held back by the one before the reset
    assert heartbeat.path.exists()


def test_reset_in_an_unusable_data_directory_does_not_raise(tmp_path: Path) -> None:
    (tmp_path / "data").write_text("a file where the data directory should be")
    Heartbeat(tmp_path / "data" / "heartbeat").reset()


def test_a_heartbeat_that_cannot_be_written_is_logged_once_and_never_raises(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "data").write_text("a file where the data directory should be")
    clock = FakeClock()
    heartbeat = Heartbeat(tmp_path / "data" / "heartbeat", every=1, clock=clock)
    with caplog.at_level(logging.WARNING, logger="kisbot.health"):
        for _ in range(3):
            heartbeat.beat()
            clock.now += 2
    assert [r.message.startswith("cannot write the heartbeat") for r in caplog.records] == [True]


def test_a_missing_or_silent_heartbeat_is_unhealthy(tmp_path: Path) -> None:
    path = tmp_path / "heartbeat"
    assert "no heartbeat" in (check_heartbeat(path) or "")
    path.touch()
    age(path, 119)
    assert check_heartbeat(path) is None
    age(path, 125)
    assert "125 s ago" in (check_heartbeat(path) or "")


async def test_only_an_answered_poll_beats() -> None:
    beats: list[str] = []
    request = HeartbeatRequest(lambda: beats.append("beat"))
    async with LocalBotApi(TOKEN) as api:
        try:
            await request.initialize()
            status, _ = await request.do_request(f"{api.base_url}{TOKEN}/getUpdates", "POST")
            assert (status, beats) == (200, ["beat"])
            refused, _ = await request.do_request(f"{api.base_url}999:wrong/getUpdates", "POST")
            assert (refused, beats) == (401, ["beat"])
        finally:
            await request.shutdown()


# -- the webhook probe -----------------------------------------------------------------------


class Refusing(BaseHTTPRequestHandler):
    """Answers every GET with 405, as PTB's webhook server does."""

    def do_GET(self) -> None:
        self.send_response(405)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass


@pytest.fixture
def webhook_server() -> Iterator[int]:
    server = HTTPServer(("127.0.0.1", 0), Refusing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_webhook_server_that_answers_at_all_is_healthy(webhook_server: int) -> None:
    url = "https://bot.example.com/hook"
    assert check_webhook_server(f"0.0.0.0:{webhook_server}", url) is None
    assert check_webhook_server(f"127.0.0.1:{webhook_server}", url) is None


def test_a_webhook_server_that_does_not_answer_is_unhealthy() -> None:
    port = closed_port()
    problem = check_webhook_server(f"0.0.0.0:{port}", "https://bot.example.com/hook")
    assert problem is not None
    assert f"0.0.0.0:{port} does not answer" in problem


# -- the command -----------------------------------------------------------------------------


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in list(os.environ):
        if name.startswith("KISBOT_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("KISBOT_DATA_DIR", str(tmp_path))
    return tmp_path


def test_health_of_a_polling_bot_is_its_heartbeat(
    environment: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([]) == 1
    assert capsys.readouterr().out.startswith("unhealthy: no heartbeat at ")
    heartbeat_path(environment).touch()
    assert main([]) == 0
    assert capsys.readouterr().out == "healthy\n"


def test_health_of_a_webhook_bot_is_its_server_answering(
    environment: Path,
    monkeypatch: pytest.MonkeyPatch,
    webhook_server: int,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("KISBOT_WEBHOOK_URL", "https://bot.example.com/hook")
    monkeypatch.setenv("KISBOT_WEBHOOK_LISTEN", f"0.0.0.0:{webhook_server}")
    assert main([]) == 0
    monkeypatch.setenv("KISBOT_WEBHOOK_LISTEN", f"0.0.0.0:{closed_port()}")
    assert main([]) == 1
    assert "does not answer" in capsys.readouterr().out


def test_a_bad_configuration_is_unhealthy_with_exit_code_1_not_2(
    environment: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Docker reserves exit code 2 of a health check.
    monkeypatch.setenv("KISBOT_WEBHOOK_LISTEN", "nowhere")
    assert main([]) == 1
    assert "KISBOT_WEBHOOK_LISTEN" in capsys.readouterr().out
