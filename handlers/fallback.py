"""Answers for everything no feature handles: unknown commands, plain text, stale buttons."""

from __future__ import annotations

from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

from handlers.common import Turn, button, command

# The same group as the features, registered after them: PTB runs the first handler of a group
# that matches, so a fallback answers only what no feature took.
FALLBACK_GROUP = 0


@command("unknown")
async def unknown_command(turn: Turn) -> None:
    """An unknown command points to /help."""
    await turn.reply(turn.t("common.unknown_command"))


@command("text")
async def plain_text(turn: Turn) -> None:
    """Plain text in a private chat gets a short hint."""
    await turn.reply(turn.t("common.plain_text_hint"))


@button("stale")
async def stale_button(turn: Turn) -> None:
    """A button no handler knows (an old message, a removed feature)."""
    await turn.answer(turn.t("common.stale_button"))


def register(application: Application) -> None:
    application.add_handler(MessageHandler(filters.COMMAND, unknown_command), group=FALLBACK_GROUP)
    application.add_handler(
        MessageHandler(filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE, plain_text),
        group=FALLBACK_GROUP,
    )
    application.add_handler(CallbackQueryHandler(stale_button), group=FALLBACK_GROUP)
