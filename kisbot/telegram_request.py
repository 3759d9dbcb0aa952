"""The Bot API transport: python-telegram-bot's `BaseRequest` on one aiohttp session.

PTB's default request (httpx) costs about 1 CPU ms per call on our machine; an aiohttp client
about a quarter of that, and every update costs two calls (its getUpdates share and the reply).
The bodies are encoded as PTB's own request encodes them: the parameters urlencoded, or, with
files, as multipart/form-data (fields first, then the files). Timeouts become
`telegram.error.TimedOut`, other transport failures `telegram.error.NetworkError`.

PTB's four timeouts become aiohttp's as `kisbot.aiohttp_timeouts` explains (their sum bounds an
upload). aiohttp logs no URLs (they hold the bot token), and error texts are scrubbed of the
token path before they are raised.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput, UploadFileDict
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from kisbot.aiohttp_timeouts import ClientTimeouts

logger = logging.getLogger(__name__)

_FORM = {"Content-Type": "application/x-www-form-urlencoded"}
_TOKEN_PATH = re.compile(r"/bot[^/\s'\"]*")
Timeouts = tuple[float | None, float | None, float | None, float | None]


class AiohttpRequest(BaseRequest):
    """A `BaseRequest` that owns one `aiohttp.ClientSession` (from `initialize` to `shutdown`).

    Use one instance for getUpdates (PTB adds the poll timeout to its `read_timeout`) and another
    for everything else, as PTB does with its own requests.
    """

    __slots__ = ("_defaults", "_media_write_timeout", "_pool_size", "_session", "_timeouts")

    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._defaults: Timeouts = (read_timeout, write_timeout, connect_timeout, pool_timeout)
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        self._timeouts = ClientTimeouts()

    @property
    def read_timeout(self) -> float | None:
        return self._defaults[0]

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is None or self._session.closed:
            logger.debug("this AiohttpRequest is already shut down")
            return
        await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None:
            await self.initialize()  # as PTB's own request, usable before initialize()
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else None
        default_read, default_write, default_connect, default_pool = self._defaults
        if isinstance(write_timeout, DefaultValue):
            write_timeout = default_write if not files else self._media_write_timeout
        timeout = self._timeouts.get(
            default_read if isinstance(read_timeout, DefaultValue) else read_timeout,
            write_timeout,
            default_connect if isinstance(connect_timeout, DefaultValue) else connect_timeout,
            default_pool if isinstance(pool_timeout, DefaultValue) else pool_timeout,
        )
        body, headers = _body(request_data, files)
        try:
            async with session.request(
                method, url, data=body, headers=headers, timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:  # aiohttp's timeouts are TimeoutErrors (and ClientErrors)
            raise TimedOut from error
        except (aiohttp.ClientResponseError, aiohttp.InvalidURL) as error:
            # These carry the URL (and so the token) in their text: do not chain them.
            raise NetworkError(f"aiohttp.{type(error).__name__}") from None
        except aiohttp.ClientError as error:
            text = _TOKEN_PATH.sub("/bot…", str(error))
            raise NetworkError(f"aiohttp.{type(error).__name__}: {text}") from error


class HeartbeatRequest(AiohttpRequest):
    """An `AiohttpRequest` for getUpdates that calls `on_answer` after each HTTP 200.

    An answered poll is the proof `kisbot health` looks for that polling works; a refusal
    (401, 409 when another process polls the same bot) is not.
    """

    __slots__ = ("_on_answer",)

    def __init__(self, on_answer: Callable[[], None], connection_pool_size: int = 1) -> None:
        super().__init__(connection_pool_size=connection_pool_size)
        self._on_answer = on_answer

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        status, body = await super().do_request(
            url, method, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout
        )
        if status == 200:
            self._on_answer()
        return status, body


def _body(
    request_data: RequestData | None, files: UploadFileDict | None
) -> tuple[bytes | aiohttp.FormData | None, dict[str, str] | None]:
    """The request body as PTB's request sends it: form-urlencoded, or multipart with files."""
    if request_data is None:
        return None, None
    if not files:
        return request_data.url_encoded_parameters().encode("ascii"), _FORM
    form = aiohttp.FormData()
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mime_type) in files.items():
        form.add_field(name, content, filename=filename, content_type=mime_type)
    return form, None
