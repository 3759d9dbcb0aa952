"""The terminal chat behind `kisbot demo`: a person types, the bot's replies print as text.

Each line is sent as the user's message; the chat then waits until the bot has replied and gone
quiet for a moment, so a piped script gets each line's replies before its next line. Inline
buttons print as numbered choices ("[1] 확인  [2] 취소") and typing a number presses that button
of the bot's latest message, never of an older one: when the latest message has no such button,
a note says so and nothing is pressed. Photos are saved to files (see `PhotoFolder`) and print
as their caption and path. Edits print as updates of the earlier message, and messages the bot
sends on its own (alerts) print whenever they arrive.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import AsyncIterable, AsyncIterator, Iterable
from dataclasses import dataclass
from typing import TextIO

from kisbot.chat.models import Button, CallbackQuery, Chat, Message, User
from kisbot.chat.photos import PhotoFolder
from kisbot.chat.world import ChatWorld, Signal

QUIT = frozenset({"/quit", "/exit"})


@dataclass(slots=True, frozen=True)
class TerminalTiming:
    """How long the chat waits for the bot, in seconds."""

    settle: float = 0.5  # quiet time after a reply that ends the wait for one line
    max_wait: float = 15.0  # the longest wait for one line's replies
    end_wait: float = 1.0  # at end of input, the longest wait for replies still coming


def render_message(message: Message, photo_note: str | None = None) -> list[str]:
    """The lines a terminal shows for a bot message: its text, image or file, and buttons.

    `photo_note` follows an image's line: where the image was saved, or why it was not.
    """
    lines: list[str] = []
    if message.photo is not None:
        image = f"[image: {message.caption}]" if message.caption else "[image]"
        lines.append(f"{image} {photo_note}" if photo_note else image)
    elif message.document is not None:
        name = message.document.filename or "file"
        lines.append(f"[file {name}: {message.caption}]" if message.caption else f"[file {name}]")
    if message.text:
        lines.extend(message.text.splitlines() or [""])
    return lines + render_buttons(message.buttons)


def render_buttons(rows: list[list[Button]]) -> list[str]:
    """Numbered choices, one line per keyboard row, numbered across the whole keyboard."""
    lines: list[str] = []
    number = 0
    for row in rows:
        choices = []
        for button in row:
            number += 1
            link = f" <{button.url}>" if button.url else ""
            choices.append(f"[{number}] {button.text}{link}")
        lines.append("  ".join(choices))
    return lines


async def stdin_lines() -> AsyncIterator[str]:
    """Lines of standard input, read in a daemon thread so that the event loop keeps running."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def read() -> None:
        for line in sys.stdin:
            loop.call_soon_threadsafe(queue.put_nowait, line)
        loop.call_soon_threadsafe(queue.put_nowait, None)

    threading.Thread(target=read, name="terminal-stdin", daemon=True).start()
    while (line := await queue.get()) is not None:
        yield line


class TerminalChat:
    """One user's chat with the bot, in a terminal or over injected streams."""

    def __init__(
        self,
        api: ChatWorld,
        user: User,
        *,
        chat: Chat | None = None,
        output: TextIO | None = None,
        timing: TerminalTiming | None = None,
        interactive: bool | None = None,
        prompt: str = "> ",
        photos: PhotoFolder | None = None,
    ) -> None:
        self.api = api
        self.user = user
        self.chat = chat or api.private_chat(user)
        self.output = output or sys.stdout
        self.timing = timing or TerminalTiming()
        self.interactive = interactive  # None: a person at a terminal when reading stdin
        self.prompt = prompt
        self.photos = photos  # None: photos print as their caption only
        self._photo_notes: dict[int, str] = {}  # message id -> saved path, or why not saved
        self._shown: dict[int, int] = {}  # message id -> version shown
        self._queries: list[CallbackQuery] = []
        self._at_prompt = False
        self.printed = Signal()  # fires after something was printed

    async def run(self, lines: Iterable[str] | AsyncIterable[str] | None = None) -> None:
        """Chat until the input ends (standard input unless `lines`), then return."""
        if self.interactive is None:
            self.interactive = lines is None and sys.stdin.isatty()
        source = stdin_lines() if lines is None else _as_async(lines)
        watcher = asyncio.create_task(self._watch())
        try:
            await self._converse(source)
        finally:
            watcher.cancel()
            await asyncio.gather(watcher, return_exceptions=True)
        self.show_changes()

    async def _converse(self, source: AsyncIterable[str]) -> None:
        self._show_prompt()
        async for raw in source:
            self._at_prompt = False
            line = raw.strip()
            if line in QUIT:
                break
            if line:
                if not self.interactive:
                    self._write(f"> {line}")
                seen = self.api.activity
                if self._act_on(line):
                    await self._await_replies(seen, self.timing.max_wait)
                self.show_changes()
            self._show_prompt()
        await self._await_replies(self.api.activity, self.timing.end_wait, replied=True)

    def _act_on(self, line: str) -> bool:
        """Send the line, or press the numbered button; True if the bot has something to do."""
        if line.isascii() and line.isdigit():
            return self._press(int(line))
        self.api.send_text(self.user, line, chat=self.chat)
        return True

    def _press(self, number: int) -> bool:
        """Press button `number` of the bot's latest message, or say why nothing was pressed.

        Only the latest message counts: pressing a button of an older one (an order's 확인 after
        an alert arrived, say) is too easy to do by mistake when the buttons are not in view.
        """
        message = self._latest_bot_message()
        if message is None:
            self._write("(the bot has sent no message yet, so there is no button to press)")
            return False
        buttons = message.flat_buttons
        if not buttons:
            self._write("(the latest message has no buttons; nothing was pressed)")
            return False
        if not 1 <= number <= len(buttons):
            choices = "button 1" if len(buttons) == 1 else f"buttons 1-{len(buttons)}"
            self._write(f"(the latest message has {choices}, not {number}; nothing was pressed)")
            return False
        button = buttons[number - 1]
        if button.callback_data is None:
            self._write(
                f"(link: {button.url})" if button.url else "(that button does nothing here)"
            )
            return False
        self._queries.append(self.api.press_button(self.user, message, button.callback_data))
        return True

    def _latest_bot_message(self) -> Message | None:
        shown = [m for m in self.api.transcript(self.chat) if not m.deleted]
        return shown[-1] if shown else None

    async def _await_replies(self, seen: int, longest: float, *, replied: bool = False) -> None:
        """Wait for the bot's first reply after `seen`, then until it is quiet for `settle`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + longest
        if not replied and not await self.api.wait_for_activity(seen, timeout=longest):
            return
        while (remaining := deadline - loop.time()) > 0:
            seen = self.api.activity
            quiet_for = min(self.timing.settle, remaining)
            if not await self.api.wait_for_activity(seen, timeout=quiet_for):
                return

    async def _watch(self) -> None:
        # Prints what the bot does as it happens, alerts included, even while input waits.
        seen = self.api.activity
        while True:
            await self.api.wait_for_activity(seen, timeout=3600.0)
            seen = self.api.activity
            self.show_changes()

    def show_changes(self) -> None:
        """Print every message, edit, deletion and button answer not shown yet, in order."""
        changes: list[tuple[int, list[str]]] = []
        for message in self.api.messages(self.chat):
            lines = self._changes_of(message)
            if lines:
                changes.append((message.version, lines))
        for query in self._queries:
            if query.answer is not None and query.answer.text:
                kind = "alert" if query.answer.show_alert else "notice"
                changes.append((query.answered_at, [f"[{kind}: {query.answer.text}]"]))
        self._queries = [q for q in self._queries if q.answer is None]
        if not changes:
            return
        changes.sort(key=lambda change: change[0])
        if self._at_prompt:
            self._write("")  # leave the prompt line the person may be typing on
        self._write("\n".join(line for _, lines in changes for line in lines))
        if self._at_prompt:
            self.output.write(self.prompt)
            self._flush()
        self.printed.fire()

    def _changes_of(self, message: Message) -> list[str]:
        shown = self._shown.get(message.message_id)
        if shown == message.version:
            return []
        self._shown[message.message_id] = message.version
        if not message.from_bot:
            return ["(your message was deleted)"] if message.deleted else []
        if message.deleted:
            return [] if shown is None else [f"(deleted: {_first_line(message)})"]
        body = render_message(message, self._photo_note(message))
        return body if shown is None else ["(edited)", *body]

    def _photo_note(self, message: Message) -> str | None:
        """Where the message's photo was saved (saving it the first time), or why it was not."""
        photo = message.photo
        if photo is None or self.photos is None or not photo.data:
            return None
        note = self._photo_notes.get(message.message_id)
        if note is None:
            try:
                note = str(self.photos.save(photo, message.caption))
            except OSError as error:
                note = f"(not saved: {error.strerror or error})"
            self._photo_notes[message.message_id] = note
        return note

    def _show_prompt(self) -> None:
        if self.interactive:
            self.output.write(self.prompt)
            self._flush()
            self._at_prompt = True

    def _write(self, text: str) -> None:
        self.output.write(text + "\n")
        self._flush()

    def _flush(self) -> None:
        flush = getattr(self.output, "flush", None)
        if flush is not None:
            flush()


def _first_line(message: Message) -> str:
    lines = render_message(message)
    return lines[0] if lines else ""


async def _as_async(lines: Iterable[str] | AsyncIterable[str]) -> AsyncIterator[str]:
    if isinstance(lines, AsyncIterable):
        async for line in lines:
            yield line
    else:
        for line in lines:
            yield line
