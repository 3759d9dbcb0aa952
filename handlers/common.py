"""What every handler shares: the services, the user's language, replies, buttons, and one log
line per command with its outcome.

A feature handler is `async def name(turn: Turn) -> None`, wrapped by `@command("price")` or
`@button("price")`. The wrapper builds the `Turn`, turns a `Problem` or a KIS error into a reply in
the user's language, and logs `user=… command=/price outcome=…` — never arguments, which may hold
secrets (/setkey).
"""

from __future__ import annotations

import contextlib
import html
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import ContextTypes

import handlers.texts.common  # noqa: F401  (registers the shared texts)
from handlers.format import split_message
from handlers.i18n import Markup, render
from kisbot.kis import (
    KisAuthError,
    KisError,
    KisNotSupportedInMock,
    KisOutcomeUnknown,
    KisRateLimited,
    KisRefusal,
    KisUnavailable,
)
from kisbot.problems import Problem
from kisbot.services import Services

logger = logging.getLogger(__name__)

SERVICES_KEY = "services"
_TAG = re.compile(r"<[^>]+>")
SETTINGS_KEY = "settings"

# Rows of (label, callback data). Callback data stays within Telegram's 64 bytes.
Buttons = Sequence[Sequence[tuple[str, str]]]
Context = ContextTypes.DEFAULT_TYPE


@dataclass(slots=True)
class Turn:
    """One update as a feature handler sees it."""

    update: Update
    context: Context
    services: Services
    user_id: int
    chat_id: int
    locale: str
    args: list[str] = field(default_factory=list)
    answered: bool = False

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
        """Send HTML `text` here, split under Telegram's limit; buttons go on the last part."""
        parts = split_message(text)
        sent: Message | None = None
        for index, part in enumerate(parts):
            markup = keyboard(buttons) if index == len(parts) - 1 else None
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
            caption=caption[:1024],
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard(buttons),
        )

    async def edit(self, text: str, buttons: Buttons | None = None) -> None:
        """Replace the text (and buttons) of the message a pressed button sits on."""
        message = self.message
        if message is None:
            return
        with contextlib.suppress(BadRequest):  # "message is not modified" is not a failure
            await message.edit_text(
                split_message(text)[0],
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard(buttons),
                disable_web_page_preview=True,
            )

    async def answer(self, text: str | None = None, *, alert: bool = False) -> None:
        """Answer the pressed button (once); a short text shows as a toast."""
        query = self.update.callback_query
        if query is None or self.answered:
            return
        self.answered = True
        with contextlib.suppress(BadRequest):  # an old query can no longer be answered
            await query.answer(text, show_alert=alert)

    async def say(self, text: str) -> None:
        """A short answer: a toast for a button press, a message for a command."""
        if self.update.callback_query is not None:
            await self.answer(_plain(text))
        else:
            await self.reply(text)


def keyboard(buttons: Buttons | None) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data) for text, data in row] for row in buttons]
    )


def services_of(context: Context) -> Services:
    return context.application.bot_data[SERVICES_KEY]


async def locale_of(services: Services, user_id: int) -> str:
    """The user's /lang choice, or KISBOT_LOCALE."""
    return await services.database.users.locale(user_id) or services.settings.locale


async def make_turn(update: Update, context: Context) -> Turn:
    services = services_of(context)
    user = update.effective_user
    chat = update.effective_chat
    user_id = user.id if user else 0
    return Turn(
        update=update,
        context=context,
        services=services,
        user_id=user_id,
        chat_id=chat.id if chat else user_id,
        locale=await locale_of(services, user_id),
        args=list(context.args or []),
    )


TurnHandler = Callable[[Turn], Awaitable[None]]
PtbCallback = Callable[[Update, Context], Awaitable[None]]


def command(name: str) -> Callable[[TurnHandler], PtbCallback]:
    """Wrap a feature handler for `/name`: build the Turn, answer problems, log the outcome."""
    return _wrap(f"/{name}")


def button(prefix: str) -> Callable[[TurnHandler], PtbCallback]:
    """Wrap a handler for buttons whose callback data start with `prefix:`."""
    return _wrap(f"button:{prefix}")


def _wrap(label: str) -> Callable[[TurnHandler], PtbCallback]:
    def decorate(handler: TurnHandler) -> PtbCallback:
        @wraps(handler)
        async def callback(update: Update, context: Context) -> None:
            turn = await make_turn(update, context)
            outcome = "ok"
            try:
                await handler(turn)
            except Problem as problem:
                outcome = f"problem:{problem.key}"
                await turn.say(turn.t(problem.key, **problem.params))
            except KisError as error:
                outcome = f"kis:{type(error).__name__}:{getattr(error, 'msg_cd', '')}"
                await turn.say(kis_error_text(turn, error))
            except Exception:
                outcome = "error"
                raise
            finally:
                await turn.answer()
                logger.info("user=%s %s outcome=%s", turn.user_id, label, outcome)

        return callback

    return decorate


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


def _plain(text: str) -> str:
    """Toasts do not render HTML: drop the tags and keep it short."""
    return html.unescape(_TAG.sub("", text))[:200]
