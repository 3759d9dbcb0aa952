"""/start, /help and /lang: what the bot does, its commands, the user's keys and language."""

from __future__ import annotations

from telegram.ext import Application, CommandHandler

import handlers.texts.start  # noqa: F401  (registers the texts)
from handlers.common import Turn, command
from handlers.i18n import Markup, render
from handlers.keys import key_lines
from kisbot.accounts import Accounts
from kisbot.problems import Problem

_LOCALE_WORDS = {"ko": "ko", "kr": "ko", "한국어": "ko", "en": "en", "english": "en", "영어": "en"}


@command("start")
async def start(turn: Turn) -> None:
    """Greet the user: what the bot does, the commands, whether a key is registered."""
    if turn.is_private:
        await Accounts(turn.services).remember_chat(turn.user_id, turn.chat_id)
    await turn.reply(Markup(f"{turn.t('start.greeting')}\n\n{await _help_text(turn)}"))


@command("help")
async def help_command(turn: Turn) -> None:
    """The commands with examples, and the user's keys."""
    await turn.reply(await _help_text(turn))


@command("lang")
async def lang(turn: Turn) -> None:
    """Show the user's language, or set it (replies switch at once)."""
    if len(turn.args) > 1:
        raise Problem("start.lang_usage")
    accounts = Accounts(turn.services)
    if not turn.args:
        status = await accounts.status(turn.user_id)
        default = turn.t("start.lang_default") if status.locale is None else ""
        await turn.reply(turn.t("start.lang_show", default=default))
        return
    locale = _LOCALE_WORDS.get(turn.args[0].lower(), turn.args[0])
    await accounts.set_locale(turn.user_id, locale)
    await turn.reply(render(locale, "start.lang_set"))


async def _help_text(turn: Turn) -> Markup:
    status = await Accounts(turn.services).status(turn.user_id)
    keys = turn.t("start.keys", keys=key_lines(turn, status)) if status.keys else None
    return Markup(f"{turn.t('start.commands')}\n\n{keys or turn.t('start.no_key')}")


def register(application: Application) -> None:
    """Add this feature's handlers."""
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CommandHandler("help", help_command))
    application.add_handler(CommandHandler("lang", lang))
