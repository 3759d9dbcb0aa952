"""What the local Bot API knows, and the driver API tests and the terminal chat use.

A `ChatWorld` holds users, chats, every message (the users' and the bot's), the queue of
updates waiting for getUpdates, the button presses, the calls the bot made and the faults to
inject. Drivers act as users (`send_text`, `press_button`) and wait for the bot
(`wait_for_messages`, `wait_for_answer`, `wait_for_activity`) without polling sleeps: every
change fires a signal that waiters re-check their condition on.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
from collections import defaultdict, deque
from collections.abc import Callable
from typing import Any

from kisbot.chat.entities import command_entity
from kisbot.chat.models import (
    ApiCall,
    CallbackAnswer,
    CallbackQuery,
    Chat,
    Message,
    StoredFile,
    User,
)
from kisbot.chat.wire import Fault, Upload
from kisbot.clock import Clock, SystemClock


class Signal:
    """Wakes every waiter when something changed; waiters re-check their own condition."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    # The waits take `timeout` (ruff's ASYNC109 prefers asyncio.timeout around the call) because
    # a wait that expires says what it was waiting for and what it saw instead.
    async def wait_until(self, condition: Callable[[], bool], timeout: float) -> bool:  # noqa: ASYNC109
        """True once `condition()` holds, False if `timeout` seconds pass first."""
        try:
            async with asyncio.timeout(timeout):
                while not condition():
                    await self._event.wait()
        except TimeoutError:
            return condition()
        return True


class ChatWorld:
    """The state behind the local Bot API and the driver API on it."""

    def __init__(
        self,
        token: str,
        *,
        bot_username: str = "kisbot_local_bot",
        bot_name: str = "kisbot",
        clock: Clock | None = None,
    ) -> None:
        self._token = token
        bot_id = token.split(":", 1)[0]
        self.bot = User(
            id=int(bot_id) if bot_id.isdigit() else 100000,
            first_name=bot_name,
            username=bot_username,
            is_bot=True,
        )
        self.clock: Clock = clock or SystemClock()
        self.calls: list[ApiCall] = []
        self.callback_queries: dict[str, CallbackQuery] = {}
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.webhook_url = ""
        self.files: dict[str, StoredFile] = {}
        self._file_numbers = itertools.count(1)
        self.closing = False
        self.polls = 0  # getUpdates calls that waited; a newer one ends an older one
        self.waiting_polls = 0
        self.changed = Signal()
        self._users: dict[int, User] = {}
        self._chats: dict[int, Chat] = {}
        self._messages: dict[int, list[Message]] = defaultdict(list)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._user_ids = itertools.count(1001)
        self._group_ids = itertools.count(1)
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._faults: dict[str, deque[Fault]] = defaultdict(deque)
        self._answer_delays: dict[str, float] = {}
        self._blocked: set[int] = set()
        self.activity = 0

    def __repr__(self) -> str:
        # The token stays out: reprs end up in logs and assertion messages.
        return f"{type(self).__name__}(bot=@{self.bot.username})"

    def token_matches(self, token: str) -> bool:
        return secrets.compare_digest(token.encode(), self._token.encode())

    # -- people and chats ---------------------------------------------------------------

    def user(self, user_id: int) -> User | None:
        return self._users.get(user_id)

    def add_user(
        self,
        first_name: str = "Tester",
        *,
        user_id: int | None = None,
        username: str | None = None,
        language_code: str | None = "ko",
    ) -> User:
        """A new user with a private chat with the bot (the chat id is the user id)."""
        user = User(user_id or next(self._user_ids), first_name, username, language_code)
        self._users[user.id] = user
        self._chats[user.id] = Chat(user.id, "private", user=user)
        return user

    def private_chat(self, user: User) -> Chat:
        return self._chats[user.id]

    def add_group(self, title: str, *, supergroup: bool = False) -> Chat:
        """A group chat the bot is in; any user may write there."""
        number = next(self._group_ids)
        chat_id = -(1001000000000 + number) if supergroup else -(4000000000 + number)
        chat = Chat(chat_id, "supergroup" if supergroup else "group", title=title)
        self._chats[chat_id] = chat
        return chat

    def add_channel(self, title: str) -> Chat:
        """A channel the bot is an admin of: its posts reach the bot without a sender."""
        chat = Chat(-(1002000000000 + next(self._group_ids)), "channel", title=title)
        self._chats[chat.id] = chat
        return chat

    def chat(self, chat_id: int) -> Chat | None:
        return self._chats.get(chat_id)

    def block(self, user: User) -> None:
        """From now on the user has blocked the bot: sends to them fail with 403."""
        self._blocked.add(user.id)

    def unblock(self, user: User) -> None:
        self._blocked.discard(user.id)

    def is_blocked(self, chat: Chat) -> bool:
        return chat.type == "private" and chat.id in self._blocked

    # -- acting as a user ---------------------------------------------------------------

    def send_text(self, user: User, text: str, *, chat: Chat | None = None) -> Message:
        """The user writes `text` (in their private chat unless `chat`); the bot gets an update."""
        message = self.new_message(chat or self.private_chat(user), user, text=text)
        entity = command_entity(text)
        if entity is not None:
            message.entities = [entity]
        self._queue_update({"message": message.to_api()})
        return message

    def post_in_channel(self, chat: Chat, text: str) -> None:
        """A post in a channel (no `from`; `sender_chat` is the channel)."""
        post: dict[str, Any] = {
            "message_id": next(self._message_ids.setdefault(chat.id, itertools.count(1))),
            "chat": chat.to_api(),
            "sender_chat": chat.to_api(),
            "date": self.now(),
            "text": text,
        }
        entity = command_entity(text)
        if entity is not None:
            post["entities"] = [entity]
        self._queue_update({"channel_post": post})

    def edit_text(self, user: User, message: Message, text: str) -> None:
        """The user edits a message they sent earlier; the bot gets an `edited_message`."""
        message.text = text
        entity = command_entity(text)
        message.entities = [entity] if entity is not None else []
        self._queue_update({"edited_message": {**message.to_api(), "edit_date": self.now()}})

    def press_button(self, user: User, message: Message, callback_data: str) -> CallbackQuery:
        """The user presses the inline button carrying `callback_data` on `message`."""
        if message.deleted or all(b.callback_data != callback_data for b in message.flat_buttons):
            raise ValueError(f"message {message.message_id} shows no button {callback_data!r}")
        return self.forge_press(user, message, callback_data)

    def forge_press(self, user: User, message: Message, callback_data: str) -> CallbackQuery:
        """A press carrying any data at all, as a modified client can send (for tests of
        forged and stale buttons)."""
        query = CallbackQuery(
            id=str(secrets.randbits(63)),
            user=user,
            message=message,
            data=callback_data,
            chat_instance=str(abs(hash((self.bot.id, message.chat.id)))),
        )
        self.callback_queries[query.id] = query
        self._queue_update(
            {
                "callback_query": {
                    "id": query.id,
                    "from": user.to_api(),
                    "message": message.to_api(),
                    "chat_instance": query.chat_instance,
                    "data": callback_data,
                }
            }
        )
        return query

    # -- what happened ------------------------------------------------------------------

    def messages(self, chat: Chat) -> list[Message]:
        """Every message of the chat in order, the users' and the bot's, deleted ones flagged."""
        return list(self._messages[chat.id])

    def transcript(self, chat: Chat) -> list[Message]:
        """What the bot sent to the chat, edits applied, deleted ones flagged."""
        return [m for m in self._messages[chat.id] if m.from_bot]

    def find_message(self, chat_id: int, message_id: int) -> Message | None:
        for message in self._messages.get(chat_id, []):
            if message.message_id == message_id:
                return message
        return None

    def calls_of(self, method: str) -> list[ApiCall]:
        return [call for call in self.calls if call.method == method]

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        return list(self._updates)

    # -- waiting for the bot ------------------------------------------------------------

    async def wait_for_messages(
        self,
        chat: Chat,
        count: int,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[Message]:
        """The bot's messages in `chat` once there are at least `count` of them."""
        if not await self.changed.wait_until(lambda: len(self.transcript(chat)) >= count, timeout):
            texts = [m.text or m.caption for m in self.transcript(chat)]
            raise TimeoutError(f"wanted {count} bot messages in chat {chat.id}, have {texts}")
        return self.transcript(chat)

    async def wait_for_answer(
        self,
        query: CallbackQuery,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> CallbackAnswer:
        """The bot's answer to a button press."""
        if not await self.changed.wait_until(lambda: query.answer is not None, timeout):
            raise TimeoutError(f"the button press {query.data!r} was not answered")
        assert query.answer is not None
        return query.answer

    async def wait_for_calls(
        self,
        method: str,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[ApiCall]:
        """The calls of `method` once the bot has made at least `count` of them."""
        if not await self.changed.wait_until(lambda: len(self.calls_of(method)) >= count, timeout):
            raise TimeoutError(
                f"wanted {count} calls of {method}, saw {len(self.calls_of(method))}"
            )
        return self.calls_of(method)

    async def wait_until_polling(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Return once a getUpdates long poll is waiting: the bot is up and listening."""
        if not await self.changed.wait_until(lambda: self.waiting_polls > 0, timeout):
            raise TimeoutError("the bot is not polling for updates")

    async def wait_for_activity(self, seen: int, timeout: float) -> bool:  # noqa: ASYNC109
        """True once the bot did something visible after the `activity` count `seen`."""
        return await self.changed.wait_until(lambda: self.activity > seen, timeout)

    # -- faults -------------------------------------------------------------------------

    def fail_next(self, method: str, fault: Fault, *, times: int = 1) -> None:
        """Make the next `times` calls of `method` fail with `fault`."""
        self._faults[method.lower()].extend([fault] * times)

    def take_fault(self, method: str) -> Fault | None:
        queue = self._faults.get(method.lower())
        return queue.popleft() if queue else None

    def answer_slowly(self, method: str, seconds: float) -> None:
        """From now on, calls of `method` take effect at once but are answered `seconds` later
        (0 = at once again): the bot's call is in flight after Telegram has acted on it."""
        self._answer_delays[method.lower()] = seconds

    def answer_delay(self, method: str) -> float:
        return self._answer_delays.get(method.lower(), 0.0)

    # -- used by the Bot API methods ----------------------------------------------------

    def now(self) -> int:
        return int(self.clock.now().timestamp())

    def new_message(self, chat: Chat, sender: User, **fields: Any) -> Message:
        counter = self._message_ids.setdefault(chat.id, itertools.count(1))
        message = Message(next(counter), chat, sender, self.now(), **fields)
        self._messages[chat.id].append(message)
        return message

    def store_file(self, upload: Upload) -> StoredFile:
        """Keep an uploaded file under a new file_id, as Telegram does."""
        unique_id = f"AQAD{next(self._file_numbers):06d}"
        stored = StoredFile(f"Ag{unique_id}", unique_id, upload.data, upload.filename)
        stored.mime_type = upload.content_type
        self.files[stored.file_id] = stored
        return stored

    def bot_did_something(self) -> int:
        """Count a change a user would see, wake the waiters; the count orders the changes."""
        self.activity += 1
        self.changed.fire()
        return self.activity

    def record(self, call: ApiCall) -> None:
        self.calls.append(call)
        self.changed.fire()

    def take_updates(self, offset: int | None, limit: int) -> list[dict[str, Any]]:
        """Updates from `offset` on; those before it are confirmed and forgotten."""
        if offset is not None and offset < 0:
            self._updates = self._updates[offset:]
        elif offset is not None:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        return self._updates[:limit]

    def drop_pending_updates(self) -> None:
        self._updates.clear()

    def _queue_update(self, payload: dict[str, Any]) -> None:
        self._updates.append({"update_id": next(self._update_ids), **payload})
        self.changed.fire()

    def close_world(self) -> None:
        """Wake every waiter (long polls included) so that shutdown is quick."""
        self.closing = True
        self.changed.fire()
