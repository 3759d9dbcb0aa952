"""The terminal chat of `kisbot demo`, talking to the tiny bot through the local Bot API."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

from telegram.ext import Application

from kisbot.chat.botapi import LocalBotApi
from kisbot.chat.photos import PhotoFolder
from kisbot.chat.terminal import TerminalChat, TerminalTiming
from tests.chat.conftest import CHART

FAST = TerminalTiming(settle=0.2, max_wait=5.0, end_wait=0.3)


async def test_buttons_are_numbered_choices_and_typing_a_number_presses_one(
    api: LocalBotApi, bot: Application
) -> None:
    user = api.add_user()
    out = io.StringIO()
    await TerminalChat(api, user, output=out, timing=FAST).run(["/start", "1"])
    assert out.getvalue().splitlines() == [
        "> /start",
        "안녕하세요 & 환영합니다",
        "[1] 확인  [2] 취소",
        "> 1",
        "[notice: confirm 처리됨]",
        "(edited)",
        "선택: confirm",
    ]
    [press] = api.calls_of("answerCallbackQuery")
    assert press.status == 200


async def test_piped_script_gets_each_lines_replies_before_the_next_line(
    api: LocalBotApi, bot: Application
) -> None:
    user = api.add_user()
    out = io.StringIO()
    await TerminalChat(api, user, output=out, timing=FAST).run(["/two", "", "/again"])
    assert out.getvalue().splitlines() == [
        "> /two",
        "/two: 하나",
        "/two: 둘",
        "> /again",
        "/again: 하나",
        "/again: 둘",
    ]


async def test_photo_prints_as_an_image_line_with_its_caption(
    api: LocalBotApi, bot: Application
) -> None:
    user = api.add_user()
    out = io.StringIO()
    await TerminalChat(api, user, output=out, timing=FAST).run(["/chart"])
    assert out.getvalue().splitlines() == ["> /chart", "[image: 삼성전자 차트]"]


async def test_message_the_bot_deletes_is_shown_as_deleted(
    api: LocalBotApi, bot: Application
) -> None:
    user = api.add_user()
    out = io.StringIO()
    await TerminalChat(api, user, output=out, timing=FAST).run(["/secret AKIA-app-key"])
    assert out.getvalue().splitlines() == [
        "> /secret AKIA-app-key",
        "(your message was deleted)",
        "저장했습니다",
    ]
    assert api.messages(api.private_chat(user))[0].deleted


async def test_number_before_any_bot_message_presses_nothing_and_says_so(
    api: LocalBotApi, bot: Application
) -> None:
    user = api.add_user()
    out = io.StringIO()
    await TerminalChat(api, user, output=out, timing=FAST).run(["3"])
    assert out.getvalue().splitlines() == [
        "> 3",
        "(the bot has sent no message yet, so there is no button to press)",
    ]
    assert api.messages(api.private_chat(user)) == []
    assert api.callback_queries == {}


async def test_number_presses_nothing_on_an_older_message_when_the_latest_has_no_buttons(
    api: LocalBotApi, bot: Application
) -> None:
    user = api.add_user()
    out = io.StringIO()
    await TerminalChat(api, user, output=out, timing=FAST).run(["/start", "/echo 뒤", "1"])
    assert out.getvalue().splitlines()[-3:] == [
        "args: 뒤",
        "> 1",
        "(the latest message has no buttons; nothing was pressed)",
    ]
    assert api.callback_queries == {}
    greeting = api.transcript(api.private_chat(user))[0]
    assert greeting.edits == 0
    assert [m.text for m in api.messages(api.private_chat(user)) if not m.from_bot] == [
        "/start",
        "/echo 뒤",
    ]


async def test_number_beyond_the_latest_messages_buttons_presses_nothing_and_says_so(
    api: LocalBotApi, bot: Application
) -> None:
    user = api.add_user()
    out = io.StringIO()
    await TerminalChat(api, user, output=out, timing=FAST).run(["/start", "3", "0"])
    assert out.getvalue().splitlines()[-4:] == [
        "> 3",
        "(the latest message has buttons 1-2, not 3; nothing was pressed)",
        "> 0",
        "(the latest message has buttons 1-2, not 0; nothing was pressed)",
    ]
    assert api.callback_queries == {}
    assert len(api.messages(api.private_chat(user))) == 2  # /start and its reply, no "3"


async def test_the_note_prints_between_prompts_in_an_interactive_chat(
    api: LocalBotApi, bot: Application
) -> None:
    user = api.add_user()
    out = io.StringIO()
    chat = TerminalChat(api, user, output=out, timing=FAST, interactive=True)
    await chat.run(["/echo 하나", "1"])
    assert out.getvalue() == (
        "> args: 하나\n> (the latest message has no buttons; nothing was pressed)\n> "
    )
    assert api.callback_queries == {}


async def test_a_number_in_other_digits_is_sent_as_text(api: LocalBotApi, bot: Application) -> None:
    user = api.add_user()
    quick = TerminalTiming(settle=0.1, max_wait=0.3, end_wait=0.1)
    await TerminalChat(api, user, output=io.StringIO(), timing=quick).run(["²"])
    assert [m.text for m in api.messages(api.private_chat(user))] == ["²"]
    assert api.callback_queries == {}


async def test_photo_is_saved_and_its_path_printed(
    api: LocalBotApi, bot: Application, tmp_path: Path
) -> None:
    user = api.add_user()
    out = io.StringIO()
    photos = PhotoFolder(tmp_path / "photos")
    await TerminalChat(api, user, output=out, timing=FAST, photos=photos).run(["/chart", "/chart"])
    first, second = (
        tmp_path / "photos" / "001-삼성전자-차트.png",
        tmp_path / "photos" / "002-삼성전자-차트.png",
    )
    assert out.getvalue().splitlines() == [
        "> /chart",
        f"[image: 삼성전자 차트] {first}",
        "> /chart",
        f"[image: 삼성전자 차트] {second}",
    ]
    assert first.read_bytes() == CHART
    assert second.read_bytes() == CHART


async def test_photo_that_cannot_be_saved_says_why_and_the_chat_goes_on(
    api: LocalBotApi, bot: Application, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    user = api.add_user()
    out = io.StringIO()
    photos = PhotoFolder(blocker)
    await TerminalChat(api, user, output=out, timing=FAST, photos=photos).run(
        ["/chart", "/echo 네"]
    )
    assert out.getvalue().splitlines() == [
        "> /chart",
        "[image: 삼성전자 차트] (not saved: File exists)",
        "> /echo 네",
        "args: 네",
    ]


async def test_alert_prints_while_the_chat_waits_for_input(
    api: LocalBotApi, bot: Application
) -> None:
    user = api.add_user()
    out = io.StringIO()
    printed_while_waiting: list[bool] = []

    async def person() -> AsyncIterator[str]:
        await api.wait_until_polling()
        await bot.bot.send_message(user.id, "알림: 삼성전자 72,000원 이상")
        alert_shown = await chat.printed.wait_until(lambda: "알림" in out.getvalue(), timeout=5)
        printed_while_waiting.append(alert_shown)
        yield "/echo 확인"

    chat = TerminalChat(api, user, output=out, timing=FAST, interactive=True)
    await chat.run(person())
    assert printed_while_waiting == [True]
    assert out.getvalue() == "> \n알림: 삼성전자 72,000원 이상\n> args: 확인\n> "
