"""The one error handler: log what failed without secrets, tell the user without a traceback."""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.error import Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application

from handlers.common import Context, core_of, locale_of
from handlers.i18n import render

logger = logging.getLogger(__name__)


async def on_error(update: object, context: Context) -> None:
    """Log the failure (type and where, never arguments) and apologise to the user."""
    error = context.error
    if isinstance(error, (RetryAfter, NetworkError, Forbidden)):
        logger.warning("telegram: %s", type(error).__name__)
        return
    logger.error("unhandled %s", type(error).__name__, exc_info=error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    user_id = update.effective_user.id if update.effective_user else 0
    text = render(await locale_of(core_of(context), user_id), "common.internal_error")
    with contextlib.suppress(TelegramError):
        if update.callback_query is not None:
            await update.callback_query.answer(text)
        else:
            await context.bot.send_message(update.effective_chat.id, text)


def register(application: Application) -> None:
    application.add_error_handler(on_error)
