"""The commands and buttons, as data: one table each, read by registration, setMyCommands,
/help and the tests.

Adding a command is a row here, its handler in a feature module, and its texts (including
`commands.<name>.menu` and `commands.<name>.help`) in that feature's texts module.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from handlers import account, alerts, confirm, keys, quotes, start, trading
from handlers.callbacks import (
    AlertPick,
    AlertPrice,
    AlertRemove,
    CancelOrder,
    Confirm,
    DailyPick,
    OrderPick,
    PricePick,
    PriceRefresh,
    decode,
)
from handlers.common import Context, Turn, core_of, make_turn, run_turn

CommandFunction = Callable[[Turn], Awaitable[None]]
ButtonFunction = Callable[[Turn, Any], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    run: CommandFunction
    # Shows the user's account (holdings, orders, keys): refused in groups, with a pointer to
    # the private chat. Quotes and charts may be asked for anywhere.
    private: bool = False


COMMANDS: tuple[Command, ...] = (
    Command("start", start.start),
    Command("help", start.help_command),
    Command("price", quotes.price_command),
    Command("daily", quotes.daily_command),
    Command("balance", account.balance_command, private=True),
    Command("buy", trading.buy, private=True),
    Command("sell", trading.sell, private=True),
    Command("orders", trading.orders, private=True),
    Command("cancel", trading.cancel, private=True),
    Command("modify", trading.modify, private=True),
    Command("alert", alerts.alert, private=True),
    Command("alerts", alerts.alerts, private=True),
    Command("unalert", alerts.unalert, private=True),
    Command("setkey", keys.setkey),  # refuses groups itself, after deleting the message
    Command("mode", keys.mode, private=True),
    Command("lang", start.lang),
    Command("forget", keys.forget, private=True),
)

BUTTONS: dict[type, ButtonFunction] = {
    Confirm: confirm.on_press,
    PriceRefresh: quotes.price_refreshed,
    PricePick: quotes.price_refreshed,
    DailyPick: quotes.daily_picked,
    OrderPick: trading.order_picked,
    CancelOrder: trading.cancel_pressed,
    AlertPick: alerts.alert_picked,
    AlertRemove: alerts.alert_removed,
    AlertPrice: quotes.price_toast,
}


def register(application: Application) -> None:
    """Add a handler per command and the one handler every button press goes through."""
    application.bot_data[start.COMMAND_NAMES_KEY] = tuple(command.name for command in COMMANDS)
    for command in COMMANDS:
        application.add_handler(CommandHandler(command.name, _command_callback(command)))
    application.add_handler(CallbackQueryHandler(on_button))


def _command_callback(command: Command) -> Callable[[Update, Context], Awaitable[None]]:
    async def callback(update: Update, context: Context) -> None:
        with core_of(context).accounts.one_read_per_update():
            turn = await make_turn(update, context)

            async def work() -> None:
                if command.private and not turn.is_private:
                    bot = context.bot.username or ""
                    await turn.reply(turn.t("common.private_only", command=command.name, bot=bot))
                    return
                await command.run(turn)

            await run_turn(turn, f"/{command.name}", work, usage=f"commands.{command.name}.help")

    callback.__name__ = f"on_{command.name}"
    return callback


async def on_button(update: Update, context: Context) -> None:
    """Every press: decode its data, then run the feature's handler for that kind of button."""
    with core_of(context).accounts.one_read_per_update():
        turn = await make_turn(update, context)
        query = update.callback_query
        callback = decode(query.data if query else None)
        handler = BUTTONS.get(type(callback))
        label = f"button:{callback.TAG if callback else 'invalid'}"

        async def work() -> None:
            if callback is None or handler is None:  # forged, damaged or from a removed feature
                await turn.answer(turn.t("common.stale_button"))
                return
            await handler(turn, callback)

        await run_turn(turn, label, work)
