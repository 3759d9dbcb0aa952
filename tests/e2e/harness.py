"""The whole bot, for end-to-end tests: the real Application polling a local Bot API over
loopback, with the KIS sandbox and SQLite behind it, run the way `run_polling` runs it.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from telegram.ext import Application

from kisbot.app import build_application, start_in_loop, stop_in_loop
from kisbot.chat.botapi import LocalBotApi
from kisbot.chat.models import Chat, Message, User
from kisbot.clock import Clock, ManualClock, SystemClock
from kisbot.config import Settings, load_settings
from kisbot.core import Core
from kisbot.kis import Account, Credential, Environment
from kisbot.sandbox import Sandbox
from kisbot.services import Services
from kisbot.store.vault import generate_key

BOT_TOKEN = "700000001:AAE2e-Harness-Token-For-Tests-Only_xyz"
_accounts = itertools.count(1)


class BotHarness:
    """Start with `async with BotHarness(tmp_path) as bot:`; then act as users."""

    def __init__(
        self,
        data_dir: Path,
        *,
        env: Mapping[str, str] | None = None,
        clock: Clock | None = None,
        sandbox: Sandbox | None = None,
        master_key: str | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.extra_env = dict(env or {})
        self.clock = clock or SystemClock()
        self.sandbox = sandbox or Sandbox(
            real_rate=0,
            mock_rate=0,
            token_interval=0,
            seed=7,
            walk_interval=0,
            approval_interval=0,
            ping_interval=0,
        )
        self._owns_sandbox = sandbox is None
        self.master_key = master_key or generate_key()
        self.api = LocalBotApi(BOT_TOKEN)
        self.application: Application | None = None
        self.settings: Settings | None = None
        self._stack = AsyncExitStack()

    async def __aenter__(self) -> BotHarness:
        if self._owns_sandbox:
            await self._stack.enter_async_context(self.sandbox)
        await self._stack.enter_async_context(self.api)
        self.settings = load_settings(self.environment())
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        try:
            await self.stop()
        finally:
            await self._stack.aclose()

    def environment(self) -> dict[str, str]:
        return {
            "KISBOT_TELEGRAM_TOKEN": BOT_TOKEN,
            "KISBOT_TELEGRAM_API_URL": self.api.root_url,
            "KISBOT_KIS_REAL_URL": self.sandbox.real_url,
            "KISBOT_KIS_MOCK_URL": self.sandbox.mock_url,
            "KISBOT_KIS_REAL_WS_URL": self.sandbox.real_ws_url,
            "KISBOT_KIS_MOCK_WS_URL": self.sandbox.mock_ws_url,
            "KISBOT_SYMBOLS_URL": self.sandbox.files_url,
            "KISBOT_DATA_DIR": str(self.data_dir),
            "KISBOT_MASTER_KEY": self.master_key,
            "KISBOT_KIS_REAL_RATE": "0",
            "KISBOT_KIS_MOCK_RATE": "0",
            "KISBOT_MARKET_HOURS_ONLY": "false",
            "KISBOT_ALERT_INTERVAL": "3600",
            # The WebSocket's own tests turn it on; the rest run on polling, as before it.
            "KISBOT_REALTIME": "false",
            **self.extra_env,
        }

    async def start(self) -> None:
        """Run the Application like run_polling does, inside the test's event loop."""
        assert self.settings is not None
        app = build_application(self.settings, clock=self.clock, rate_limiter=False)
        await start_in_loop(app)
        self.application = app
        await self.api.wait_until_polling()

    async def stop(self) -> None:
        app, self.application = self.application, None
        if app is not None:
            await stop_in_loop(app)

    async def restart(self) -> None:
        """Stop and start the bot on the same data directory (a process restart)."""
        await self.stop()
        await self.start()

    @property
    def services(self) -> Services:
        assert self.application is not None
        return self.application.bot_data["services"]

    @property
    def core(self) -> Core:
        assert self.application is not None
        return self.application.bot_data["core"]

    # -- acting as users ----------------------------------------------------------------

    def user(self, first_name: str = "Tester", **kwargs: Any) -> User:
        return self.api.add_user(first_name, **kwargs)

    def chat(self, user: User) -> Chat:
        return self.api.private_chat(user)

    async def send(
        self, user: User, text: str, *, replies: int = 1, chat: Chat | None = None
    ) -> list[Message]:
        """The user writes `text`; returns the bot's new messages once `replies` have come."""
        where = chat or self.chat(user)
        before = len(self.api.transcript(where))
        self.api.send_text(user, text, chat=where)
        messages = await self.api.wait_for_messages(where, before + replies, timeout=10)
        return messages[before:]

    async def reply_text(self, user: User, text: str) -> str:
        """The text of the bot's (first) reply to `text`."""
        (message, *_) = await self.send(user, text)
        return message.text or message.caption or ""

    async def press(self, user: User, message: Message, callback_data: str) -> str:
        """Press a button and return the bot's answer text (the toast), '' if none."""
        query = self.api.press_button(user, message, callback_data)
        answer = await self.api.wait_for_answer(query, timeout=10)
        return answer.text or ""

    async def register_key(
        self, user: User, environment: Environment = Environment.MOCK, *, hts_id: str | None = None
    ) -> Credential:
        """Store a sandbox credential for `user` directly in the store (no /setkey round trip)."""
        account = Account.parse(f"5{next(_accounts):07d}-01")
        credential = Credential(
            f"APPKEY{user.id}{environment.value}",
            f"SECRET{user.id}",
            account,
            environment,
            hts_id=hts_id,
        )
        await self.services.database.credentials.put(user.id, credential)
        return credential


@asynccontextmanager
async def bot_at(tmp_path: Path, when: datetime, **env: str) -> AsyncIterator[BotHarness]:
    """A bot and its sandbox on one manual clock set to `when` (sleeps jump ahead)."""
    clock = ManualClock(when, autojump=True)
    sandbox = Sandbox(
        real_rate=0, mock_rate=0, token_interval=0, seed=7, walk_interval=0,
        approval_interval=0, ping_interval=0, clock=clock,
    )  # fmt: skip
    async with sandbox, BotHarness(tmp_path, env=env, clock=clock, sandbox=sandbox) as bot:
        yield bot
