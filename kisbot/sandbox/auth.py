"""Who may call the sandbox: app keys, access tokens and the per-app-key call rate.

App keys: every app key is valid except those starting with "BAD" (so tests can provoke
EGW00103). The first app secret seen with a key is bound to it (or the one given to
`AppKeys.register`), and a different secret later is EGW00105, as with a real KIS key pair.

Tokens follow kis-api.md §2.1: valid 24 h; a tokenP call within `interval` seconds of the
previous successful one for the same app key is refused with EGW00133; a call after that returns
the same token while it is less than 6 h old, a new one otherwise. `expire_all` makes every token
expired and forgets the issuance times, as if a day had passed.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from kisbot.clock import Clock
from kisbot.sandbox import messages
from kisbot.sandbox.messages import Message, TokenError

TOKEN_LIFETIME = timedelta(hours=24)
TOKEN_REUSE = timedelta(hours=6)
UNKNOWN_APPKEY_PREFIX = "BAD"


class AppKeys:
    """The rule for which app keys exist, and each key's secret once seen."""

    def __init__(self) -> None:
        self._secrets: dict[str, str] = {}

    def register(self, appkey: str, appsecret: str) -> None:
        self._secrets[appkey] = appsecret

    def check(self, appkey: str, appsecret: str) -> TokenError | None:
        """None when the pair is accepted, else the tokenP-shaped refusal."""
        if not appkey or appkey.upper().startswith(UNKNOWN_APPKEY_PREFIX):
            return messages.TOKEN_BAD_APPKEY
        if not appsecret or self._secrets.setdefault(appkey, appsecret) != appsecret:
            return messages.TOKEN_BAD_APPSECRET
        return None

    def reset(self) -> None:
        self._secrets.clear()


@dataclass(slots=True)
class Token:
    """An access token and what the sandbox knows about it (never logged)."""

    value: str
    appkey: str
    issued_at: datetime
    expires_at: datetime
    revoked: bool = False

    def __repr__(self) -> str:
        return f"Token(issued_at={self.issued_at.isoformat()}, revoked={self.revoked})"


class TokenBook:
    """Issues, verifies and revokes the access tokens of one host."""

    def __init__(self, clock: Clock, *, interval: float = 60.0) -> None:
        self._clock = clock
        self.interval = interval
        self._tokens: dict[str, Token] = {}
        self._latest: dict[str, Token] = {}
        self._last_issue: dict[str, float] = {}

    def issue(self, appkey: str) -> Token | TokenError:
        """The token tokenP answers with, or EGW00133 when called again too soon."""
        now_mono = self._clock.monotonic()
        last = self._last_issue.get(appkey)
        if self.interval > 0 and last is not None and now_mono - last < self.interval:
            return messages.TOKEN_TOO_SOON
        self._last_issue[appkey] = now_mono
        now = self._clock.now()
        latest = self._latest.get(appkey)
        reusable = latest and not latest.revoked and now < latest.expires_at
        if latest and reusable and now - latest.issued_at < TOKEN_REUSE:
            return latest
        token = Token(_new_token_value(now), appkey, now, now + TOKEN_LIFETIME)
        self._tokens[token.value] = token
        self._latest[appkey] = token
        return token

    def verify(self, value: str, appkey: str) -> Token | Message:
        """The token behind a bearer value, or EGW00121 (unknown) / EGW00123 (expired)."""
        token = self._tokens.get(value)
        if token is None or token.revoked or token.appkey != appkey:
            return messages.INVALID_TOKEN
        if self._clock.now() >= token.expires_at:
            return messages.EXPIRED_TOKEN
        return token

    def revoke(self, value: str, appkey: str) -> bool:
        """Revoke a live token of this app key; False when there is no such token."""
        token = self._tokens.get(value)
        if token is None or token.revoked or token.appkey != appkey:
            return False
        token.revoked = True
        return True

    def expire_all(self, appkey: str | None = None) -> int:
        """Expire every token (of one app key); the next tokenP issues a new one at once."""
        past = self._clock.now() - timedelta(seconds=1)
        count = 0
        for token in self._tokens.values():
            if appkey is None or token.appkey == appkey:
                token.expires_at = min(token.expires_at, past)
                count += 1
        for key in list(self._last_issue):
            if appkey is None or key == appkey:
                del self._last_issue[key]
        return count

    def reset(self) -> None:
        self._tokens.clear()
        self._latest.clear()
        self._last_issue.clear()


class RateLimiter:
    """At most `rate` calls per rolling second per app key; 0 lifts the limit."""

    def __init__(self, clock: Clock, rate: float) -> None:
        self._clock = clock
        self.rate = rate
        self._calls: dict[str, deque[float]] = {}

    def allow(self, appkey: str) -> bool:
        """Count a call; False when it is over the limit (refused calls are not counted)."""
        if self.rate <= 0:
            return True
        now = self._clock.monotonic()
        calls = self._calls.setdefault(appkey, deque())
        while calls and now - calls[0] >= 1.0:
            calls.popleft()
        if len(calls) >= self.rate:
            return False
        calls.append(now)
        return True

    def reset(self) -> None:
        self._calls.clear()


def _new_token_value(now: datetime) -> str:
    """A JWT-looking opaque string like KIS's (header.payload.signature), unique per issue."""
    header = _b64({"typ": "JWT", "alg": "HS512"})
    exp = int((now + TOKEN_LIFETIME).timestamp())
    payload = _b64(
        {"sub": "sandbox", "aud": secrets.token_hex(16), "iat": int(now.timestamp()), "exp": exp}
    )
    return f"{header}.{payload}.{secrets.token_urlsafe(64)}"


def _b64(data: dict[str, object]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")
