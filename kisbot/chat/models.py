"""The people, chats and messages of the local Bot API, and their Bot API JSON shapes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

ChatType = Literal["private", "group", "supergroup", "channel"]


@dataclass(slots=True)
class User:
    """A Telegram account: a person typing, or the bot itself."""

    id: int
    first_name: str
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data


@dataclass(slots=True)
class Chat:
    """A private chat with one user (its id is the user's id) or a group (negative id)."""

    id: int
    type: ChatType
    title: str | None = None
    user: User | None = None

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.user is not None:
            data["first_name"] = self.user.first_name
            if self.user.username:
                data["username"] = self.user.username
        else:
            data["title"] = self.title or ""
        return data


@dataclass(slots=True)
class StoredFile:
    """A photo or document the bot uploaded; the bytes are kept for tests and getFile."""

    file_id: str
    file_unique_id: str
    data: bytes = field(repr=False)
    filename: str | None = None
    mime_type: str | None = None

    @property
    def file_path(self) -> str:
        return f"files/{self.file_unique_id}"

    def photo_sizes(self) -> list[dict[str, Any]]:
        width, height = _png_size(self.data)
        return [
            {
                "file_id": self.file_id,
                "file_unique_id": self.file_unique_id,
                "width": width,
                "height": height,
                "file_size": len(self.data),
            }
        ]

    def document(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
        }
        if self.filename:
            data["file_name"] = self.filename
        if self.mime_type:
            data["mime_type"] = self.mime_type
        return data


def _png_size(data: bytes) -> tuple[int, int]:
    # Charts are PNGs; for anything else the size is unknown and Telegram would report 0 too.
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    return 0, 0


@dataclass(slots=True, frozen=True)
class Button:
    """One inline keyboard button."""

    text: str
    callback_data: str | None = None
    url: str | None = None


@dataclass(slots=True)
class Message:
    """A message in a chat, as it stands now (edits applied, `deleted` once deleted).

    `text` and `caption` are what a client shows (HTML tags parsed out); `source_text` is what
    the bot sent. `version` is the world's activity count at the message's latest change, so a
    viewer can tell what it has not shown, and in which order things happened.
    """

    message_id: int
    chat: Chat
    sender: User
    date: int
    text: str | None = None
    source_text: str | None = None
    parse_mode: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    caption: str | None = None
    caption_entities: list[dict[str, Any]] = field(default_factory=list)
    photo: StoredFile | None = None
    document: StoredFile | None = None
    reply_markup: dict[str, Any] | None = None
    reply_to_message_id: int | None = None
    edit_date: int | None = None
    edits: int = 0
    deleted: bool = False
    version: int = 0

    @property
    def from_bot(self) -> bool:
        return self.sender.is_bot

    @property
    def buttons(self) -> list[list[Button]]:
        """The inline keyboard, row by row (empty without one)."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [
            [Button(b.get("text", ""), b.get("callback_data"), b.get("url")) for b in row]
            for row in rows
        ]

    @property
    def flat_buttons(self) -> list[Button]:
        return [button for row in self.buttons for button in row]

    def button_data(self, text: str) -> str:
        """The callback data of the button labelled `text`; ValueError if there is none."""
        for button in self.flat_buttons:
            if button.text == text and button.callback_data is not None:
                return button.callback_data
        raise ValueError(f"message {self.message_id} has no callback button {text!r}")

    def to_api(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "message_id": self.message_id,
            "from": self.sender.to_api(),
            "chat": self.chat.to_api(),
            "date": self.date,
        }
        optional: dict[str, Any] = {
            "text": self.text,
            "entities": self.entities,
            "caption": self.caption,
            "caption_entities": self.caption_entities,
            "edit_date": self.edit_date,
        }
        data.update({key: value for key, value in optional.items() if value})
        if self.photo is not None:
            data["photo"] = self.photo.photo_sizes()
        if self.document is not None:
            data["document"] = self.document.document()
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            data["reply_markup"] = self.reply_markup
        return data


@dataclass(slots=True, frozen=True)
class CallbackAnswer:
    """What the bot said when it answered a button press."""

    text: str | None
    show_alert: bool
    url: str | None = None


@dataclass(slots=True)
class CallbackQuery:
    """A button press sent to the bot; `answer` is filled when the bot answers it."""

    id: str
    user: User
    message: Message
    data: str
    chat_instance: str
    answer: CallbackAnswer | None = None
    answered_at: int = 0  # the world's activity count when answered


@dataclass(slots=True, frozen=True)
class ApiCall:
    """One Bot API call the bot made: the method, its decoded parameters, the HTTP status."""

    method: str
    params: dict[str, Any]
    status: int
    error: str | None = None
