"""The Bot API methods the local server answers, by name, and the ones that send nothing."""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable
from typing import Any

from kisbot.chat import sending
from kisbot.chat.wire import ApiError, bad_request
from kisbot.chat.world import ChatWorld

Params = dict[str, Any]
Method = Callable[[ChatWorld, Params], Any | Awaitable[Any]]

_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
SUPERSEDED = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)


def get_me(world: ChatWorld, params: Params) -> dict[str, Any]:
    return {
        **world.bot.to_api(),
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
    }


def set_webhook(world: ChatWorld, params: Params) -> bool:
    url = params.get("url") or ""
    if url and not url.startswith("https://"):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    world.webhook_url = url
    if params.get("drop_pending_updates"):
        world.drop_pending_updates()
    return True


def delete_webhook(world: ChatWorld, params: Params) -> bool:
    world.webhook_url = ""
    if params.get("drop_pending_updates"):
        world.drop_pending_updates()
    return True


def get_webhook_info(world: ChatWorld, params: Params) -> dict[str, Any]:
    return {
        "url": world.webhook_url,
        "has_custom_certificate": False,
        "pending_update_count": len(world.pending_updates),
    }


async def get_updates(world: ChatWorld, params: Params) -> list[dict[str, Any]]:
    """Updates from `offset` on, held up to `timeout` seconds while there are none."""
    if world.webhook_url:
        raise ApiError(409, WEBHOOK_ACTIVE)
    limit = min(max(params.get("limit") or 100, 1), 100)
    timeout = max(params.get("timeout") or 0, 0)
    updates = world.take_updates(params.get("offset"), limit)
    if updates or timeout == 0:
        return updates
    world.polls += 1
    mine = world.polls
    world.waiting_polls += 1
    world.changed.fire()
    try:
        await world.changed.wait_until(
            lambda: bool(world.take_updates(None, limit)) or world.closing or world.polls != mine,
            timeout,
        )
    finally:
        world.waiting_polls -= 1
    if world.polls != mine:
        raise ApiError(409, SUPERSEDED)
    return world.take_updates(None, limit)


def _scope_key(params: Params) -> tuple[str, str]:
    scope = params.get("scope") or {}
    scope_type = scope.get("type", "default") if isinstance(scope, dict) else "default"
    return scope_type, params.get("language_code") or ""


def set_my_commands(world: ChatWorld, params: Params) -> bool:
    commands = params.get("commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("can't parse commands JSON object")
    for command in commands:
        if not isinstance(command, dict) or not _COMMAND.fullmatch(command.get("command", "")):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(command.get("description", "")) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    world.commands[_scope_key(params)] = commands
    return True


def get_my_commands(world: ChatWorld, params: Params) -> list[dict[str, Any]]:
    return world.commands.get(_scope_key(params), [])


def delete_my_commands(world: ChatWorld, params: Params) -> bool:
    world.commands.pop(_scope_key(params), None)
    return True


def get_file(world: ChatWorld, params: Params) -> dict[str, Any]:
    stored = world.files.get(params.get("file_id") or "")
    if stored is None:
        raise bad_request("invalid file_id")
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
        "file_path": stored.file_path,
    }


METHODS: dict[str, Method] = {
    "getme": get_me,
    "setwebhook": set_webhook,
    "deletewebhook": delete_webhook,
    "getwebhookinfo": get_webhook_info,
    "getupdates": get_updates,
    "setmycommands": set_my_commands,
    "getmycommands": get_my_commands,
    "deletemycommands": delete_my_commands,
    "getfile": get_file,
    "sendmessage": sending.send_message,
    "sendphoto": sending.send_photo,
    "senddocument": sending.send_document,
    "editmessagetext": sending.edit_message_text,
    "editmessagecaption": sending.edit_message_caption,
    "editmessagereplymarkup": sending.edit_message_reply_markup,
    "deletemessage": sending.delete_message,
    "answercallbackquery": sending.answer_callback_query,
    "sendchataction": sending.send_chat_action,
}


async def call_method(world: ChatWorld, method: str, params: Params) -> Any:
    """The result of a Bot API method (names are case-insensitive, as in Telegram)."""
    implementation = METHODS.get(method.lower())
    if implementation is None:
        raise bad_request("method not found")
    result = implementation(world, params)
    if inspect.isawaitable(result):
        result = await result
    return result
