"""WebSocket approval keys (`POST /oauth2/Approval`): issued rarely, kept for a day.

A key is valid for 24 hours but KIS checks it only when a session subscribes, so one is reused
(from memory, then from the `ApprovalStore`) until a margin before 24 h after issuance. KIS
allows one issuance a second per app key: issuing is single-flight per key and keeps that
interval. A key KIS calls invalid is `discard`ed, so the next `key()` issues a fresh one even if
the store still holds it. The body field is `secretkey`, not `appsecret` (kis-api.md §2.3).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from kisbot.clock import Clock
from kisbot.kis.auth import as_aware, auth_error
from kisbot.kis.credentials import Credential, Environment
from kisbot.kis.errors import KisUnavailable
from kisbot.kis.http import Hosts, KisHttp, KisRequest, TransportFailure
from kisbot.kis.parsing import text
from kisbot.kis.single_flight import SingleFlight

logger = logging.getLogger(__name__)

APPROVAL_PATH = "/oauth2/Approval"
LIFETIME = timedelta(hours=24)

_Key = tuple[str, Environment]


@dataclass(frozen=True, slots=True)
class ApprovalKey:
    """A WebSocket approval key and its validity; the value never shows."""

    value: str = field(repr=False)
    issued_at: datetime
    expires_at: datetime

    def __repr__(self) -> str:
        return f"ApprovalKey(expires_at={self.expires_at.isoformat()})"


class ApprovalStore(Protocol):
    """Where approval keys are kept between restarts (the database one lives in kisbot.store)."""

    async def load(self, app_key: str, environment: Environment) -> ApprovalKey | None:
        """The stored approval key for this app key, or None."""
        ...

    async def save(self, app_key: str, environment: Environment, key: ApprovalKey) -> None:
        """Keep this key, replacing any earlier one for the app key."""
        ...


class MemoryApprovalStore:
    """Approval keys in a dict: enough for one process and for tests."""

    def __init__(self) -> None:
        self._keys: dict[_Key, ApprovalKey] = {}

    async def load(self, app_key: str, environment: Environment) -> ApprovalKey | None:
        return self._keys.get((app_key, environment))

    async def save(self, app_key: str, environment: Environment, key: ApprovalKey) -> None:
        self._keys[(app_key, environment)] = key


class ApprovalKeys:
    """Gives each credential a usable approval key, issuing as seldom as possible."""

    def __init__(
        self,
        http: KisHttp,
        hosts: Hosts,
        store: ApprovalStore,
        clock: Clock,
        *,
        margin: timedelta = timedelta(minutes=10),
        issue_interval: timedelta = timedelta(seconds=1),
    ) -> None:
        self._http = http
        self._hosts = hosts
        self._store = store
        self._clock = clock
        self._margin = margin
        self._interval = issue_interval
        self._cache: dict[_Key, ApprovalKey] = {}
        self._refused: dict[_Key, str] = {}
        self._last_issued: dict[_Key, float] = {}
        self._flights = SingleFlight(clock)

    async def key(self, credential: Credential) -> ApprovalKey:
        """An approval key valid for at least the margin, reused when possible."""
        key = _key(credential)
        cached = self._cache.get(key)
        if self._usable(key, cached):
            assert cached is not None
            return cached
        async with self._flights.hold(key):
            cached = self._cache.get(key)
            if self._usable(key, cached):
                assert cached is not None
                return cached
            stored = await self._store.load(*key)
            if self._usable(key, stored):
                assert stored is not None
                self._cache[key] = stored
                return stored
            return await self._issue(credential)

    def discard(self, credential: Credential) -> None:
        """Forget the current key (KIS called it invalid); the next `key()` issues another."""
        key = _key(credential)
        cached = self._cache.pop(key, None)
        if cached is not None:
            self._refused[key] = cached.value

    def _usable(self, key: _Key, approval: ApprovalKey | None) -> bool:
        if approval is None or approval.value == self._refused.get(key):
            return False
        expires = min(as_aware(approval.expires_at), as_aware(approval.issued_at) + LIFETIME)
        return expires - self._margin > self._clock.now()

    async def _issue(self, credential: Credential) -> ApprovalKey:
        key = _key(credential)
        last = self._last_issued.get(key)
        if last is not None:
            wait = last + self._interval.total_seconds() - self._clock.monotonic()
            if wait > 0:
                await self._clock.sleep(wait)
        request = _approval_request(self._hosts.url(credential.environment), credential)
        self._last_issued[key] = self._clock.monotonic()
        try:
            answer = await self._http.send(request)
        except TransportFailure as failure:
            raise KisUnavailable(
                f"KIS did not answer ({failure.kind})", method="POST", path=APPROVAL_PATH
            ) from None
        value = text(answer.body or {}, "approval_key")
        if not value:
            raise auth_error(answer, request)
        now = self._clock.now()
        approval = ApprovalKey(value=value, issued_at=now, expires_at=now + LIFETIME)
        await self._store.save(*key, approval)
        self._cache[key] = approval
        self._refused.pop(key, None)
        logger.info("issued a WebSocket approval key for %s", credential.key_id)
        return approval


def _key(credential: Credential) -> _Key:
    return (credential.app_key, credential.environment)


def _approval_request(base_url: str, credential: Credential) -> KisRequest:
    return KisRequest(
        "POST",
        base_url,
        APPROVAL_PATH,
        headers={"content-type": "application/json; charset=utf-8"},
        body={
            "grant_type": "client_credentials",
            "appkey": credential.app_key,
            "secretkey": credential.app_secret,
        },
    )
