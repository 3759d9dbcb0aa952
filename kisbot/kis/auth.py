"""Access tokens: issued rarely, shared widely, replaced once when KIS refuses one.

KIS allows about one issuance a minute per app key and sends the account holder a KakaoTalk
message for each, so a token is reused (from memory, then from the TokenStore) until a margin
before `access_token_token_expired`. Issuing is single-flight in the process (one task per app
key, `SingleFlight`) and across processes (the store's issuance lock, under which the store is
read again, through what the lock yields). A caller that would break the one-a-minute rule waits
on the Clock instead of failing, before it takes the store's lock where the stored token's
issuance time already says how long, so no database connection is held while it waits. Those
waits are announced to the caller's listener (kisbot.kis.waits), and to the tasks queued
behind the issuer.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from kisbot.clock import KST, Clock
from kisbot.kis.credentials import Credential, Environment
from kisbot.kis.errors import (
    KisAuthError,
    KisError,
    KisRateLimited,
    KisRefusal,
    KisUnavailable,
)
from kisbot.kis.http import Hosts, KisAnswer, KisHttp, KisRequest, TransportFailure
from kisbot.kis.parsing import text
from kisbot.kis.single_flight import SingleFlight
from kisbot.kis.tokens import AccessToken, TokenStore

logger = logging.getLogger(__name__)

TOKEN_PATH = "/oauth2/tokenP"
REVOKE_PATH = "/oauth2/revokeP"
ISSUANCE_TOO_SOON = "EGW00133"
TOKEN_REFUSED = frozenset({"EGW00121", "EGW00123"})  # invalid / expired: replace and resend

_Key = tuple[str, Environment]


class TokenManager:
    """Gives each credential a valid access token, issuing as seldom as KIS requires."""

    def __init__(
        self,
        http: KisHttp,
        hosts: Hosts,
        store: TokenStore,
        clock: Clock,
        *,
        margin: timedelta = timedelta(minutes=10),
        issue_interval: timedelta = timedelta(minutes=1),
        max_issue_attempts: int = 3,
    ) -> None:
        self._http = http
        self._hosts = hosts
        self._store = store
        self._clock = clock
        self._margin = margin
        self._interval = issue_interval
        self._max_attempts = max_issue_attempts
        self._cache: dict[_Key, AccessToken] = {}
        self._flights = SingleFlight(clock)
        self._last_issued: dict[_Key, datetime] = {}

    async def token(self, credential: Credential) -> AccessToken:
        """A token valid for at least the margin, reused when possible."""
        cached = self._cache.get(_key(credential))
        if cached is not None and self._usable(cached):
            return cached
        return await self._obtain(credential, refused=None)

    async def replace(self, credential: Credential, refused: AccessToken) -> AccessToken:
        """A token other than the one KIS just refused (EGW00121/EGW00123)."""
        return await self._obtain(credential, refused=refused.value)

    async def revoke(self, credential: Credential) -> bool:
        """Revoke the credential's known token (revokeP); False when there was none."""
        key = _key(credential)
        token = self._cache.pop(key, None) or await self._store.load(*key)
        if token is None:
            return False
        request = KisRequest(
            "POST",
            self._hosts.url(credential.environment),
            REVOKE_PATH,
            headers={"content-type": "application/json; charset=utf-8"},
            body={
                "appkey": credential.app_key,
                "appsecret": credential.app_secret,
                "token": token.value,
            },
        )
        answer = await self._send(request)
        if 200 <= answer.status < 300 or answer.code in TOKEN_REFUSED:
            # Gone at KIS: no process should load it again and pay an EGW00121 to learn that.
            await self._store.discard(*key, token)
            logger.info("revoked the access token of %s", credential.key_id)
            return True
        raise auth_error(answer, request)

    def _usable(self, token: AccessToken | None, refused: str | None = None) -> bool:
        if token is None or token.value == refused:
            return False
        return as_aware(token.expires_at) - self._margin > self._clock.now()

    async def _obtain(self, credential: Credential, refused: str | None) -> AccessToken:
        key = _key(credential)
        async with self._flights.hold(key):
            cached = self._cache.get(key)
            if self._usable(cached, refused):
                assert cached is not None
                return cached
            stored = await self._store.load(*key)
            if stored is not None and self._usable(stored, refused):
                self._cache[key] = stored
                return stored
            return await self._issue(credential, stored, refused)

    async def _issue(
        self, credential: Credential, stored: AccessToken | None, refused: str | None
    ) -> AccessToken:
        key = _key(credential)
        request = _token_request(self._hosts.url(credential.environment), credential)
        for _ in range(self._max_attempts):
            # Outside the store's lock: on a database it holds a connection.
            await self._wait_for_window(key, stored)
            async with self._store.issuance_lock(*key) as tokens:
                # Another process may have issued while we waited.
                stored = await tokens.load(*key)
                if stored is not None and self._usable(stored, refused):
                    self._cache[key] = stored
                    return stored
                # Waits only if, meanwhile, another process issued a token we cannot use.
                await self._wait_for_window(key, stored)
                answer = await self._send_counted(key, request)
                if answer.body is not None and text(answer.body, "access_token"):
                    token = self._parse_token(answer)
                    await tokens.save(*key, token)
                    self._cache[key] = token
                    logger.info("issued an access token for %s", credential.key_id)
                    return token
            if answer.code != ISSUANCE_TOO_SOON:
                raise auth_error(answer, request)
            logger.info("KIS asks to wait before issuing a token for %s", credential.key_id)
        raise KisRateLimited(
            ISSUANCE_TOO_SOON,
            "접근토큰 발급이 계속 거절되었습니다. 잠시 후 다시 시도하세요.",
            method=request.method,
            path=request.path,
        )

    async def _send_counted(self, key: _Key, request: KisRequest) -> KisAnswer:
        # Every tokenP that may have reached KIS counts against its one-a-minute rule.
        previous = self._last_issued.get(key)
        self._last_issued[key] = self._clock.now()
        try:
            return await self._http.send(request)
        except TransportFailure as failure:
            if not failure.sent:
                if previous is None:
                    del self._last_issued[key]
                else:
                    self._last_issued[key] = previous
            raise _unreachable(request, failure) from None

    async def _wait_for_window(self, key: _Key, stored: AccessToken | None) -> None:
        moments = [self._last_issued.get(key), as_aware(stored.issued_at) if stored else None]
        known = [moment for moment in moments if moment is not None]
        if not known:
            return
        wait = (max(known) + self._interval - self._clock.now()).total_seconds()
        if wait > 0:
            logger.info("waiting %.0f s before the next token issuance (1 per minute)", wait)
            await self._flights.sleep(key, wait)

    async def _send(self, request: KisRequest) -> KisAnswer:
        try:
            return await self._http.send(request)
        except TransportFailure as failure:
            raise _unreachable(request, failure) from None

    def _parse_token(self, answer: KisAnswer) -> AccessToken:
        body = answer.body or {}
        now = self._clock.now()
        expires_at = _kst_timestamp(text(body, "access_token_token_expired"))
        if expires_at is None:
            seconds = text(body, "expires_in")
            lifetime = int(seconds) if seconds.isdigit() else 86_400
            expires_at = now + timedelta(seconds=lifetime)
        return AccessToken(value=text(body, "access_token"), expires_at=expires_at, issued_at=now)


def _key(credential: Credential) -> _Key:
    return (credential.app_key, credential.environment)


def _token_request(base_url: str, credential: Credential) -> KisRequest:
    return KisRequest(
        "POST",
        base_url,
        TOKEN_PATH,
        headers={"content-type": "application/json; charset=utf-8"},
        body={
            "grant_type": "client_credentials",
            "appkey": credential.app_key,
            "appsecret": credential.app_secret,
        },
    )


def _unreachable(request: KisRequest, failure: TransportFailure) -> KisUnavailable:
    return KisUnavailable(
        f"KIS did not answer ({failure.kind})", method=request.method, path=request.path
    )


def as_aware(moment: datetime) -> datetime:
    # A store that loses the offset (SQLite does) keeps UTC; read a naive time as UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _kst_timestamp(raw: str) -> datetime | None:
    try:
        return datetime.strptime(raw, "%Y-%m-%d %H:%M:%S").replace(tzinfo=KST)
    except ValueError:
        return None


def auth_error(answer: KisAnswer, request: KisRequest) -> KisError:
    """The error of a refused /oauth2 call (tokenP, revokeP, Approval): KIS's own shape."""
    where = {"method": request.method, "path": request.path}
    if not answer.has_kis_body:
        if answer.status >= 500 or answer.body is None:
            return KisUnavailable(f"KIS answered HTTP {answer.status}", **where)
        message = text(answer.body, "message") or f"HTTP {answer.status}"
        return KisRefusal("", message, http_status=answer.status, **where)
    return KisAuthError(answer.code, answer.message, http_status=answer.status, **where)
