"""Run a real PTB Application against a LocalBotApi over loopback, the "level 2" way.

`run_polling` cannot run inside pytest's event loop, so its steps are done by hand: initialize,
post_init, start polling, start; and down: stop polling, stop, post_stop, shutdown,
post_shutdown.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram.ext import Application, ApplicationBuilder

from kisbot.chat.botapi import LocalBotApi


def builder_for(api: LocalBotApi, token: str) -> ApplicationBuilder:
    """An ApplicationBuilder pointed at the local Bot API."""
    return ApplicationBuilder().token(token).base_url(api.base_url).base_file_url(api.base_file_url)


@asynccontextmanager
async def polling(app: Application) -> AsyncIterator[Application]:
    """The application polling the local Bot API until the block ends."""
    await app.initialize()
    if app.post_init is not None:
        await app.post_init(app)
    assert app.updater is not None
    await app.updater.start_polling(timeout=1, poll_interval=0)
    await app.start()
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        if app.post_stop is not None:
            await app.post_stop(app)
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)
