"""The Bot API wire format: decoding a call's parameters, and the answer envelope.

Clients send form-urlencoded fields (multipart when a file goes along) or a JSON body. In forms
every value is a string: numbers and booleans as text, structured fields (reply_markup,
entities, commands) as JSON strings. Only those structured fields are decoded; `text` and
`caption` are kept exactly as sent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, web

JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "commands",
        "scope",
        "allowed_updates",
        "reply_parameters",
        "link_preview_options",
        "media",
    }
)
INT_FIELDS = frozenset(
    {"message_id", "offset", "limit", "timeout", "reply_to_message_id", "cache_time"}
)
BOOL_FIELDS = frozenset(
    {"show_alert", "disable_notification", "drop_pending_updates", "protect_content"}
)


@dataclass(slots=True, frozen=True)
class Upload:
    """A file part of a multipart call."""

    data: bytes = field(repr=False)
    filename: str | None
    content_type: str | None


class ApiError(Exception):
    """A Bot API refusal: the HTTP status, Telegram's description, and retry_after on 429."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


def bad_request(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: {reason}")


@dataclass(slots=True, frozen=True)
class Fault:
    """A failure to inject into the next calls of a method."""

    status: int
    description: str
    retry_after: int | None = None
    drop_connection: bool = False

    @classmethod
    def too_many_requests(cls, retry_after: int) -> Fault:
        return cls(429, f"Too Many Requests: retry after {retry_after}", retry_after)

    @classmethod
    def server_error(cls) -> Fault:
        return cls(500, "Internal Server Error")

    @classmethod
    def dropped_connection(cls) -> Fault:
        """The connection closes before any answer, as when the network drops."""
        return cls(0, "connection dropped", drop_connection=True)

    def error(self) -> ApiError:
        return ApiError(self.status, self.description, self.retry_after)


async def read_params(request: web.Request) -> dict[str, Any]:
    """The call's parameters from query, form, multipart or JSON, with typed fields decoded."""
    raw: dict[str, Any] = dict(request.query)
    content_type = request.content_type
    if content_type == "application/json":
        body = await request.read()
        if body:
            try:
                loaded = json.loads(body)
            except ValueError:
                raise bad_request("can't parse JSON body") from None
            if not isinstance(loaded, dict):
                raise bad_request("JSON object expected")
            raw.update(loaded)
    elif content_type == "multipart/form-data":
        raw.update(await _read_multipart(request))
    elif request.can_read_body:
        raw.update(await request.post())
    return {name: _decode(name, value) for name, value in raw.items()}


async def _read_multipart(request: web.Request) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader) or part.name is None:
            continue
        if part.filename is not None:
            data = await part.read()
            content_type = part.headers.get("Content-Type")
            fields[part.name] = Upload(bytes(data), part.filename, content_type)
        else:
            fields[part.name] = await part.text()
    return fields


def _decode(name: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if name in JSON_FIELDS:
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(f"can't parse {name} JSON object") from None
    if name in INT_FIELDS:
        try:
            return int(value)
        except ValueError:
            raise bad_request(f"invalid {name} specified") from None
    if name in BOOL_FIELDS:
        return value.lower() in {"true", "1"}
    return value


def ok_body(result: Any) -> dict[str, Any]:
    return {"ok": True, "result": result}


def error_body(error: ApiError) -> dict[str, Any]:
    body: dict[str, Any] = {
        "ok": False,
        "error_code": error.status,
        "description": error.description,
    }
    if error.retry_after is not None:
        body["parameters"] = {"retry_after": error.retry_after}
    return body
