"""`kisbot health`: is the bot on this machine doing its job? Docker's HEALTHCHECK runs it.

A living process proves little (Docker already knows when it dies), so each mode checks what
its work needs:

- Long polling: `kisbot run` touches DATA_DIR/heartbeat whenever Telegram answers a getUpdates
  (a long poll ends every 10 s even when nobody writes). Healthy means touched within the last
  MAX_SILENCE seconds: the event loop runs and Telegram answers. After a restart there is no
  heartbeat until the first poll is answered.
- Webhook (KISBOT_WEBHOOK_URL set): healthy means the webhook server at KISBOT_WEBHOOK_LISTEN
  answers an HTTP request, with any status; it runs in the bot's event loop. Whether Telegram
  can reach it through your proxy is outside what the container can see.

The exit code is 0 (healthy) or 1 (not), as Docker expects; one line says why.
"""

from __future__ import annotations

import argparse
import http.client
import logging
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import urlsplit

from kisbot.config import ConfigError, load_settings

logger = logging.getLogger(__name__)

HEARTBEAT_FILE = "heartbeat"
# Polls end every 10 s; PTB backs off at most 30 s between failed ones. Two minutes without an
# answer is an outage, not a blip.
MAX_SILENCE = 120.0
BEAT_EVERY = 10.0  # touch the file at most this often, however many polls are answered
PROBE_TIMEOUT = 5.0


def heartbeat_path(data_dir: Path) -> Path:
    return data_dir / HEARTBEAT_FILE


class Heartbeat:
    """The file `kisbot run` touches while polling works (cheap: one utime per BEAT_EVERY)."""

    def __init__(
        self, path: Path, *, every: float = BEAT_EVERY, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.path = path
        self._every = every
        self._clock = clock
        self._last: float | None = None
        self._failed = False

    def reset(self) -> None:
        """Forget an earlier run's heartbeat, so health waits for this run's first poll."""
        self._last = None
        try:
            self.path.unlink(missing_ok=True)
        except OSError as error:
            # An unusable data directory is reported by what needs it (the database, the key).
            logger.warning("cannot remove the old heartbeat file %s: %s", self.path, error)

    def beat(self) -> None:
        """Record that Telegram answered; a file that cannot be written is logged once."""
        now = self._clock()
        if self._last is not None and now - self._last < self._every:
            return
        self._last = now
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.touch()
        except OSError as error:
            if not self._failed:
                logger.warning("cannot write the heartbeat file %s: %s", self.path, error)
            self._failed = True


def check_heartbeat(path: Path, *, max_silence: float = MAX_SILENCE) -> str | None:
    """None when the heartbeat is fresh, else what is wrong."""
    try:
        age = time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return (
            f"no heartbeat at {path}: no poll answered by Telegram yet, or the bot is not running"
        )
    except OSError as error:
        return f"cannot read the heartbeat {path}: {error.strerror or error}"
    if age > max_silence:
        return f"Telegram last answered a poll {age:.0f} s ago (more than {max_silence:.0f} s)"
    return None


def check_webhook_server(listen: str, webhook_url: str) -> str | None:
    """None when the webhook server at `listen` (host:port) answers HTTP, else what is wrong."""
    host, _, port = listen.rpartition(":")
    host = host.strip("[]")
    # A server bound to every address is reached on loopback.
    host = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(host, host)
    path = urlsplit(webhook_url).path or "/"
    connection = http.client.HTTPConnection(host, int(port), timeout=PROBE_TIMEOUT)
    try:
        # A GET is refused (405), which is enough: the server read it and answered.
        connection.request("GET", path)
        connection.getresponse().read()
    except (OSError, http.client.HTTPException) as error:
        return f"the webhook server at {listen} does not answer: {error}"
    finally:
        connection.close()
    return None


def main(argv: Sequence[str]) -> int:
    """`kisbot health`: 0 when the bot configured by KISBOT_* is healthy, else 1."""
    argparse.ArgumentParser(
        prog="kisbot health",
        description="Exit 0 if the bot run here with the same KISBOT_* settings is healthy, "
        "else 1 (for Docker's HEALTHCHECK). Polling: Telegram answered a poll within the last "
        f"{MAX_SILENCE:.0f} s. Webhook: the webhook server answers HTTP.",
    ).parse_args(list(argv))
    try:
        settings = load_settings()
    except ConfigError as error:
        print(f"unhealthy: {error}")
        return 1
    if settings.webhook_url:
        problem = check_webhook_server(settings.webhook_listen, settings.webhook_url)
    else:
        problem = check_heartbeat(heartbeat_path(settings.data_dir))
    if problem is not None:
        print(f"unhealthy: {problem}")
        return 1
    print("healthy")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
