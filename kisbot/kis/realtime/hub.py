"""Realtime: the process's KIS WebSocket sessions, at most one per app key.

The owner says per credential what it wants (`want`: an HTS ID for fill notices, stock codes
for ticks in priority order) and reads back what KIS confirmed (`ticking`, `notices_on`). The
notice registration goes first; codes beyond the room left under the cap are cut (their alerts
keep polling). An empty want closes that key's session. Every event is awaited on the sink in
arrival order per session.

    realtime = kis.realtime(sink)
    await realtime.want(credential, hts_id="myhtsid", codes=["005930", "000660"])
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import aiohttp

from kisbot.backoff import backoff_delays
from kisbot.clock import Clock
from kisbot.kis.credentials import Credential, Environment
from kisbot.kis.models import PriceFeed
from kisbot.kis.realtime.approval import ApprovalKeys
from kisbot.kis.realtime.frames import TICK_TRS
from kisbot.kis.realtime.session import Connect, Delays, Registration, Session, Sink

logger = logging.getLogger(__name__)

MAX_REGISTRATIONS = 40  # KIS counts 41; the official samples keep 40
NOTICE_TR = {Environment.REAL: "H0STCNI0", Environment.MOCK: "H0STCNI9"}

# After a drop: 1 s growing to a minute. After OPSP8996: 2 minutes growing to half an hour, so
# another process that holds the key is left alone.
RECONNECT_DELAYS: Delays = functools.partial(backoff_delays, 1.0, 60.0)
IN_USE_DELAYS: Delays = functools.partial(backoff_delays, 120.0, 1800.0)

_Key = tuple[str, Environment]


@dataclass(frozen=True, slots=True)
class SessionStatus:
    """How one app key's session is doing; nothing secret."""

    key_id: str
    environment: Environment
    connected: bool
    registrations: int  # confirmed by KIS on the live connection
    state: str
    last_error: str | None
    skipped: int  # unreadable messages or records so far


class Realtime:
    """Holds a WebSocket session per app key that wants one, and routes its events to a sink."""

    def __init__(
        self,
        ws_urls: Mapping[Environment, str],
        approvals: ApprovalKeys,
        sink: Sink,
        clock: Clock,
        max_registrations: int = MAX_REGISTRATIONS,
        *,
        connect: Connect | None = None,
        backoff: Delays = RECONNECT_DELAYS,
        busy_backoff: Delays = IN_USE_DELAYS,
        connect_timeout: float = 10.0,
        close_timeout: float = 2.0,
    ) -> None:
        self._urls = {env: url.rstrip("/") + "/tryitout" for env, url in ws_urls.items()}
        self._approvals = approvals
        self._sink = sink
        self._clock = clock
        self._max = max_registrations
        self._connect = connect or self._aiohttp_connect
        self._backoff = backoff
        self._busy_backoff = busy_backoff
        self._connect_timeout = connect_timeout
        self._close_timeout = close_timeout
        self._sessions: dict[_Key, Session] = {}
        self._http: aiohttp.ClientSession | None = None

    async def want(
        self,
        credential: Credential,
        *,
        hts_id: str | None,
        codes: Sequence[str],
        feed: PriceFeed = PriceFeed.KRX,
    ) -> None:
        """Make these the key's registrations: notices for `hts_id` (if any), then the trades
        of `codes` on `feed` (KRX, NXT or combined; the last two real only)."""
        key = (credential.app_key, credential.environment)
        registrations = self._registrations(credential, hts_id, codes, feed)
        session = self._sessions.get(key)
        if not registrations:
            if session is not None:
                del self._sessions[key]
                await session.aclose()
            return
        if session is None:
            session = Session(
                credential,
                self._urls[credential.environment],
                self._approvals,
                self._sink,
                self._clock,
                self._connect,
                max_registrations=self._max,
                backoff=self._backoff,
                busy_backoff=self._busy_backoff,
            )
            self._sessions[key] = session
        session.credential = credential  # a replaced secret is used from the next connection
        await session.want(registrations)

    def ticking(self, credential: Credential) -> frozenset[str]:
        """The codes KIS confirmed for ticks on the key's live session."""
        session = self._sessions.get((credential.app_key, credential.environment))
        if session is None:
            return frozenset()
        ticks = frozenset(TICK_TRS.values())
        return frozenset(reg.tr_key for reg in session.confirmed if reg.tr_id in ticks)

    def notices_on(self, credential: Credential) -> bool:
        """Whether KIS confirmed fill notices on the key's live session."""
        return self.notices_connection(credential) is not None

    def notices_connection(self, credential: Credential) -> int | None:
        """The connection (Session.connection) whose fill notices KIS confirmed for the
        key, or None: notices from before it may have been lost."""
        session = self._sessions.get((credential.app_key, credential.environment))
        if session is None or not any(reg.is_notice for reg in session.confirmed):
            return None
        return session.connection

    def sessions(self) -> list[SessionStatus]:
        """One status record per app key that holds a session."""
        return [
            SessionStatus(
                key_id=session.credential.key_id,
                environment=session.credential.environment,
                connected=session.connected,
                registrations=len(session.confirmed),
                state=str(session.state),
                last_error=session.last_error,
                skipped=session.skipped,
            )
            for session in self._sessions.values()
        ]

    async def aclose(self) -> None:
        """Close every session and the connection pool."""
        sessions, self._sessions = list(self._sessions.values()), {}
        await asyncio.gather(*(session.aclose() for session in sessions))
        if self._http is not None:
            await self._http.close()
            self._http = None

    def _registrations(
        self, credential: Credential, hts_id: str | None, codes: Sequence[str], feed: PriceFeed
    ) -> list[Registration]:
        wanted: list[Registration] = []
        if hts_id:
            wanted.append(Registration(NOTICE_TR[credential.environment], hts_id.strip()))
        room = self._max - len(wanted)
        unique = list(dict.fromkeys(code.strip() for code in codes if code.strip()))
        if len(unique) > room:
            logger.debug("%s: %d codes beyond the cap", credential.key_id, len(unique) - room)
        wanted.extend(Registration(TICK_TRS[feed], code) for code in unique[: max(room, 0)])
        return wanted

    async def _aiohttp_connect(self, url: str) -> aiohttp.ClientWebSocketResponse:
        if self._http is None:
            self._http = aiohttp.ClientSession()
        async with asyncio.timeout(self._connect_timeout):
            # KIS wants no client pings: it sends PINGPONG and expects it echoed.
            return await self._http.ws_connect(
                url,
                autoping=False,
                heartbeat=None,
                timeout=aiohttp.ClientWSTimeout(ws_receive=None, ws_close=self._close_timeout),
            )
