"""/start, /help and /lang: what the bot does, its commands, the user's keys and language."""

from __future__ import annotations

import handlers.texts.start  # noqa: F401  (registers the texts)
from handlers.common import Turn
from handlers.i18n import Markup, render
from handlers.keys import key_lines

COMMAND_NAMES_KEY = "command_names"  # bot_data: the names of the command table, in its order


async def start(turn: Turn) -> None:
    """Greet the user: what the bot does, the commands, whether a key is registered."""
    if turn.is_private:
        await turn.core.accounts.remember_chat(turn.user_id, turn.chat_id)
    await turn.reply(Markup(f"{turn.t('start.greeting')}\n\n{await _help_text(turn)}"))


async def help_command(turn: Turn) -> None:
    """The commands with examples, and the user's keys."""
    await turn.reply(await _help_text(turn))


async def lang(turn: Turn) -> None:
    """Show the user's language, or set it (replies switch at once)."""
    if not turn.args:
        status = await turn.core.accounts.status(turn.user_id)
        default = turn.t("start.lang_default") if status.locale is None else ""
        await turn.reply(turn.t("start.lang_show", default=default))
        return
    locale = await turn.core.accounts.set_locale(turn.user_id, turn.args)
    await turn.reply(render(locale, "start.lang_set"))


async def _help_text(turn: Turn) -> Markup:
    names: tuple[str, ...] = turn.context.application.bot_data[COMMAND_NAMES_KEY]
    commands = "\n".join(
        [turn.t("start.commands_title"), *(turn.t(f"commands.{name}.help") for name in names)]
    )
    if not turn.is_private:  # which keys and accounts someone has is theirs alone
        return Markup(commands)
    status = await turn.core.accounts.status(turn.user_id)
    keys = turn.t("start.keys", keys=key_lines(turn, status)) if status.keys else None
    return Markup(f"{commands}\n\n{keys or turn.t('start.no_key')}")
