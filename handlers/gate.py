"""KISBOT_ALLOWED_USERS, checked for every update before any feature sees it."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, TypeHandler

from handlers.common import Context, locale_of, services_of
from handlers.i18n import render

logger = logging.getLogger(__name__)

GATE_GROUP = -100


async def refuse_strangers(update: Update, context: Context) -> None:
    """Stop updates from users not on the allow list: a short refusal, nothing else."""
    services = services_of(context)
    allowed = services.settings.allowed_users
    user = update.effective_user
    if not allowed or (user is not None and user.id in allowed):
        return
    text = render(await locale_of(services, user.id if user else 0), "common.not_allowed")
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    elif update.effective_message is not None and update.effective_chat is not None:
        message = update.effective_message
        if message.text and message.text.startswith("/"):
            await context.bot.send_message(update.effective_chat.id, text)
    logger.info("user=%s refused: not on KISBOT_ALLOWED_USERS", user.id if user else "?")
    raise ApplicationHandlerStop


def register(application: Application) -> None:
    application.add_handler(TypeHandler(Update, refuse_strangers), group=GATE_GROUP)
