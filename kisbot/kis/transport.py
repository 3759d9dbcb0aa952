"""The wire under the KIS client's httpx.AsyncClient: an httpx transport on one aiohttp session.

httpx stays the client (one AsyncClient per process, respx for tests, its URL and header
handling); only the connection pool underneath changes. httpx's own transport (httpcore on anyio)
costs 0.65 CPU ms per quote on our machine and over 1 ms with 50 calls in flight, where it walks
every pooled connection on each request; the same calls over aiohttp cost 0.42 and 0.33 ms
(bench/README.md). That CPU is what limits /price per second and the alert tick.

Failures are raised as the httpx exceptions httpx's transport would raise, split the way
KisHttp reads them: before anything was written (no connection could be made, or none freed up
in time) → ConnectError / ConnectTimeout; once the request may have left → ReadTimeout,
ReadError or RemoteProtocolError. aiohttp resends an idempotent request (GET) once when a reused
keep-alive connection turns out closed, and never a POST, which is what an order needs.
Certificates are checked against what httpx itself trusts (certifi, or SSL_CERT_FILE /
SSL_CERT_DIR), not the system store, so moving to this transport changed no trust decision.
No URL reaches an exception text: KIS URLs can carry the account number.
"""

from __future__ import annotations

import asyncio

import aiohttp
import httpx
import yarl

from kisbot.aiohttp_timeouts import ClientTimeouts

# As many connections as httpx's own default pool allows.
MAX_CONNECTIONS = 100


def new_http_client(timeout: float, **options: object) -> httpx.AsyncClient:
    """The httpx client the KIS layer uses by default: aiohttp underneath, `timeout` per phase."""
    return httpx.AsyncClient(timeout=timeout, transport=AiohttpTransport(), **options)  # type: ignore[arg-type]


class AiohttpTransport(httpx.AsyncBaseTransport):
    """Sends httpx requests over an aiohttp session opened on first use in the running loop."""

    def __init__(self, max_connections: int = MAX_CONNECTIONS) -> None:
        self._max_connections = max_connections
        self._tls = httpx.create_ssl_context()
        self._session: aiohttp.ClientSession | None = None
        self._timeouts = ClientTimeouts()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        session = self._open_session()
        body = await request.aread()
        headers = [
            (key.decode("latin-1"), value.decode("latin-1")) for key, value in request.headers.raw
        ]
        try:
            async with session.request(
                request.method,
                # httpx has already encoded the URL; yarl must not encode it a second time.
                yarl.URL(str(request.url), encoded=True),
                headers=headers,
                data=body or None,
                timeout=self._timeout_of(request),
                allow_redirects=False,
            ) as answer:
                content = await answer.read()
                reason = (answer.reason or "").encode("latin-1", "replace")
        except Exception as exc:
            raise _as_httpx_error(exc, request) from None
        return httpx.Response(
            answer.status,
            headers=answer.raw_headers,
            content=content,
            request=request,
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": reason},
        )

    def _timeout_of(self, request: httpx.Request) -> aiohttp.ClientTimeout:
        """httpx's per-request timeouts (in the request's extensions) as aiohttp's."""
        phases = request.extensions.get("timeout", {})
        return self._timeouts.get(
            phases.get("read"), phases.get("write"), phases.get("connect"), phases.get("pool")
        )

    async def aclose(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    def _open_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._max_connections, ssl=self._tls),
                # httpx decodes the body by its Content-Encoding and keeps the cookies.
                auto_decompress=False,
                cookie_jar=aiohttp.DummyCookieJar(),
            )
        return self._session


def _as_httpx_error(exc: Exception, request: httpx.Request) -> Exception:
    """The httpx exception for an aiohttp failure, named by type only (texts hold URLs)."""
    name = f"aiohttp.{type(exc).__name__}"
    error: type[httpx.TransportError]
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        error = httpx.ConnectTimeout  # no connection made or freed in time: nothing was sent
    elif isinstance(exc, aiohttp.ClientConnectorError):
        error = httpx.ConnectError  # refused, unresolved, TLS handshake: nothing was sent
    elif isinstance(exc, aiohttp.NonHttpUrlClientError | aiohttp.InvalidURL):
        error = httpx.UnsupportedProtocol
    elif isinstance(exc, asyncio.TimeoutError):
        error = httpx.ReadTimeout  # sock_read or the whole exchange: it may have arrived
    elif isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError):
        error = httpx.RemoteProtocolError
    elif isinstance(exc, aiohttp.ClientResponseError):
        error = httpx.RemoteProtocolError  # a malformed answer
    elif isinstance(exc, aiohttp.ClientError | OSError):
        error = httpx.ReadError
    else:
        return exc
    return error(name, request=request)
