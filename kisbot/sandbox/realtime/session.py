"""One WebSocket connection to the sandbox: its app key once known, its registrations, the
frames on their way out, and its PINGPONG bookkeeping.

Everything that produces frames (the market, the brokers, control calls) is synchronous, so a
session queues what it sends and one writer task puts it on the socket. Tick records that arrive
in the same turn of the event loop leave as one frame (count > 1), as KIS batches them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from typing import Any

from aiohttp import web

from kisbot.clock import Clock
from kisbot.sandbox.messages import Flavour
from kisbot.sandbox.realtime import frames
from kisbot.sandbox.realtime.frames import Cipher256

logger = logging.getLogger(__name__)

TICK_TR = "H0STCNT0"
NXT_TICK_TR, COMBINED_TICK_TR = "H0NXCNT0", "H0UNCNT0"  # real only
TICK_TRS = frozenset({TICK_TR, NXT_TICK_TR, COMBINED_TICK_TR})  # every trade stream


class Session:
    """A connected client; `appkey` is None until its first message with a valid approval key."""

    def __init__(
        self,
        flavour: Flavour,
        ws: web.WebSocketResponse,
        request: web.Request,
        clock: Clock,
        *,
        ping_interval: float,
        ping_timeout: float,
    ) -> None:
        self.flavour: Flavour = flavour
        self.appkey: str | None = None
        # (tr_id, tr_key) -> the AES material its subscribe reply handed out, in subscribe order.
        self.registrations: dict[tuple[str, str], Cipher256] = {}
        self.pings_sent = 0
        self.pings_answered = 0
        self.closed = False
        self._ws = ws
        self._transport = request.transport
        self._clock = clock
        self._ping_interval = ping_interval
        self._ping_timeout = ping_timeout
        self._outbox: asyncio.Queue[str] = asyncio.Queue()
        self._ticks: dict[str, list[str]] = {}  # tr_id -> records of this loop turn
        self._last_data: dict[str, str] = {}  # tr_id -> its last data frame; "" -> the last one
        self._tasks: set[asyncio.Task[None]] = set()

    def __repr__(self) -> str:
        return f"Session({self.flavour}, registrations={len(self.registrations)})"

    def start(self) -> None:
        self._spawn(self._write())
        if self._ping_interval > 0:
            self._spawn(self._ping_every_interval())

    # Sending.

    def send(self, text: str) -> None:
        if not self.closed:
            self._outbox.put_nowait(text)

    def send_data(self, tr_id: str, frame: str) -> None:
        """A data frame, remembered so that `resend_last` can send it again."""
        self._last_data[tr_id] = self._last_data[""] = frame
        self.send(frame)

    def add_tick(self, record: str, tr_id: str = TICK_TR) -> None:
        """Queue a tick record of a trade TR; the ones of this loop turn go out together."""
        if not self._ticks:
            asyncio.get_running_loop().call_soon(self._flush_ticks)
        self._ticks.setdefault(tr_id, []).append(record)

    def resend_last(self, tr_id: str = "") -> bool:
        """Send the last data frame (of `tr_id`) again; False when there is none."""
        frame = self._last_data.get(tr_id)
        if frame is not None:
            self.send(frame)
        return frame is not None

    async def refuse(self, reply: str) -> None:
        """Send one reply and close the connection (a second session for an app key)."""
        self.closed = True
        with contextlib.suppress(ConnectionError, RuntimeError):
            await self._ws.send_str(reply)
            await self._ws.close()

    def _flush_ticks(self) -> None:
        batches, self._ticks = self._ticks, {}
        for tr_id, records in batches.items():
            for frame in frames.data_frames(False, tr_id, records):
                self.send_data(tr_id, frame)

    async def _write(self) -> None:
        while True:
            text = await self._outbox.get()
            try:
                await self._ws.send_str(text)
            except (ConnectionError, RuntimeError):
                return

    # PINGPONG.

    @property
    def unanswered_pings(self) -> int:
        return self.pings_sent - self.pings_answered

    def ping(self) -> None:
        """Send PINGPONG now; without an echo within ping_timeout the session is closed."""
        self.send(frames.pingpong(self._clock.now()))
        self.pings_sent += 1
        if self._ping_timeout > 0:
            self._spawn(self._close_unless_answered(self.pings_sent))

    def answer_ping(self) -> None:
        """An echo (text or protocol pong) answers every ping sent so far."""
        self.pings_answered = self.pings_sent

    async def _ping_every_interval(self) -> None:
        while True:
            await self._clock.sleep(self._ping_interval)
            self.ping()

    async def _close_unless_answered(self, ping: int) -> None:
        await self._clock.sleep(self._ping_timeout)
        if self.pings_answered < ping and not self.closed:
            logger.info("sandbox WebSocket: PINGPONG unanswered, closing the session")
            self.closed = True
            self._tasks.discard(asyncio.current_task())  # type: ignore[arg-type]
            with contextlib.suppress(ConnectionError, RuntimeError):
                await self._ws.close()

    # Ending.

    def abort(self) -> None:
        """Drop the connection without a close frame (the client sees 1006)."""
        self.closed = True
        if self._transport is not None:
            self._transport.abort()
        self.stop()

    def stop(self) -> None:
        """Stop the session's tasks (the connection is gone or going)."""
        self.closed = True
        current = asyncio.current_task()
        for task in self._tasks:
            if task is not current:
                task.cancel()
        self._tasks.clear()

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
