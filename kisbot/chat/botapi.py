"""A local Telegram Bot API server: the real bot talks to it over loopback HTTP.

    async with LocalBotApi(token="123:abc") as api:
        # KISBOT_TELEGRAM_API_URL=api.root_url; PTB base_url=api.base_url
        user = api.add_user("민수")
        api.send_text(user, "/start")
        replies = await api.wait_for_messages(api.private_chat(user), 1)

It serves `{root}/bot{TOKEN}/{method}` and `{root}/file/bot{TOKEN}/{path}`. A wrong token is
answered 401 and an unknown method 400, as PTB needs to tell them apart. The driver API
(`ChatWorld`) is on the same object. `python -m kisbot.chat.botapi --port N --token T` serves
the same in a process of its own, with a small JSON control API (see `kisbot.chat.control`).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Sequence
from types import TracebackType
from typing import Any

from aiohttp import web

from kisbot.chat.methods import call_method
from kisbot.chat.models import ApiCall
from kisbot.chat.wire import ApiError, error_body, ok_body, read_params
from kisbot.chat.world import ChatWorld
from kisbot.clock import Clock

logger = logging.getLogger(__name__)


class LocalBotApi(ChatWorld):
    """The local Bot API server and, inherited, the driver API on its state."""

    def __init__(
        self,
        token: str,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_username: str = "kisbot_local_bot",
        bot_name: str = "kisbot",
        clock: Clock | None = None,
    ) -> None:
        super().__init__(token, bot_username=bot_username, bot_name=bot_name, clock=clock)
        self._host = host
        self._port = port
        self._runner: web.AppRunner | None = None
        self.app = web.Application()
        self.app.router.add_route("*", "/bot{token}/{method}", self._serve_method)
        self.app.router.add_get("/file/bot{token}/{path:.+}", self._serve_file)

    @property
    def root_url(self) -> str:
        """The Bot API root, for KISBOT_TELEGRAM_API_URL."""
        if self._runner is None or not self._runner.addresses:
            raise RuntimeError("the local Bot API is not started")
        host, port = self._runner.addresses[0][:2]
        return f"http://{host}:{port}"

    @property
    def base_url(self) -> str:
        """PTB's `base_url` (the token is appended by PTB)."""
        return f"{self.root_url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.root_url}/file/bot"

    def bot_env(self) -> dict[str, str]:
        """The environment that points a `kisbot run` process at this local Bot API."""
        return {"KISBOT_TELEGRAM_TOKEN": self._token, "KISBOT_TELEGRAM_API_URL": self.root_url}

    async def start(self) -> None:
        """Listen; after close(), listen again on the same port with the same state (a Bot API
        that went away and came back)."""
        # No access log: every request path carries the bot token. The shutdown timeout is only
        # a safety net; close() answers waiting long polls at once.
        self.closing = False
        self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=10.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, self._host, self._port).start()
        self._port = self._runner.addresses[0][1]
        logger.info("local Bot API listening on %s", self.root_url)

    async def close(self) -> None:
        """Stop serving; waiting long polls are answered at once instead of timing out."""
        self.close_world()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> LocalBotApi:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def _serve_method(self, request: web.Request) -> web.StreamResponse:
        if not self.token_matches(request.match_info["token"]):
            return web.json_response(error_body(ApiError(401, "Unauthorized")), status=401)
        method = request.match_info["method"]
        fault = self.take_fault(method)
        if fault is not None and fault.drop_connection:
            self.record(ApiCall(method, {}, 0, fault.description))
            if request.transport is not None:
                request.transport.close()
            return web.Response()
        params: dict[str, Any] = {}
        try:
            params = await read_params(request)
            if fault is not None:
                raise fault.error()
            result = await call_method(self, method, params)
        except ApiError as error:
            self.record(ApiCall(method, params, error.status, error.description))
            return web.json_response(error_body(error), status=error.status)
        except Exception:
            # Logged here with the method name only: aiohttp's own report would not say which.
            logger.exception("the local Bot API failed to serve %s", method)
            error = ApiError(500, "Internal Server Error")
            self.record(ApiCall(method, params, error.status, error.description))
            return web.json_response(error_body(error), status=error.status)
        self.record(ApiCall(method, params, 200))
        delay = self.answer_delay(method)
        if delay > 0:
            await asyncio.sleep(delay)
        return web.json_response(ok_body(result))

    async def _serve_file(self, request: web.Request) -> web.StreamResponse:
        if not self.token_matches(request.match_info["token"]):
            return web.json_response(error_body(ApiError(401, "Unauthorized")), status=401)
        for stored in self.files.values():
            if stored.file_path == request.match_info["path"]:
                return web.Response(body=stored.data, content_type="application/octet-stream")
        return web.json_response(error_body(ApiError(404, "Not Found")), status=404)


async def serve(token: str, host: str, port: int) -> None:
    """Serve until SIGTERM or SIGINT, announcing the root URL on stdout for a parent process."""
    from kisbot.chat.control import add_control_routes

    api = LocalBotApi(token, host=host, port=port)
    add_control_routes(api)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with api:
        print(api.root_url, flush=True)
        await stop.wait()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m kisbot.chat.botapi", description="Serve a local Telegram Bot API."
    )
    parser.add_argument("--token", required=True, help="the bot token the bot will use")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (printed)")
    args = parser.parse_args(argv)
    asyncio.run(serve(args.token, args.host, args.port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
