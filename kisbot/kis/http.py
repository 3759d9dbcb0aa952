"""One HTTP exchange with KIS: send a request, read whatever comes back, on any status.

KIS answers refusals with HTTP 200, 403 and 500 alike, so the body is parsed whatever the status;
a body with `rt_cd`, `msg_cd` or `error_code` is a KIS answer, anything else is not. Transport
failures are reported with whether the request may have reached KIS, which decides between
"unavailable" and "outcome unknown" for orders. Nothing here logs headers, queries or bodies:
they carry the app secret, the token and the account number.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from kisbot.kis.credentials import Environment
from kisbot.kis.parsing import loads_lowercase, text

logger = logging.getLogger(__name__)

# Query keys and values made only of these characters are sent as they are by httpx's encoder.
_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]*")

# Failures that happen before a single byte of the request left this process.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


@dataclass(frozen=True, slots=True)
class Hosts:
    """The REST roots of the two KIS environments."""

    real: str
    mock: str

    def url(self, environment: Environment) -> str:
        return (self.mock if environment.is_mock else self.real).rstrip("/")


@dataclass(frozen=True, slots=True)
class KisRequest:
    """A request about to be sent; only method, path and tr_id are safe to show."""

    method: str
    base_url: str
    path: str
    tr_id: str = ""
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    params: Mapping[str, str] | None = field(default=None, repr=False)
    body: Mapping[str, Any] | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class KisAnswer:
    """What came back: the HTTP status, the `tr_cont` header and the body with lowercase keys."""

    status: int
    tr_cont: str
    body: dict[str, Any] | None

    @property
    def has_kis_body(self) -> bool:
        """True when KIS itself answered (a rt_cd, msg_cd or error_code is present)."""
        return self.body is not None and any(
            key in self.body for key in ("rt_cd", "msg_cd", "error_code")
        )

    @property
    def ok(self) -> bool:
        """True for a KIS success (`rt_cd` "0")."""
        return self.body is not None and text(self.body, "rt_cd") == "0"

    @property
    def code(self) -> str:
        """msg_cd, or error_code for the token endpoints' error shape."""
        body = self.body or {}
        return text(body, "msg_cd") or text(body, "error_code")

    @property
    def message(self) -> str:
        """msg1 (trimmed), or error_description for the token endpoints' error shape."""
        body = self.body or {}
        return text(body, "msg1") or text(body, "error_description")

    @property
    def more(self) -> bool:
        """KIS has another page (`tr_cont` F or M)."""
        return self.tr_cont in ("F", "M")


class TransportFailure(Exception):
    """No answer came back; `sent` says whether the request may have reached KIS."""

    def __init__(self, kind: str, *, sent: bool) -> None:
        super().__init__(kind)
        self.kind = kind
        self.sent = sent


class KisHttp:
    """Sends KisRequests over one shared httpx.AsyncClient with a fixed timeout."""

    def __init__(self, client: httpx.AsyncClient, timeout: float) -> None:
        self._client = client
        self._timeout = timeout

    async def send(self, request: KisRequest) -> KisAnswer:
        """Send once and return the answer; raise TransportFailure when there is none."""
        try:
            url, params = _url_and_params(request)
            response = await self._client.request(
                request.method,
                url,
                headers=dict(request.headers),
                params=params,
                json=dict(request.body) if request.body is not None else None,
                timeout=self._timeout,
            )
        except httpx.TransportError as exc:
            # The exception text can hold the URL, and the URL the account number: keep the type.
            kind = type(exc).__name__
            logger.debug(
                "KIS %s %s [%s] failed: %s", request.method, request.path, request.tr_id, kind
            )
            raise TransportFailure(kind, sent=not isinstance(exc, _NOT_SENT)) from None
        answer = KisAnswer(
            status=response.status_code,
            tr_cont=response.headers.get("tr_cont", "").strip().upper(),
            body=_json_object(response.content),
        )
        logger.debug(
            "KIS %s %s [%s] -> HTTP %s %s",
            request.method,
            request.path,
            request.tr_id,
            answer.status,
            answer.code or "-",
        )
        return answer


def _url_and_params(request: KisRequest) -> tuple[str, dict[str, str] | None]:
    """The URL with the query already in it when no character needs escaping.

    httpx would send the same bytes from a params dict, but building and re-parsing 60 numbered
    multi-quote parameters costs more CPU than the rest of the request; anything that needs
    percent-encoding (paging keys may) still goes through httpx's own encoder.
    """
    url = request.base_url + request.path
    params = request.params
    if params is None:
        return url, None
    if params and "?" not in url and "#" not in url and all(map(_plain, params.items())):
        return url + "?" + "&".join(f"{key}={value}" for key, value in params.items()), None
    return url, dict(params)


def _plain(item: tuple[object, object]) -> bool:
    key, value = item
    return (
        type(key) is str
        and type(value) is str
        and _UNRESERVED.fullmatch(key) is not None
        and _UNRESERVED.fullmatch(value) is not None
    )


def _json_object(content: bytes) -> dict[str, Any] | None:
    try:
        value = loads_lowercase(content)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
