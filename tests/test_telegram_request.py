"""The aiohttp Bot API request against the local Bot API: what PTB's own request would do."""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from kisbot.chat.botapi import LocalBotApi
from kisbot.chat.wire import Fault
from kisbot.telegram_request import AiohttpRequest

TOKEN = "700000002:AAE-Request-Test-Token_only-loopback"
# The smallest valid PNG (1×1, transparent); the bytes must arrive unchanged.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100ffff03000006000557bfabd40000000049454e44ae426082"
)


@pytest.fixture
async def api() -> AsyncIterator[LocalBotApi]:
    async with LocalBotApi(TOKEN) as server:
        yield server


@pytest.fixture
async def bot(api: LocalBotApi) -> AsyncIterator[Bot]:
    async with Bot(
        TOKEN,
        base_url=api.base_url,
        base_file_url=api.base_file_url,
        request=AiohttpRequest(),
        get_updates_request=AiohttpRequest(connection_pool_size=1),
    ) as client:
        yield client


async def test_a_message_arrives_as_sent_and_the_token_is_never_logged(
    api: LocalBotApi, bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    user = api.add_user("민수")
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("확인 & 취소", callback_data="c:1")]])
    sent = await bot.send_message(
        user.id, "<b>삼성전자</b> 71,000원 & ±0.5%", parse_mode=ParseMode.HTML, reply_markup=markup
    )

    [message] = api.messages(api.private_chat(user))
    assert message.message_id == sent.message_id
    assert message.text == "삼성전자 71,000원 & ±0.5%"
    assert message.buttons[0][0].text == "확인 & 취소"
    assert message.buttons[0][0].callback_data == "c:1"
    assert all(TOKEN not in record.getMessage() for record in caplog.records)
    assert all(TOKEN.split(":")[1] not in record.getMessage() for record in caplog.records)


async def test_a_photo_is_uploaded_as_multipart_with_its_caption(
    api: LocalBotApi, bot: Bot
) -> None:
    user = api.add_user("민수")
    await bot.send_photo(user.id, PNG, caption="<b>일간</b> 리포트", parse_mode=ParseMode.HTML)

    [message] = api.messages(api.private_chat(user))
    assert message.photo is not None
    assert message.photo.data == PNG
    assert message.caption == "일간 리포트"
    downloaded = await (await bot.get_file(message.photo.file_id)).download_as_bytearray()
    assert bytes(downloaded) == PNG  # a GET through the same request


async def test_an_update_comes_through_long_polling(api: LocalBotApi, bot: Bot) -> None:
    user = api.add_user("민수")
    api.send_text(user, "/price 005930")

    [update] = await bot.get_updates(timeout=1)

    assert update.message is not None
    assert update.message.text == "/price 005930"


async def test_429_is_retry_after(
    api: LocalBotApi, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")  # as kisbot.app sets it
    user = api.add_user("민수")
    api.fail_next("sendMessage", Fault.too_many_requests(7))

    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(user.id, "hi")

    assert raised.value.retry_after == timedelta(seconds=7)
    await bot.send_message(user.id, "again")  # only the next call was refused
    assert [m.text for m in api.messages(api.private_chat(user))] == ["again"]


async def test_400_is_bad_request_with_telegrams_description(api: LocalBotApi, bot: Bot) -> None:
    user = api.add_user("민수")
    api.fail_next("deleteMessage", Fault(400, "Bad Request: message can't be deleted"))

    with pytest.raises(BadRequest, match="can't be deleted"):
        await bot.delete_message(user.id, 1)


async def test_a_read_past_its_timeout_is_timed_out(api: LocalBotApi) -> None:
    request = AiohttpRequest(read_timeout=0.1)
    await request.initialize()
    try:
        with pytest.raises(TimedOut):  # the long poll holds the answer for 5 s
            await request.post(
                f"{api.base_url}{TOKEN}/getUpdates",
                RequestData([RequestParameter.from_input("timeout", 5)]),
            )
    finally:
        await request.shutdown()


async def test_a_closed_port_is_a_network_error_without_the_token() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    request = AiohttpRequest(connect_timeout=2.0)
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as raised:
            await request.post(f"http://127.0.0.1:{port}/bot{TOKEN}/sendMessage")
    finally:
        await request.shutdown()

    assert not isinstance(raised.value, TimedOut)
    assert TOKEN.split(":")[1] not in str(raised.value)


async def test_a_dropped_connection_is_a_network_error(api: LocalBotApi, bot: Bot) -> None:
    user = api.add_user("민수")
    api.fail_next("sendMessage", Fault.dropped_connection())

    with pytest.raises(NetworkError) as raised:
        await bot.send_message(user.id, "hi")

    assert TOKEN.split(":")[1] not in str(raised.value)


async def test_the_session_is_owned_from_initialize_to_shutdown(api: LocalBotApi) -> None:
    request = AiohttpRequest(read_timeout=3.0)
    assert request.read_timeout == 3.0
    await request.initialize()
    await request.shutdown()
    await request.shutdown()  # twice is harmless

    with pytest.raises(NetworkError, match="not initialized"):  # PTB wraps the RuntimeError
        await request.post(f"{api.base_url}{TOKEN}/getMe")

    await request.initialize()  # a new session after a shutdown
    me = await request.post(f"{api.base_url}{TOKEN}/getMe")
    await request.shutdown()
    assert isinstance(me, dict)
    assert me["username"] == "kisbot_local_bot"
