"""Answers for what no command handles: unknown commands and plain text in a private chat."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, MessageHandler, filters

from handlers.common import Context, make_turn, run_turn

# The same group as the commands, registered after them: PTB runs the first handler of a group
# that matches, so a fallback answers only what no command took.
FALLBACK_GROUP = 0


async def unknown_command(update: Update, context: Context) -> None:
    """An unknown command points to /help (one addressed to another bot is not ours)."""
    message = update.effective_message
    command = (message.text or "").split(maxsplit=1)[0] if message else ""
    _, at, addressee = command.partition("@")
    if at and addressee.lower() != (context.bot.username or "").lower():
        return
    turn = await make_turn(update, context)
    await run_turn(turn, "/unknown", lambda: turn.reply(turn.t("common.unknown_command")))


async def plain_text(update: Update, context: Context) -> None:
    """Plain text in a private chat gets a short hint."""
    turn = await make_turn(update, context)
    await run_turn(turn, "text", lambda: turn.reply(turn.t("common.plain_text_hint")))


def register(application: Application) -> None:
    application.add_handler(MessageHandler(filters.COMMAND, unknown_command), group=FALLBACK_GROUP)
    application.add_handler(
        MessageHandler(filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE, plain_text),
        group=FALLBACK_GROUP,
    )
