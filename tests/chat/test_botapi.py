"""The local Bot API as a real PTB 22 bot sees it, over loopback HTTP."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta

import httpx
import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import Application

from kisbot.chat.botapi import LocalBotApi
from kisbot.chat.wire import Fault
from tests.chat.conftest import CHART, TOKEN, tiny_bot
from tests.fakes.botapi import builder_for


async def test_start_reply_arrives_with_its_buttons_and_html_parsed(
    api: LocalBotApi, bot: Application
) -> None:
    user = api.add_user("민수")
    api.send_text(user, "/start")
    [reply] = await api.wait_for_messages(api.private_chat(user), 1)
    assert reply.text == "안녕하세요 & 환영합니다"
    assert reply.entities == [{"type": "bold", "offset": 0, "length": 5}]
    assert [b.text for b in reply.flat_buttons] == ["확인", "취소"]
    assert reply.button_data("취소") == "cancel"
    assert reply.parse_mode == "HTML"
    assert abs(reply.date - time.time()) < 60


async def test_pressing_a_button_answers_and_edits_the_message(
    api: LocalBotApi, bot: Application
) -> None:
    user = api.add_user()
    chat = api.private_chat(user)
    api.send_text(user, "/start")
    [greeting] = await api.wait_for_messages(chat, 1)
    query = api.press_button(user, greeting, "confirm")
    answer = await api.wait_for_answer(query)
    await api.changed.wait_until(lambda: greeting.edits == 1, timeout=5)
    assert answer.text == "confirm 처리됨"
    assert greeting.text == "선택: confirm"
    assert greeting.buttons == []  # an edit without reply_markup removes the keyboard
    assert len(api.transcript(chat)) == 1


async def test_command_entity_lets_the_bot_read_its_arguments(
    api: LocalBotApi, bot: Application
) -> None:
    user = api.add_user()
    sent = api.send_text(user, "/echo 005930 10")
    assert sent.entities == [{"type": "bot_command", "offset": 0, "length": 5}]
    [reply] = await api.wait_for_messages(api.private_chat(user), 1)
    assert reply.text == "args: 005930 10"


async def test_group_command_addressed_to_the_bot_is_answered_in_the_group(
    api: LocalBotApi, bot: Application
) -> None:
    user = api.add_user()
    group = api.add_group("투자 모임")
    api.send_text(user, "/echo@kisbot_local_bot 000660", chat=group)
    [reply] = await api.wait_for_messages(group, 1)
    assert reply.text == "args: 000660"
    assert api.transcript(api.private_chat(user)) == []


async def test_photo_upload_keeps_its_bytes_and_caption(api: LocalBotApi, bot: Application) -> None:
    user = api.add_user()
    api.send_text(user, "/chart")
    [photo] = await api.wait_for_messages(api.private_chat(user), 1)
    assert photo.photo is not None and photo.photo.data == CHART
    assert photo.caption == "삼성전자 차트"
    [sent] = api.calls_of("sendPhoto")
    assert sent.params["photo"].data == CHART


async def test_identical_edit_is_refused_as_not_modified(
    api: LocalBotApi, bot: Application
) -> None:
    user = api.add_user()
    message = await bot.bot.send_message(user.id, "가격 71,000원")
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.bot.edit_message_text("가격 71,000원", chat_id=user.id, message_id=message.id)
    await bot.bot.edit_message_text("가격 72,000원", chat_id=user.id, message_id=message.id)
    assert api.transcript(api.private_chat(user))[0].text == "가격 72,000원"


async def test_callback_data_is_limited_to_64_bytes(api: LocalBotApi, bot: Application) -> None:
    user = api.add_user()

    def keyboard(data: str) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup([[InlineKeyboardButton("확인", callback_data=data)]])

    # Bytes, not characters: 21 Hangul syllables are 63 bytes, 22 are 66.
    await bot.bot.send_message(user.id, "ok", reply_markup=keyboard("가" * 21))
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.bot.send_message(user.id, "too long", reply_markup=keyboard("가" * 22))
    assert [m.text for m in api.transcript(api.private_chat(user))] == ["ok"]


async def test_telegram_length_and_markup_rules_are_enforced(
    api: LocalBotApi, bot: Application
) -> None:
    user = api.add_user()
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.bot.send_message(user.id, "가" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)caption is too long"):
        await bot.bot.send_photo(user.id, CHART, caption="x" * 1025)
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.bot.send_message(user.id, "1 < 2 <b>bold", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.bot.delete_message(user.id, 999)
    await bot.bot.send_message(user.id, "가" * 4096)


async def test_rate_limit_surfaces_as_retry_after_then_sending_works(
    api: LocalBotApi, bot: Application
) -> None:
    user = api.add_user()
    api.fail_next("sendMessage", Fault.too_many_requests(7))
    with pytest.raises(RetryAfter) as raised:
        await bot.bot.send_message(user.id, "첫 시도")
    assert raised.value.retry_after == timedelta(seconds=7)
    await bot.bot.send_message(user.id, "다시")
    assert [m.text for m in api.transcript(api.private_chat(user))] == ["다시"]
    assert [c.status for c in api.calls_of("sendMessage")] == [429, 200]


async def test_user_who_blocked_the_bot_is_forbidden(api: LocalBotApi, bot: Application) -> None:
    user = api.add_user()
    api.block(user)
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.bot.send_message(user.id, "알림")
    api.unblock(user)
    await bot.bot.send_message(user.id, "알림")


async def test_server_errors_and_dropped_connections_are_network_errors(
    api: LocalBotApi, bot: Application
) -> None:
    user = api.add_user()
    api.fail_next("sendMessage", Fault.server_error())
    api.fail_next("sendMessage", Fault.dropped_connection())
    with pytest.raises(NetworkError, match=r"(?i)Internal Server Error"):
        await bot.bot.send_message(user.id, "1")
    with pytest.raises(NetworkError):
        await bot.bot.send_message(user.id, "2")
    await bot.bot.send_message(user.id, "3")
    assert [m.text for m in api.transcript(api.private_chat(user))] == ["3"]


async def test_bot_start_calls_are_recorded_in_order(api: LocalBotApi, bot: Application) -> None:
    await api.wait_until_polling()
    assert [call.method for call in api.calls][:2] == ["getMe", "deleteWebhook"]
    await bot.bot.set_my_commands([("price", "현재가"), ("balance", "잔고")])
    assert [c.command for c in await bot.bot.get_my_commands()] == ["price", "balance"]


async def test_shutdown_does_not_wait_out_a_long_poll(api: LocalBotApi) -> None:
    app = tiny_bot(api)
    await app.initialize()
    assert app.updater is not None
    await app.updater.start_polling(timeout=30, poll_interval=0)
    await app.start()
    await api.wait_until_polling()
    started = time.monotonic()
    async with asyncio.timeout(5):
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        await api.close()
    assert time.monotonic() - started < 5


async def test_wrong_token_is_unauthorized_and_unknown_method_is_bad_request(
    api: LocalBotApi,
) -> None:
    async with httpx.AsyncClient(base_url=api.root_url) as client:
        wrong = await client.post("/bot999:wrong/getMe")
        unknown = await client.post(f"/bot{TOKEN}/sendTelepathy")
    assert wrong.status_code == 401 and wrong.json()["ok"] is False
    assert unknown.status_code == 400
    assert unknown.json()["description"].startswith("Bad Request")
    with pytest.raises(InvalidToken):
        await builder_for(api, "999:wrong").build().bot.get_me()


async def test_json_body_calls_are_understood_like_form_calls(api: LocalBotApi) -> None:
    user = api.add_user()
    button = {"text": "새로고침", "callback_data": "refresh:005930"}
    body = {"chat_id": user.id, "text": "현재가", "reply_markup": {"inline_keyboard": [[button]]}}
    async with httpx.AsyncClient(base_url=api.root_url) as client:
        answer = await client.post(f"/bot{TOKEN}/sendMessage", json=body)
    assert answer.json()["result"]["reply_markup"] == {"inline_keyboard": [[button]]}
    [message] = api.transcript(api.private_chat(user))
    assert message.button_data("새로고침") == "refresh:005930"
    assert api.calls_of("sendMessage")[0].params["chat_id"] == user.id


async def test_get_updates_waits_for_an_update_and_forgets_it_once_confirmed(
    api: LocalBotApi,
) -> None:
    user = api.add_user()
    url = f"/bot{TOKEN}/getUpdates"
    async with httpx.AsyncClient(base_url=api.root_url) as client:
        assert (await client.post(url, data={"timeout": "0"})).json() == {"ok": True, "result": []}
        waiting = asyncio.create_task(client.post(url, data={"timeout": "5"}))
        await api.wait_until_polling()
        api.send_text(user, "안녕")
        [update] = (await waiting).json()["result"]
        assert update["message"]["text"] == "안녕"
        again = (await client.post(url, data={"timeout": "0"})).json()["result"]
        assert [u["update_id"] for u in again] == [update["update_id"]]
        confirm = {"offset": str(update["update_id"] + 1), "timeout": "0"}
        assert (await client.post(url, data=confirm)).json()["result"] == []
        assert api.pending_updates == []


async def test_bot_token_never_reaches_the_logs(
    api: LocalBotApi, bot: Application, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="kisbot")
    caplog.set_level(logging.DEBUG, logger="aiohttp")
    user = api.add_user()
    api.send_text(user, "/start")
    await api.wait_for_messages(api.private_chat(user), 1)
    secret = TOKEN.split(":")[1]
    assert all(secret not in record.getMessage() for record in caplog.records)
    assert secret not in repr(api)
    assert all(secret not in str(call) for call in api.calls)
