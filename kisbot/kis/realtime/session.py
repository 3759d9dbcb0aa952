"""One KIS WebSocket session for one app key: keep it up and registered as wanted.

The owner says what it wants (`want`: registrations in priority order, at most the cap) at any
time; the session diffs that against what KIS confirmed and sends the subscribes/unsubscribes.
Control replies decide what is on: OPSP0000/OPSP0002 on, OPSP0001 off, OPSP0008 (and any other
refusal) refused, not asked again until the wanted set changes or the session reconnects. A
registration counts against the cap from its subscribe until KIS confirms it off, so the cap
holds even while replies are in flight. The notice TR's AES key/iv comes with its subscribe
reply and is dropped with the connection.

On a close or error the session reconnects with jittered backoff and subscribes everything
again. OPSP8996 means another process holds the app key's session: the session closes and
backs off for minutes, growing, and does not fight. A reply calling the approval key invalid
discards it and reconnects once at once with a new one. Events go to the sink in arrival order,
awaited one by one in the reading task (a slow sink delays the PINGPONG echo, so it should hand
work off rather than do it); its exceptions are logged, never fatal. Ticks of a code that was
just unregistered may still arrive and are delivered like any other. The approval key, the HTS
ID and the app key never reach a log line (the credential's key_id does).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import Enum, StrEnum

import aiohttp

from kisbot.clock import Clock
from kisbot.kis.credentials import Credential
from kisbot.kis.errors import KisError
from kisbot.kis.realtime.approval import ApprovalKeys
from kisbot.kis.realtime.events import RealtimeEvent
from kisbot.kis.realtime.frames import NOTICE_TRS, ControlReply, FrameReader, kst_today

logger = logging.getLogger(__name__)

SUBSCRIBED, UNSUBSCRIBED, ALREADY, NOT_SUBSCRIBED = "OPSP0000", "OPSP0001", "OPSP0002", "OPSP0003"
TOO_MANY = "OPSP0008"
_CONNECTIONS = itertools.count(1)  # numbers each connection any session of this process makes
IN_USE = "OPSP8996"

Sink = Callable[[Credential, RealtimeEvent], Awaitable[None]]
Connect = Callable[[str], Awaitable[aiohttp.ClientWebSocketResponse]]
Delays = Callable[[], Iterator[float]]


@dataclass(frozen=True, slots=True)
class Registration:
    """One thing to register: a TR and its key (a stock code, or the HTS ID for notices)."""

    tr_id: str
    tr_key: str = field(repr=False)

    @property
    def is_notice(self) -> bool:
        return self.tr_id in NOTICE_TRS

    @property
    def label(self) -> str:
        """Safe to log: the code of a tick registration, never an HTS ID."""
        return self.tr_id if self.is_notice else f"{self.tr_id} {self.tr_key}"


class SessionState(StrEnum):
    IDLE = "idle"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"  # waiting out a backoff after a close or failure
    IN_USE_ELSEWHERE = "in use elsewhere"  # OPSP8996: another process holds this app key
    CLOSED = "closed"


class _Reg(Enum):
    SUBSCRIBING = "subscribing"
    ON = "on"
    UNSUBSCRIBING = "unsubscribing"


class _End(Enum):
    """Why a connection ended, which decides the wait before the next one."""

    DROPPED = "dropped"
    IN_USE = "in use"
    INVALID_APPROVAL = "invalid approval"


class Session:
    """Holds one WebSocket for one credential, reconnecting until closed."""

    def __init__(
        self,
        credential: Credential,
        url: str,
        approvals: ApprovalKeys,
        sink: Sink,
        clock: Clock,
        connect: Connect,
        *,
        max_registrations: int,
        backoff: Delays,
        busy_backoff: Delays,
    ) -> None:
        self.credential = credential
        self.state = SessionState.IDLE
        self.last_error: str | None = None
        # Which connection this is, unique in the process: what KIS sent between two
        # connections is lost, so a new number tells the caller to look for it once.
        self.connection = 0
        self._url = url
        self._approvals = approvals
        self._sink = sink
        self._clock = clock
        self._connect = connect
        self._max = max_registrations
        self._backoff = backoff
        self._busy_backoff = busy_backoff
        self._wanted: tuple[Registration, ...] = ()
        self._refused: set[Registration] = set()
        self._regs: dict[Registration, _Reg] = {}
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._approval = ""
        self._reader = FrameReader(kst_today(clock.now))
        self._skipped_before = 0
        self._confirmed_once = False
        self._sending = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    @property
    def confirmed(self) -> frozenset[Registration]:
        """What KIS confirmed on the live connection."""
        return frozenset(reg for reg, state in self._regs.items() if state is _Reg.ON)

    @property
    def connected(self) -> bool:
        return self._ws is not None and not self._ws.closed

    @property
    def registrations(self) -> int:
        """How many registrations count against the cap right now."""
        return len(self._regs)

    @property
    def skipped(self) -> int:
        """Messages or records the frame reader could not read, over the session's life."""
        return self._skipped_before + self._reader.skipped

    async def want(self, registrations: Sequence[Registration]) -> None:
        """Make these the wanted registrations (priority order; beyond the cap is cut)."""
        wanted = tuple(dict.fromkeys(registrations))[: self._max]
        if wanted != self._wanted:
            self._refused.clear()
        self._wanted = wanted
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"kis-ws {self.credential.key_id}")
        await self._sync()

    async def aclose(self) -> None:
        """Stop reconnecting and close the connection."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.state = SessionState.CLOSED

    async def _run(self) -> None:
        delays, busy, approval_retried = self._backoff(), self._busy_backoff(), False
        while True:
            self._confirmed_once = False
            try:
                end = await self._connection()
            except Exception:  # a bug must not end the session for good
                logger.exception("KIS WebSocket of %s failed", self.credential.key_id)
                self.last_error, end = "internal error", _End.DROPPED
            if self._confirmed_once:
                delays, busy, approval_retried = self._backoff(), self._busy_backoff(), False
            if end is _End.INVALID_APPROVAL and not approval_retried:
                approval_retried = True
                continue
            if end is _End.IN_USE:
                self.state, wait = SessionState.IN_USE_ELSEWHERE, next(busy)
            else:
                self.state, wait = SessionState.RECONNECTING, next(delays)
            logger.info(
                "KIS WebSocket of %s: %s; next try in %.1f s",
                self.credential.key_id,
                self.last_error,
                wait,
            )
            await self._clock.sleep(wait)

    async def _connection(self) -> _End:
        self.state = SessionState.CONNECTING
        try:
            approval = await self._approvals.key(self.credential)
            ws = await self._connect(self._url)
        except KisError as exc:
            self.last_error = f"approval key: {exc}"
            return _End.DROPPED
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            self.last_error = f"cannot connect ({type(exc).__name__})"
            return _End.DROPPED
        self._approval = approval.value
        self._skipped_before += self._reader.skipped
        self._reader = FrameReader(kst_today(self._clock.now))  # new session, new AES keys
        self._regs.clear()
        self._ws = ws
        self.connection = next(_CONNECTIONS)
        self.state = SessionState.CONNECTED
        logger.info("KIS WebSocket of %s connected", self.credential.key_id)
        try:
            await self._sync()
            return await self._listen(ws)
        except (aiohttp.ClientError, OSError) as exc:
            self.last_error = f"connection lost ({type(exc).__name__})"
            return _End.DROPPED
        finally:
            self._ws = None
            self._regs.clear()
            await ws.close()

    async def _listen(self, ws: aiohttp.ClientWebSocketResponse) -> _End:
        async for message in ws:
            if message.type is aiohttp.WSMsgType.TEXT:
                end = await self._on_text(ws, message.data)
                if end is not None:
                    return end
            elif message.type is aiohttp.WSMsgType.ERROR:
                self.last_error = f"connection lost ({type(ws.exception()).__name__})"
                return _End.DROPPED
        self.last_error = f"closed by KIS (code {ws.close_code})"
        return _End.DROPPED

    async def _on_text(self, ws: aiohttp.ClientWebSocketResponse, text: str) -> _End | None:
        message = self._reader.read(text)
        if isinstance(message, ControlReply):
            if message.is_pingpong:
                async with self._sending:  # one writer at a time; `want` sends from its task
                    await ws.send_str(text)  # KIS closes sessions that do not echo it
                return None
            return await self._on_reply(message)
        for event in message:
            await self._deliver(event)
        return None

    async def _on_reply(self, reply: ControlReply) -> _End | None:
        if reply.msg_cd == IN_USE:
            self.last_error = "the app key's session is in use elsewhere (OPSP8996)"
            return _End.IN_USE
        if not reply.ok and "invalid approval" in reply.msg1.lower():
            self.last_error = f"approval key refused ({reply.msg_cd or reply.msg1})"
            self._approvals.discard(self.credential)
            return _End.INVALID_APPROVAL
        reg = self._registration_of(reply)
        if reg is None:
            return None
        if reply.cipher is not None:
            self._reader.keys[reg.tr_id] = reply.cipher
        if reply.msg_cd in (UNSUBSCRIBED, NOT_SUBSCRIBED) or reply.msg1.upper().startswith("UNSUB"):
            del self._regs[reg]
            await self._sync()  # room freed
        elif reply.msg_cd in (SUBSCRIBED, ALREADY) or reply.ok:
            if self._regs[reg] is _Reg.SUBSCRIBING:
                self._regs[reg] = _Reg.ON
            self._confirmed_once = True
        else:
            del self._regs[reg]
            self._refused.add(reg)
            self.last_error = f"{reg.label} refused: {reply.msg1} [{reply.msg_cd}]"
            logger.warning("KIS WebSocket of %s: %s", self.credential.key_id, self.last_error)
        return None

    def _registration_of(self, reply: ControlReply) -> Registration | None:
        reg = Registration(reply.tr_id, reply.tr_key)
        if reg in self._regs:
            return reg
        # A notice reply may not echo the HTS ID: its TR alone names it.
        same_tr = [known for known in self._regs if known.tr_id == reply.tr_id and known.is_notice]
        return same_tr[0] if len(same_tr) == 1 else None

    async def _sync(self) -> None:
        async with self._sending:
            ws = self._ws
            if ws is None or ws.closed:
                return
            wanted = set(self._wanted)
            try:
                for reg, state in list(self._regs.items()):
                    if reg not in wanted and state is not _Reg.UNSUBSCRIBING:
                        self._regs[reg] = _Reg.UNSUBSCRIBING
                        await ws.send_str(self._request(reg, subscribe=False))
                room = self._max - len(self._regs)
                for reg in self._wanted:
                    if room <= 0:
                        break
                    if reg in self._regs or reg in self._refused:
                        continue
                    self._regs[reg] = _Reg.SUBSCRIBING  # before the send: its reply may be next
                    room -= 1
                    await ws.send_str(self._request(reg, subscribe=True))
            except (aiohttp.ClientError, OSError) as exc:
                # The listener sees the connection end and reconnects.
                kind = type(exc).__name__
                logger.info("KIS WebSocket of %s: send failed (%s)", self.credential.key_id, kind)

    def _request(self, reg: Registration, *, subscribe: bool) -> str:
        return json.dumps(
            {
                "header": {
                    "approval_key": self._approval,
                    "custtype": "P",
                    "tr_type": "1" if subscribe else "2",
                    "content-type": "utf-8",
                },
                "body": {"input": {"tr_id": reg.tr_id, "tr_key": reg.tr_key}},
            }
        )

    async def _deliver(self, event: RealtimeEvent) -> None:
        try:
            await self._sink(self.credential, event)
        except Exception:
            logger.exception("the realtime sink failed on an event for %s", self.credential.key_id)
