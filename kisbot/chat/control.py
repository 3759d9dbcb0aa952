"""A JSON control API under `/_control/`, to drive a local Bot API running in another process.

POST /_control/users        {"first_name": "민수", "user_id": 7}         -> the user
POST /_control/messages     {"user_id": 7, "text": "/start", "chat_id"?} -> the message
POST /_control/presses      {"user_id": 7, "chat_id": 7, "message_id": 2, "callback_data": "x"}
GET  /_control/transcript?chat_id=7                                      -> the bot's messages
GET  /_control/calls?method=sendMessage                                  -> recorded calls
POST /_control/faults       {"method": "sendMessage", "kind": "retry_after"|"server_error"|
                             "drop", "retry_after": 3, "times": 1}
POST /_control/blocks       {"user_id": 7, "blocked": true}
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from kisbot.chat.models import Message, User
from kisbot.chat.wire import Fault, Upload

if TYPE_CHECKING:
    from kisbot.chat.botapi import LocalBotApi


def add_control_routes(api: LocalBotApi) -> None:
    """Serve the control API on the local Bot API's own port."""
    routes = _ControlRoutes(api)
    router = api.app.router
    router.add_post("/_control/users", routes.add_user)
    router.add_post("/_control/messages", routes.send_text)
    router.add_post("/_control/presses", routes.press_button)
    router.add_get("/_control/transcript", routes.transcript)
    router.add_get("/_control/calls", routes.calls)
    router.add_post("/_control/faults", routes.fail_next)
    router.add_post("/_control/blocks", routes.block)


def message_json(message: Message) -> dict[str, Any]:
    """A message as a driver reads it: what is shown, buttons, photo size, edits, deleted."""
    return {
        **message.to_api(),
        "buttons": [[b.text for b in row] for row in message.buttons],
        "photo_bytes": len(message.photo.data) if message.photo else None,
        "edits": message.edits,
        "deleted": message.deleted,
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, Upload):
        return {"filename": value.filename, "size": len(value.data)}
    return value


class _ControlRoutes:
    def __init__(self, api: LocalBotApi) -> None:
        self.api = api

    def _user(self, body: dict[str, Any]) -> User:
        user = self.api.user(int(body["user_id"]))
        if user is None:
            raise web.HTTPNotFound(text="no such user")
        return user

    async def add_user(self, request: web.Request) -> web.Response:
        body = await request.json()
        user = self.api.add_user(
            body.get("first_name", "Tester"),
            user_id=body.get("user_id"),
            username=body.get("username"),
        )
        return web.json_response(user.to_api())

    async def send_text(self, request: web.Request) -> web.Response:
        body = await request.json()
        chat = self.api.chat(int(body["chat_id"])) if body.get("chat_id") else None
        message = self.api.send_text(self._user(body), body["text"], chat=chat)
        return web.json_response(message_json(message))

    async def press_button(self, request: web.Request) -> web.Response:
        body = await request.json()
        message = self.api.find_message(int(body["chat_id"]), int(body["message_id"]))
        if message is None:
            raise web.HTTPNotFound(text="no such message")
        try:
            query = self.api.press_button(self._user(body), message, body["callback_data"])
        except ValueError as exc:
            raise web.HTTPBadRequest(text=str(exc)) from None
        return web.json_response({"id": query.id})

    async def transcript(self, request: web.Request) -> web.Response:
        chat = self.api.chat(int(request.query["chat_id"]))
        if chat is None:
            raise web.HTTPNotFound(text="no such chat")
        return web.json_response([message_json(m) for m in self.api.transcript(chat)])

    async def calls(self, request: web.Request) -> web.Response:
        method = request.query.get("method")
        calls = [c for c in self.api.calls if method is None or c.method == method]
        return web.json_response(
            [
                {
                    "method": c.method,
                    "params": {k: _jsonable(v) for k, v in c.params.items()},
                    "status": c.status,
                }
                for c in calls
            ]
        )

    async def fail_next(self, request: web.Request) -> web.Response:
        body = await request.json()
        kind = body.get("kind", "server_error")
        if kind == "retry_after":
            fault = Fault.too_many_requests(int(body.get("retry_after", 1)))
        elif kind == "drop":
            fault = Fault.dropped_connection()
        else:
            fault = Fault.server_error()
        self.api.fail_next(body["method"], fault, times=int(body.get("times", 1)))
        return web.json_response({"ok": True})

    async def block(self, request: web.Request) -> web.Response:
        body = await request.json()
        user = self._user(body)
        (self.api.block if body.get("blocked", True) else self.api.unblock)(user)
        return web.json_response({"ok": True})
