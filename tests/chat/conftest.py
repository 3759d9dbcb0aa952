"""A local Bot API and a tiny PTB bot polling it, for the chat tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from kisbot.chat.botapi import LocalBotApi
from tests.fakes.botapi import builder_for, polling

TOKEN = "123456789:AAtest-secret-token-for-the-local-api"
# A PNG header says 640x480; the stub reads the size from it.
CHART = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + (640).to_bytes(4) + (480).to_bytes(4) + b"rest"


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greets with two buttons."""
    assert update.message is not None
    keyboard = [
        [
            InlineKeyboardButton("확인", callback_data="confirm"),
            InlineKeyboardButton("취소", callback_data="cancel"),
        ]
    ]
    await update.message.reply_text(
        "<b>안녕하세요</b> &amp; 환영합니다",
        parse_mode="HTML",
        reply_markup=InlineKeyboardMarkup(keyboard),
    )


async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answers the press and edits the message to say which button it was."""
    query = update.callback_query
    assert query is not None
    await query.answer(f"{query.data} 처리됨")
    await query.edit_message_text(f"선택: {query.data}")


async def chart(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Sends a photo with a caption."""
    assert update.message is not None
    await update.message.reply_photo(CHART, caption="<i>삼성전자</i> 차트", parse_mode="HTML")


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Repeats the command's arguments, which only works if the command entity is right."""
    assert update.message is not None
    await update.message.reply_text("args: " + " ".join(context.args or []))


async def two(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Replies with two messages."""
    assert update.message is not None
    await update.message.reply_text(f"{update.message.text}: 하나")
    await update.message.reply_text(f"{update.message.text}: 둘")


async def secret(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Deletes the user's message (it held a secret), then confirms."""
    assert update.message is not None
    await update.message.delete()
    await update.effective_chat.send_message("저장했습니다")  # type: ignore[union-attr]


def tiny_bot(api: LocalBotApi) -> Application:
    app = builder_for(api, TOKEN).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("chart", chart))
    app.add_handler(CommandHandler("echo", echo))
    app.add_handler(CommandHandler("secret", secret))
    app.add_handler(CommandHandler(["two", "again"], two))
    app.add_handler(CallbackQueryHandler(pressed))
    return app


@pytest.fixture(autouse=True)
def _timedelta_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest.fixture
async def api() -> AsyncIterator[LocalBotApi]:
    async with LocalBotApi(TOKEN) as served:
        yield served


@pytest.fixture
async def bot(api: LocalBotApi) -> AsyncIterator[Application]:
    """The tiny bot, polling the local Bot API over loopback HTTP."""
    async with polling(tiny_bot(api)) as app:
        yield app
