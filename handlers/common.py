"""What every handler shares: the core, the user's language, replies, buttons, and one log line
per command or press with its outcome.

A command handler is `async def name(turn: Turn) -> None`; a button handler is
`async def name(turn: Turn, callback: <a handlers.callbacks type>) -> None`. The table in
handlers/commands.py wraps them (`run_turn`): the `Turn` is built, a `Problem` or a KIS error
becomes a reply in the user's language, a press is answered within a few seconds however long
KIS takes, and `user=… command=/price outcome=…` is logged — never arguments, which may hold
secrets (/setkey).
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import math
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

import handlers.texts.common  # noqa: F401  (registers the shared texts)
from handlers.callbacks import Callback, encode
from handlers.format import cut_message, split_message
from handlers.i18n import Markup, render
from kisbot.config import Settings
from kisbot.core import Core
from kisbot.kis import (
    KisAuthError,
    KisError,
    KisNotSupportedInMock,
    KisOutcomeUnknown,
    KisRateLimited,
    KisRefusal,
    KisUnavailable,
    TokenWait,
    notify_token_waits,
)
from kisbot.problems import Problem

logger = logging.getLogger(__name__)

CORE_KEY = "core"
SETTINGS_KEY = "settings"
CAPTION_LIMIT = 1024
TOAST_LIMIT = 200
# A press is answered by then at the latest (with "working…"), whatever KIS is doing: Telegram
# shows a spinner until the answer, and refuses answers to queries that are too old.
ANSWER_DEADLINE = 3.0
_TAG = re.compile(r"<[^>]+>")
_STOCK_PROBLEMS = "securities."

# Rows of (label, what the button means).
Buttons = Sequence[Sequence[tuple[str, Callback]]]
Context = ContextTypes.DEFAULT_TYPE


@dataclass(slots=True)
class Turn:
    """One update as a feature handler sees it."""

    update: Update
    context: Context
    core: Core
    user_id: int
    chat_id: int
    locale: str
    args: list[str] = field(default_factory=list)
    answered: bool = False
    status: Message | None = None  # a passing status message the next reply replaces
    _showing: asyncio.Task[None] | None = None  # the status on its way to the chat

    @property
    def is_private(self) -> bool:
        chat = self.update.effective_chat
        return chat is not None and chat.type == "private"

    @property
    def message(self) -> Message | None:
        """The message that carried the command, or the one the pressed button sits on."""
        query = self.update.callback_query
        if query is not None and isinstance(query.message, Message):
            return query.message
        return self.update.effective_message

    def t(self, key: str, /, **params: Any) -> Markup:
        """The catalogue text for `key` in this user's language."""
        return render(self.locale, key, **params)

    async def reply(self, text: str, buttons: Buttons | None = None) -> Message:
        """Send HTML `text` here, split under Telegram's limit; buttons go on the last part.

        A status message shown meanwhile (a wait for KIS) is replaced by the first part.
        """
        await self.status_shown()
        parts = split_message(text)
        sent: Message | None = None
        for index, part in enumerate(parts):
            markup = keyboard(buttons) if index == len(parts) - 1 else None
            status, self.status = self.status, None
            if status is not None and await _edit(status, part, markup):
                sent = status
                continue
            sent = await self.context.bot.send_message(
                self.chat_id,
                part,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                disable_web_page_preview=True,
            )
        assert sent is not None
        return sent

    async def reply_photo(
        self, png: bytes, caption: str, buttons: Buttons | None = None
    ) -> Message:
        return await self.context.bot.send_photo(
            self.chat_id,
            png,
            caption=cut_message(caption, CAPTION_LIMIT),
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard(buttons),
        )

    async def edit(self, text: str, buttons: Buttons | None = None) -> None:
        """Replace the text (and buttons) of the message a pressed button sits on."""
        message = self.message
        if message is not None:
            await _edit(message, cut_message(text), keyboard(buttons))

    async def answer(self, text: str | None = None, *, alert: bool = False) -> None:
        """Answer the pressed button (once); a short text shows as a toast."""
        query = self.update.callback_query
        if query is None or self.answered:
            return
        self.answered = True
        with contextlib.suppress(BadRequest):  # an old query can no longer be answered
            await query.answer(_plain(text) if text else None, show_alert=alert)

    async def say(self, text: str) -> None:
        """A short answer: a toast for a button press not yet answered, a message otherwise."""
        if self.update.callback_query is not None and not self.answered:
            await self.answer(text)
        else:
            await self.reply(text)

    def token_wait(self, wait: TokenWait) -> None:
        """A KIS call of this turn waits for KIS's token window: say so now, not in a minute.

        Called by the KIS layer in the waiting task, so it only schedules the message.
        """
        text = self.t("common.token_wait", seconds=math.ceil(wait.seconds))
        earlier = self._showing

        async def show() -> None:
            if earlier is not None:
                await earlier
            with contextlib.suppress(TelegramError):
                await self.show_status(text)

        self._showing = asyncio.create_task(show(), name="token-wait-status")

    async def status_shown(self) -> None:
        """Let a status on its way arrive first, so the reply can replace it."""
        if self._showing is not None:
            showing, self._showing = self._showing, None
            await showing

    async def show_status(self, text: str) -> None:
        """Tell the user what is taking long: a toast for a press (if not yet answered), a
        message for a command, which the reply then replaces."""
        if self.update.callback_query is not None:
            await self.answer(text)
            return
        if self.status is not None:
            await _edit(self.status, text, None)
            return
        self.status = await self.context.bot.send_message(
            self.chat_id, text, parse_mode=ParseMode.HTML
        )


async def edit_message_at(context: Context, chat_id: int, message_id: int, text: str) -> None:
    """Replace the text of a message the bot sent earlier (buttons go); quiet if Telegram will
    not (deleted, too old, or unchanged)."""
    with contextlib.suppress(TelegramError):
        await context.bot.edit_message_text(
            cut_message(text), chat_id=chat_id, message_id=message_id, parse_mode=ParseMode.HTML
        )


def keyboard(buttons: Buttons | None) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(label, callback_data=encode(meaning)) for label, meaning in row]
            for row in buttons
        ]
    )


def core_of(context: Context) -> Core:
    return context.application.bot_data[CORE_KEY]


def settings_of(context: Context) -> Settings:
    return context.application.bot_data[SETTINGS_KEY]


async def locale_of(core: Core, user_id: int) -> str:
    """The user's /lang choice, or KISBOT_LOCALE."""
    return await core.accounts.locale(user_id) or core.default_locale


async def make_turn(update: Update, context: Context) -> Turn:
    core = core_of(context)
    user = update.effective_user
    chat = update.effective_chat
    user_id = user.id if user else 0
    return Turn(
        update=update,
        context=context,
        core=core,
        user_id=user_id,
        chat_id=chat.id if chat else user_id,
        locale=await locale_of(core, user_id),
        args=list(context.args or []),
    )


async def run_turn(
    turn: Turn, label: str, work: Callable[[], Awaitable[None]], usage: str | None = None
) -> None:
    """Run a handler's work: answer problems and KIS errors, answer the press in time, log.

    `usage` is the text key of the command's usage line, added to problems that come from
    naming the stock (the resolver cannot know which command it serves).
    """
    outcome = "ok"
    deadline = _answer_in_time(turn)
    try:
        with notify_token_waits(turn.token_wait):
            await work()
    except Problem as problem:
        outcome = f"problem:{problem.key}"
        text = turn.t(problem.key, **problem.params)
        if usage is not None and problem.key.startswith(_STOCK_PROBLEMS):
            text = Markup(f"{text}\n{turn.t('common.usage', line=turn.t(usage))}")
        await turn.say(text)
    except KisError as error:
        outcome = f"kis:{type(error).__name__}:{getattr(error, 'msg_cd', '')}"
        await turn.say(kis_error_text(turn, error))
    except Exception:
        outcome = "error"
        raise
    finally:
        if deadline is not None:
            deadline.cancel()
        await turn.status_shown()
        await turn.answer()
        logger.info("user=%s %s outcome=%s", turn.user_id, label, outcome)


def _answer_in_time(turn: Turn) -> asyncio.Task[None] | None:
    if turn.update.callback_query is None:
        return None

    async def answer_late() -> None:
        await asyncio.sleep(ANSWER_DEADLINE)
        await turn.answer(turn.t("common.working"))

    return asyncio.create_task(answer_late(), name="answer-press")


def kis_error_text(turn: Turn, error: KisError) -> Markup:
    """What the user reads for a KIS failure: KIS's own msg1 whenever KIS gave one."""
    if isinstance(error, KisOutcomeUnknown):
        return turn.t("common.outcome_unknown")
    if isinstance(error, KisNotSupportedInMock):
        return turn.t("common.not_in_mock")
    if isinstance(error, KisUnavailable):
        return turn.t("common.kis_unavailable")
    if isinstance(error, KisAuthError):
        return turn.t("common.kis_auth", msg1=error.msg1, msg_cd=error.msg_cd)
    if isinstance(error, KisRateLimited):
        return turn.t("common.kis_busy")
    if isinstance(error, KisRefusal):
        return turn.t("common.kis_refusal", msg1=error.msg1 or error.msg_cd, msg_cd=error.msg_cd)
    return turn.t("common.kis_unavailable")


async def _edit(message: Message, text: str, markup: InlineKeyboardMarkup | None) -> bool:
    """Edit a message's text; False when Telegram would not (gone, too old, unchanged)."""
    try:
        await message.edit_text(
            text, parse_mode=ParseMode.HTML, reply_markup=markup, disable_web_page_preview=True
        )
    except BadRequest as error:
        return "not modified" in error.message.lower()
    return True


def _plain(text: str) -> str:
    """Toasts do not render HTML: drop the tags and keep it within Telegram's limit."""
    plain = html.unescape(_TAG.sub("", text))
    return plain if len(plain) <= TOAST_LIMIT else plain[: TOAST_LIMIT - 1] + "…"
