"""What each app key's KIS WebSocket subscribes to, and where what arrives goes.

KIS allows one session per app key and 40 registrations in it (kisbot.kis.realtime holds the
sessions). This service decides, for every key, what is worth them:

- fill notices (one registration, keyed by the HTS ID) for every stored key that has an HTS ID;
- ticks for the codes whose alerts are nearest to firing, among the alerts of the users whose
  active key it is, in the registrations left, on the price feed alerts read now (H0STCNT0 for
  KRX, H0UNCNT0 combined, H0NXCNT0 for NXT; none when no price moves for that account).

It recomputes that plan when keys or alerts change (`nudge`) and every alert round, and routes
events: a Tick to the alert engine (which fires through the same conditional UPDATE as a round,
and leaves live codes out of its rounds), a Notice to the user(s) whose account it names.
With KISBOT_REALTIME=false there is no hub: nothing is subscribed, `covers` is always False and
fills are found by polling (kisbot.notices).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from kisbot.accounts import Accounts
from kisbot.alerts.engine import AlertEngine
from kisbot.kis import Credential, Environment, PriceFeed
from kisbot.kis.realtime import Notice, RealtimeEvent, Tick
from kisbot.notices import Notices
from kisbot.owners import EveryKey, KeyOwners

logger = logging.getLogger(__name__)

KeyId = tuple[str, Environment]  # (app key, environment); never logged
Sink = Callable[[Credential, RealtimeEvent], Awaitable[None]]
MAX_REGISTRATIONS = 40  # per session: KIS's 41 less one to spare (kis-api.md §6)


class Hub(Protocol):
    """The part of kisbot.kis.realtime.Realtime this service uses."""

    async def want(
        self,
        credential: Credential,
        *,
        hts_id: str | None,
        codes: Sequence[str],
        feed: PriceFeed = PriceFeed.KRX,
    ) -> None: ...

    def ticking(self, credential: Credential) -> frozenset[str]: ...

    def notices_connection(self, credential: Credential) -> int | None: ...

    async def aclose(self) -> None: ...


@dataclass(slots=True)
class _Want:
    credential: Credential
    hts_id: str | None = None
    codes: list[str] = field(default_factory=list)
    feed: PriceFeed = PriceFeed.KRX
    owners: list[tuple[int, Credential]] = field(default_factory=list)  # notice owners


class Subscriptions:
    """The plan of every key's WebSocket registrations, and the router of their events."""

    def __init__(
        self,
        hub_factory: Callable[[Sink], Hub] | None,
        accounts: Accounts,
        engine: AlertEngine,
        notices: Notices,
        *,
        max_registrations: int = MAX_REGISTRATIONS,
        owners: KeyOwners | None = None,
    ) -> None:
        self._hub = hub_factory(self.on_event) if hub_factory is not None else None
        self._accounts = accounts
        self._engine = engine
        self._notices = notices
        self._max = max_registrations
        self._owners: KeyOwners = owners or EveryKey()
        self._wants: dict[KeyId, _Want] = {}
        self._lock = asyncio.Lock()
        self._nudged = True  # the first look plans
        self._reload = True
        self._tasks: set[asyncio.Task[None]] = set()
        if self._hub is not None:
            engine.follow_live_codes(self.live_codes)

    @property
    def enabled(self) -> bool:
        return self._hub is not None

    def nudge(self, *, reload: bool = True) -> None:
        """Something changed (a key, an alert): plan again at the next look. `reload=False`
        when the alert engine's alerts are fresh already (a round just loaded them)."""
        self._nudged = True
        self._reload = self._reload or reload

    async def refresh_if_nudged(self) -> bool:
        """Plan again if nudged since the last plan; whether it did."""
        if not self._nudged:
            return False
        await self.refresh()
        return True

    async def refresh(self) -> None:
        """Compute every key's registrations and hand them to the hub."""
        if self._hub is None:
            return
        async with self._lock:
            reload, self._nudged, self._reload = self._reload, False, False
            if reload:
                await self._engine.reload()
            wants = await self._plan()
            for want in wants.values():
                await self._hub.want(
                    want.credential, hts_id=want.hts_id, codes=want.codes, feed=want.feed
                )
            for key, old in self._wants.items():
                if key not in wants:  # nothing wanted of this key any more: close its session
                    await self._hub.want(old.credential, hts_id=None, codes=[])
            self._wants = wants

    def covers(self, user_id: int, environment: Environment) -> bool:
        """Whether a live WebSocket carries this user's fill notices for that account."""
        return self.notices_connection(user_id, environment) is not None

    def notices_connection(self, user_id: int, environment: Environment) -> int | None:
        """The live WebSocket connection that carries this user's fill notices for that account
        (a number, new at each connection), or None."""
        if self._hub is None:
            return None
        for want in self._wants.values():
            for owner, credential in want.owners:
                if owner == user_id and credential.environment is environment:
                    return self._hub.notices_connection(want.credential)
        return None

    def live_codes(self) -> frozenset[str]:
        """Codes whose ticks arrive on a live session (alert rounds leave them out)."""
        if self._hub is None:
            return frozenset()
        hub = self._hub
        return frozenset().union(*(hub.ticking(want.credential) for want in self._wants.values()))

    async def on_event(self, credential: Credential, event: RealtimeEvent) -> None:
        """What a session received: a tick is checked at once; a notice is handled in a task
        of its own (it may read today's orders), so ticks behind it are not held up."""
        if isinstance(event, Tick):
            await self._engine.on_tick(event)
            return
        want = self._wants.get(_key(credential))
        if want is None:
            return
        for user_id, owned in want.owners:
            if event.is_for(owned.account.cano):
                self._spawn(self._notice(user_id, owned.environment, event))

    async def aclose(self) -> None:
        """Close every session and wait for notices being handled."""
        if self._hub is not None:
            await self._hub.aclose()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _notice(self, user_id: int, environment: Environment, notice: Notice) -> None:
        try:
            await self._notices.on_notice(user_id, environment, notice)
        except Exception as error:  # polling or the next notice covers it
            logger.warning("user=%s notice not handled: %s", user_id, type(error).__name__)

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _plan(self) -> dict[KeyId, _Want]:
        wants: dict[KeyId, _Want] = {}
        owned = self._owners.owned_keys()
        for user_id, credential in await self._accounts.notice_keys(keys=owned):
            want = wants.setdefault(_key(credential), _Want(credential))
            want.hts_id = want.hts_id or credential.hts_id
            want.owners.append((user_id, credential))
        users = await self._engine.watching_users()
        clients = await self._accounts.active_clients(users, keys=owned)
        by_key: dict[KeyId, set[int]] = {}
        for user_id, client in clients.items():
            key = _key(client.credential)
            by_key.setdefault(key, set()).add(user_id)
            wants.setdefault(key, _Want(client.credential))
        for key, codes in (await self._engine.nearest_codes_by(by_key)).items():
            want = wants[key]
            feed = self._engine.feed(want.credential.environment)
            if feed is None:
                continue  # no price moves for this account now: nothing to tick
            room = self._max - (1 if want.hts_id else 0)
            want.codes = codes[:room]
            want.feed = feed
        # Another process owns the rest: KIS allows one session per key.
        return {key: want for key, want in wants.items() if self._owners.owns(want.credential)}


def _key(credential: Credential) -> KeyId:
    return (credential.app_key, credential.environment)
