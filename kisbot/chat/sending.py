"""The Bot API methods that send, edit, delete and answer, with Telegram's own refusals."""

from __future__ import annotations

from typing import Any

from kisbot.chat.entities import EntityParseError, parse_formatted, utf16_len
from kisbot.chat.models import CallbackAnswer, Chat, Message, StoredFile
from kisbot.chat.wire import ApiError, Upload, bad_request
from kisbot.chat.world import ChatWorld

Params = dict[str, Any]

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


def target_chat(world: ChatWorld, params: Params) -> Chat:
    """The chat a call addresses; 400 if unknown, 403 if that user blocked the bot."""
    raw = params.get("chat_id")
    if raw in (None, ""):
        raise bad_request("chat_id is empty")
    try:
        chat = world.chat(int(raw))
    except (TypeError, ValueError):
        chat = None
    if chat is None:
        raise bad_request("chat not found")
    if world.is_blocked(chat):
        raise ApiError(403, "Forbidden: bot was blocked by the user")
    return chat


def formatted(params: Params, field: str, limit: int) -> tuple[str, list[dict[str, Any]]]:
    """The shown text and entities of `field` ("text" or "caption"), checked against `limit`."""
    source = params.get(field) or ""
    try:
        plain, entities = parse_formatted(source, params.get("parse_mode"))
    except EntityParseError as exc:
        raise bad_request(str(exc)) from None
    explicit = params.get("entities" if field == "text" else "caption_entities")
    if isinstance(explicit, list):
        entities = explicit
    if field == "text" and not plain.strip():
        raise bad_request("message text is empty")
    if utf16_len(plain) > limit:
        raise bad_request(
            "message is too long" if field == "text" else "message caption is too long"
        )
    return plain, entities


def inline_markup(params: Params) -> dict[str, Any] | None:
    """The reply_markup, with inline buttons checked as Telegram checks them."""
    markup = params.get("reply_markup")
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is None:
        return markup
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array')
    for button in (b for row in rows for b in row):
        if not isinstance(button, dict) or not button.get("text"):
            raise bad_request("BUTTON_TEXT_INVALID")
        data = button.get("callback_data")
        if data is not None and not 1 <= len(str(data).encode()) <= CALLBACK_DATA_LIMIT:
            raise bad_request("BUTTON_DATA_INVALID")
    return markup


def _reply_to(params: Params) -> int | None:
    reply = params.get("reply_parameters")
    if isinstance(reply, dict) and reply.get("message_id") is not None:
        return int(reply["message_id"])
    return params.get("reply_to_message_id")


def send_message(world: ChatWorld, params: Params) -> dict[str, Any]:
    chat = target_chat(world, params)
    text, entities = formatted(params, "text", TEXT_LIMIT)
    message = world.new_message(
        chat,
        world.bot,
        text=text,
        source_text=params.get("text"),
        parse_mode=params.get("parse_mode"),
        entities=entities,
        reply_markup=inline_markup(params),
        reply_to_message_id=_reply_to(params),
    )
    message.version = world.bot_did_something()
    return message.to_api()


def _file(world: ChatWorld, params: Params, field: str) -> StoredFile:
    value = params.get(field)
    if isinstance(value, str) and value.startswith("attach://"):
        value = params.get(value.removeprefix("attach://"))
    if isinstance(value, Upload):
        return world.store_file(value)
    if isinstance(value, str) and value:
        known = world.files.get(value)
        # A URL: Telegram would fetch it; the stub has no network and keeps only the address.
        return known or world.store_file(Upload(b"", value, None))
    raise bad_request(f"there is no {field} in the request")


def _send_media(world: ChatWorld, params: Params, field: str) -> dict[str, Any]:
    chat = target_chat(world, params)
    caption, entities = formatted(params, "caption", CAPTION_LIMIT)
    stored = _file(world, params, field)
    message = world.new_message(
        chat,
        world.bot,
        caption=caption or None,
        source_text=params.get("caption"),
        parse_mode=params.get("parse_mode"),
        caption_entities=entities,
        reply_markup=inline_markup(params),
        reply_to_message_id=_reply_to(params),
        **{field: stored},
    )
    message.version = world.bot_did_something()
    return message.to_api()


def send_photo(world: ChatWorld, params: Params) -> dict[str, Any]:
    return _send_media(world, params, "photo")


def send_document(world: ChatWorld, params: Params) -> dict[str, Any]:
    return _send_media(world, params, "document")


def _message_to_edit(world: ChatWorld, params: Params) -> Message:
    if params.get("inline_message_id"):
        raise bad_request("inline messages are not supported by the local Bot API")
    chat = target_chat(world, params)
    message = world.find_message(chat.id, int(params.get("message_id") or 0))
    if message is None or message.deleted:
        raise bad_request("message to edit not found")
    if not message.from_bot:
        raise bad_request("message can't be edited")
    return message


def _applied(world: ChatWorld, message: Message, changes: dict[str, Any]) -> dict[str, Any]:
    # Telegram refuses an edit that changes nothing, and a bot that loops on it should notice.
    if all(getattr(message, name) == value for name, value in changes.items()):
        raise bad_request(NOT_MODIFIED)
    for name, value in changes.items():
        setattr(message, name, value)
    message.edit_date = world.now()
    message.edits += 1
    message.version = world.bot_did_something()
    return message.to_api()


def edit_message_text(world: ChatWorld, params: Params) -> dict[str, Any]:
    message = _message_to_edit(world, params)
    if message.text is None:
        raise bad_request("there is no text in the message to edit")
    text, entities = formatted(params, "text", TEXT_LIMIT)
    # As in Telegram, an edit without reply_markup takes the inline keyboard away.
    changes = {"text": text, "entities": entities, "reply_markup": inline_markup(params)}
    result = _applied(world, message, changes)
    message.source_text, message.parse_mode = params.get("text"), params.get("parse_mode")
    return result


def edit_message_caption(world: ChatWorld, params: Params) -> dict[str, Any]:
    message = _message_to_edit(world, params)
    if message.photo is None and message.document is None:
        raise bad_request("there is no caption in the message to edit")
    caption, entities = formatted(params, "caption", CAPTION_LIMIT)
    changes = {
        "caption": caption or None,
        "caption_entities": entities,
        "reply_markup": inline_markup(params),
    }
    return _applied(world, message, changes)


def edit_message_reply_markup(world: ChatWorld, params: Params) -> dict[str, Any]:
    message = _message_to_edit(world, params)
    return _applied(world, message, {"reply_markup": inline_markup(params)})


def delete_message(world: ChatWorld, params: Params) -> bool:
    chat = target_chat(world, params)
    message = world.find_message(chat.id, int(params.get("message_id") or 0))
    if message is None or message.deleted:
        raise bad_request("message to delete not found")
    message.deleted = True
    message.version = world.bot_did_something()
    return True


def answer_callback_query(world: ChatWorld, params: Params) -> bool:
    query = world.callback_queries.get(str(params.get("callback_query_id") or ""))
    if query is None or query.answer is not None:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    text = params.get("text")
    if text is not None and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    query.answer = CallbackAnswer(text or None, bool(params.get("show_alert")), params.get("url"))
    query.answered_at = world.bot_did_something()
    return True


def send_chat_action(world: ChatWorld, params: Params) -> bool:
    target_chat(world, params)
    if not params.get("action"):
        raise bad_request("action is empty")
    return True
