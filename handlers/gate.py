"""What reaches the features at all, decided for every update before any feature sees it.

- Channel posts and edits of old messages are ignored: a channel is not a user, and an edited
  "/buy" must not draft a second order.
- Users not on KISBOT_ALLOWED_USERS get a short refusal and nothing else; a /setkey they send
  is deleted first, since it holds their key and secret.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationHandlerStop, TypeHandler

from handlers.common import Context, core_of, locale_of, settings_of
from handlers.i18n import render

logger = logging.getLogger(__name__)

GATE_GROUP = -100


async def gate(update: Update, context: Context) -> None:
    """Stop what no feature should see; let the rest through."""
    if update.message is None and update.callback_query is None:
        raise ApplicationHandlerStop  # channel posts, edits and other update kinds
    allowed = settings_of(context).allowed_users
    user = update.effective_user
    if not allowed or (user is not None and user.id in allowed):
        return
    await _refuse(update, context)
    logger.info("user=%s refused: not on KISBOT_ALLOWED_USERS", user.id if user else "?")
    raise ApplicationHandlerStop


async def _refuse(update: Update, context: Context) -> None:
    user = update.effective_user
    text = render(await locale_of(core_of(context), user.id if user else 0), "common.not_allowed")
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
        return
    message = update.message
    if message is None or not message.text or not message.text.startswith("/"):
        return
    if _carries_a_key(message.text):
        try:
            await message.delete()
        except TelegramError as error:
            logger.warning("a stranger's /setkey was not deleted: %s", type(error).__name__)
    await context.bot.send_message(message.chat_id, text)


def _carries_a_key(text: str) -> bool:
    command, _, rest = text.partition(" ")
    return command.split("@", 1)[0].lower() == "/setkey" and bool(rest.strip())


def register(application: Application) -> None:
    application.add_handler(TypeHandler(Update, gate), group=GATE_GROUP)
