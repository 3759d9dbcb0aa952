"""Formatted text as Telegram reads it: HTML parse mode into plain text plus entities.

Telegram refuses a message whose HTML it cannot parse ("can't parse entities") and counts the
length limits on the text a client shows, so the stub parses the same way before it checks
anything. Offsets and lengths are in UTF-16 code units, as in the Bot API.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

# tag -> entity type; tags Telegram accepts in HTML parse mode.
_TAG_ENTITY = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}


class EntityParseError(ValueError):
    """The text is not valid for its parse mode; the message is Telegram's wording."""


def utf16_len(text: str) -> int:
    """The length of `text` as the Bot API counts it."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(slots=True)
class _Open:
    tag: str
    offset: int
    attrs: dict[str, str | None]


class _TelegramHtml(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.entities: list[dict[str, Any]] = []
        self.stack: list[_Open] = []
        # Not `offset`: HTMLParser keeps its own source position under that name.
        self.position = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _TAG_ENTITY:
            raise EntityParseError(f'can\'t parse entities: Unsupported start tag "{tag}"')
        self.stack.append(_Open(tag, self.position, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1].tag != tag:
            raise EntityParseError(f'can\'t parse entities: Unexpected end tag "{tag}"')
        opened = self.stack.pop()
        length = self.position - opened.offset
        if length > 0:
            self.entities.append(_entity(opened, length))

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
        self.position += utf16_len(data)


def _entity(opened: _Open, length: int) -> dict[str, Any]:
    kind = _TAG_ENTITY[opened.tag]
    if opened.tag == "blockquote" and "expandable" in opened.attrs:
        kind = "expandable_blockquote"
    entity: dict[str, Any] = {"type": kind, "offset": opened.offset, "length": length}
    if kind == "text_link":
        entity["url"] = opened.attrs.get("href") or ""
    if kind == "custom_emoji":
        entity["custom_emoji_id"] = opened.attrs.get("emoji-id") or ""
    return entity


def parse_formatted(text: str, parse_mode: str | None) -> tuple[str, list[dict[str, Any]]]:
    """The plain text a client shows and its entities, or EntityParseError."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        parser = _TelegramHtml()
        parser.feed(text)
        parser.close()
        if parser.stack:
            tag = parser.stack[-1].tag
            raise EntityParseError(
                f"can't parse entities: Can't find end tag corresponding to start tag \"{tag}\""
            )
        parser.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(parser.parts), parser.entities
    if mode == "markdownv2":
        # Not parsed into entities; escapes are dropped so the text reads as a client shows it.
        return _drop_markdown_escapes(text), []
    return text, []


def _drop_markdown_escapes(text: str) -> str:
    out: list[str] = []
    escaped = False
    for char in text:
        if char == "\\" and not escaped:
            escaped = True
            continue
        escaped = False
        out.append(char)
    return "".join(out)


def command_entity(text: str) -> dict[str, Any] | None:
    """The bot_command entity Telegram attaches to a message starting with "/", if any."""
    if not text.startswith("/") or len(text) < 2 or text[1].isspace():
        return None
    command = text.split(maxsplit=1)[0]
    return {"type": "bot_command", "offset": 0, "length": utf16_len(command)}
