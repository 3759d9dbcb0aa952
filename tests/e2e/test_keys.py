"""/setkey, /mode and /forget end to end: the bot, the local Bot API, the sandbox and SQLite."""

from __future__ import annotations

import logging
import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kisbot.accounts import parse_setkey
from kisbot.chat.models import Chat, Message, User
from kisbot.chat.wire import Fault
from kisbot.clock import ManualClock
from kisbot.kis import Environment
from kisbot.problems import Problem
from tests.e2e.harness import BotHarness

APP_KEY = "PSkisbotTestAppKey0001"
APP_SECRET = "VerySecretAppSecretValue0001"
ACCOUNT = "50012345-01"
MASKED = "5001****-01"
SETKEY = f"/setkey {APP_KEY} {APP_SECRET} {ACCOUNT}"
INTERNAL_ERROR = "처리 중 오류"


def user_message(bot: BotHarness, user: User, text: str, chat: Chat | None = None) -> Message:
    """The latest message `user` wrote that starts with `text`."""
    messages = bot.api.messages(chat or bot.chat(user))
    return [m for m in messages if m.sender.id == user.id and (m.text or "").startswith(text)][-1]


def token_calls(bot: BotHarness, flavour: str = "mock") -> int:
    return len(bot.sandbox.requests("/oauth2/tokenP", flavour=flavour))  # type: ignore[arg-type]


async def active_env(bot: BotHarness, user: User) -> Environment | None:
    return (await bot.core.accounts.status(user.id)).active


def dead_url() -> str:
    """A loopback URL nothing listens on: connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# -- parsing (no bot needed) ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "key"),
    [
        ([], "keys.setkey_usage"),
        (["k"], "keys.setkey_missing"),
        (["k", "s"], "keys.setkey_missing"),
        (["k", "s", "5001234-01"], "keys.setkey_account"),
        (["k", "s", "50012345-1"], "keys.setkey_account"),
        (["k", "s", "50012345-01", "demo"], "keys.setkey_environment"),
        (["k", "s", "50012345-01", "mock", "x"], "keys.setkey_hts_id"),
        (["k", "s", "50012345-01", "mock", "htsid", "x"], "keys.setkey_too_many"),
    ],
)
def test_malformed_setkey_names_the_problem_without_echoing(words: list[str], key: str) -> None:
    with pytest.raises(Problem) as raised:
        parse_setkey(words)
    assert raised.value.key == key
    assert raised.value.params == {}  # nothing typed is carried into the reply


def test_setkey_words_default_to_mock_and_accept_real() -> None:
    mock = parse_setkey(["k", "s", "5001234501"])
    assert mock.environment is Environment.MOCK and mock.account.masked == "5001****-01"
    assert parse_setkey(["k", "s", "50012345-01", "REAL"]).environment is Environment.REAL
    assert parse_setkey(["k", "s", "50012345-01", "실전"]).environment is Environment.REAL


# -- /setkey ----------------------------------------------------------------------------------


async def test_setkey_deletes_the_message_masks_the_account_and_checks_the_key(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    user = bot.user()
    reply = await bot.reply_text(user, SETKEY)

    assert user_message(bot, user, "/setkey").deleted
    assert MASKED in reply and "모의투자" in reply
    for secret in (APP_KEY, APP_SECRET, ACCOUNT, "50012345"):
        assert secret not in reply
        assert secret not in caplog.text
    assert token_calls(bot) == 1
    stored = await bot.services.database.credentials.get(user.id, Environment.MOCK)
    assert stored is not None and stored.app_secret == APP_SECRET
    assert await active_env(bot, user) is Environment.MOCK


async def test_setkey_stores_the_key_encrypted(bot: BotHarness) -> None:
    user = bot.user()
    await bot.reply_text(user, SETKEY)
    files = [path for path in bot.data_dir.glob("kisbot.db*") if path.is_file()]
    raw = b"".join(path.read_bytes() for path in files)
    for secret in (APP_KEY, APP_SECRET, "50012345"):
        assert secret.encode() not in raw


async def test_setkey_deletes_the_message_before_asking_kis(bot: BotHarness) -> None:
    bot.sandbox.inject_fault("/oauth2/tokenP", "delay", delay=0.5)
    user = bot.user()
    bot.api.send_text(user, SETKEY)
    await bot.api.wait_for_calls("deleteMessage", timeout=0.4)
    assert not bot.api.transcript(bot.chat(user))  # KIS has not answered yet
    (reply,) = await bot.api.wait_for_messages(bot.chat(user), 1, timeout=5)
    assert "토큰 발급으로 키를 확인" in (reply.text or "")


async def test_a_message_telegram_would_not_delete_is_flagged_to_the_user(
    bot: BotHarness,
) -> None:
    bot.api.fail_next("deleteMessage", Fault(400, "Bad Request: message can't be deleted"))
    user = bot.user()
    reply = await bot.reply_text(user, SETKEY)
    assert "삭제하지 못했습니다" in reply and MASKED in reply
    group = bot.api.add_group("투자 모임")
    bot.api.fail_next("deleteMessage", Fault(400, "Bad Request: message can't be deleted"))
    (refusal,) = await bot.send(user, SETKEY, chat=group)
    assert "삭제하지 못했습니다" in (refusal.text or "") and "재발급" in (refusal.text or "")


async def test_a_key_kis_refuses_is_not_stored_and_msg1_is_shown(bot: BotHarness) -> None:
    user = bot.user()
    reply = await bot.reply_text(user, f"/setkey BADKEY123 {APP_SECRET} {ACCOUNT}")
    assert "유효하지 않은 AppKey" in reply
    assert "저장하지 않았습니다" in reply
    assert user_message(bot, user, "/setkey").deleted
    assert await bot.services.database.credentials.environments(user.id) == []
    assert await active_env(bot, user) is None


async def test_when_kis_fails_the_key_is_stored_and_checked_on_first_use(tmp_path: Path) -> None:
    # The failed tokenP may have reached KIS, so the next one waits out KIS's one-a-minute
    # rule: on this clock that wait passes at once.
    clock = ManualClock(datetime.now(UTC), autojump=True)
    async with BotHarness(tmp_path, clock=clock) as bot:
        bot.sandbox.inject_fault("/oauth2/tokenP", "http500")
        user = bot.user()
        reply = await bot.reply_text(user, SETKEY)
        assert "처음 사용할 때 확인" in reply and MASKED in reply
        credentials = bot.services.database.credentials
        assert await credentials.environments(user.id) == [Environment.MOCK]
        client = await bot.core.accounts.client(user.id)
        assert (await client.quote("005930")).price > 0  # first use gets the token
        assert token_calls(bot) == 2


async def test_when_kis_is_unreachable_the_key_is_stored(tmp_path: Path) -> None:
    async with BotHarness(tmp_path, env={"KISBOT_KIS_MOCK_URL": dead_url()}) as bot:
        user = bot.user()
        reply = await bot.reply_text(user, SETKEY)
        assert "처음 사용할 때 확인" in reply
        assert await active_env(bot, user) is Environment.MOCK


async def test_setkey_in_a_group_stores_nothing_and_deletes_the_message(bot: BotHarness) -> None:
    user = bot.user()
    group = bot.api.add_group("투자 모임")
    (reply,) = await bot.send(user, SETKEY, chat=group)
    text = reply.text or ""
    assert "개인 대화" in text and "@kisbot_local_bot" in text
    for secret in (APP_KEY, APP_SECRET, ACCOUNT, MASKED):
        assert secret not in text
    assert user_message(bot, user, "/setkey", group).deleted
    assert token_calls(bot) == 0
    assert await bot.services.database.credentials.environments(user.id) == []
    assert not bot.api.transcript(bot.chat(user))  # nothing was said in private either


async def test_setkey_without_words_in_a_group_points_to_the_private_chat(bot: BotHarness) -> None:
    user = bot.user()
    group = bot.api.add_group("투자 모임")
    (reply,) = await bot.send(user, "/setkey", chat=group)
    assert "개인 대화" in (reply.text or "")
    assert not user_message(bot, user, "/setkey", group).deleted
    assert not bot.api.calls_of("deleteMessage")


async def test_a_second_environment_does_not_switch_the_active_one(bot: BotHarness) -> None:
    user = bot.user()
    await bot.reply_text(user, SETKEY)
    reply = await bot.reply_text(user, "/setkey PSrealKey0001 RealSecret0001 50099999-01 real")
    assert "5009****-01" in reply and "실전투자" in reply
    assert "/mode real" in reply
    assert await active_env(bot, user) is Environment.MOCK
    assert token_calls(bot, "real") == 1


async def test_a_first_real_key_becomes_active_with_a_warning(bot: BotHarness) -> None:
    user = bot.user()
    reply = await bot.reply_text(user, "/setkey PSrealKey0001 RealSecret0001 50099999-01 real")
    assert "이제 이 계좌를 사용합니다" in reply and "실제 계좌에서 체결" in reply
    assert await active_env(bot, user) is Environment.REAL


async def test_setkey_replaces_the_key_of_its_environment(bot: BotHarness) -> None:
    user = bot.user()
    await bot.reply_text(user, SETKEY)
    reply = await bot.reply_text(user, "/setkey PSotherKey0002 OtherSecret0002 50077777-02 mock")
    assert "5007****-02" in reply and "이제 이 계좌를 사용합니다" in reply
    status = await bot.core.accounts.status(user.id)
    assert [(k.environment, k.masked_account) for k in status.keys] == [
        (Environment.MOCK, "5007****-02")
    ]


# -- /mode ------------------------------------------------------------------------------------


async def test_mode_shows_the_accounts_and_which_is_in_use(bot: BotHarness) -> None:
    user = bot.user()
    assert "등록된 키가 없습니다" in await bot.reply_text(user, "/mode")
    await bot.register_key(user, Environment.MOCK)
    await bot.register_key(user, Environment.REAL)
    reply = await bot.reply_text(user, "/mode")
    assert "모의투자" in reply and "실전투자" in reply
    mock_line = next(line for line in reply.splitlines() if "모의투자" in line)
    assert "사용 중" in mock_line and "****-01" in mock_line


async def test_mode_mock_switches_at_once(bot: BotHarness) -> None:
    user = bot.user()
    await bot.register_key(user, Environment.REAL)
    await bot.register_key(user, Environment.MOCK)
    assert await active_env(bot, user) is Environment.REAL
    (reply,) = await bot.send(user, "/mode mock")
    assert "이제 모의투자 계좌를 사용합니다" in (reply.text or "") and not reply.buttons
    assert await active_env(bot, user) is Environment.MOCK
    assert "이미 모의투자" in await bot.reply_text(user, "/mode mock")


async def test_mode_without_the_key_says_how_to_add_it(bot: BotHarness) -> None:
    user = bot.user()
    await bot.register_key(user, Environment.REAL)
    assert "/setkey APP_KEY APP_SECRET 12345678-01 mock" in await bot.reply_text(user, "/mode mock")
    other = bot.user("Other")
    await bot.register_key(other, Environment.MOCK)
    reply = await bot.reply_text(other, "/mode real")
    assert "/setkey APP_KEY APP_SECRET 12345678-01 real" in reply


async def ask_real(bot: BotHarness, user: User) -> Message:
    await bot.register_key(user, Environment.MOCK)
    await bot.register_key(user, Environment.REAL)
    (question,) = await bot.send(user, "/mode real")
    assert "실전투자 계좌로 바꿀까요" in (question.text or "")
    assert [b.text for b in question.flat_buttons] == ["확인", "취소"]
    return question


async def test_mode_real_switches_only_after_the_owner_confirms(bot: BotHarness) -> None:
    user, stranger = bot.user("Owner"), bot.user("Stranger")
    question = await ask_real(bot, user)
    assert await active_env(bot, user) is Environment.MOCK

    toast = await bot.press(stranger, question, question.button_data("확인"))
    assert "본인" in toast
    assert await active_env(bot, user) is Environment.MOCK
    assert question.buttons  # untouched

    assert "완료" in await bot.press(user, question, question.button_data("확인"))
    assert await active_env(bot, user) is Environment.REAL
    assert "이제 실전투자 계좌를 사용합니다" in (question.text or "")
    assert not question.buttons


async def test_concurrent_presses_switch_once(bot: BotHarness) -> None:
    user = bot.user()
    question = await ask_real(bot, user)
    data = question.button_data("확인")
    queries = [bot.api.press_button(user, question, data) for _ in range(5)]
    answers = [await bot.api.wait_for_answer(query, timeout=10) for query in queries]
    texts = sorted(answer.text or "" for answer in answers)
    assert texts.count("완료했습니다.") == 1
    assert texts.count("이미 처리된 요청입니다.") == 4
    assert await active_env(bot, user) is Environment.REAL


async def test_cancel_keeps_the_account(bot: BotHarness) -> None:
    user = bot.user()
    question = await ask_real(bot, user)
    cancel = question.button_data("취소")
    assert "취소" in await bot.press(user, question, cancel)
    assert "취소했습니다" in (question.text or "") and not question.buttons
    assert await active_env(bot, user) is Environment.MOCK


async def test_a_press_after_expiry_changes_nothing(tmp_path: Path) -> None:
    clock = ManualClock(datetime.now(UTC), autojump=True)
    async with BotHarness(tmp_path, env={"KISBOT_CONFIRM_TTL": "5"}, clock=clock) as bot:
        user = bot.user()
        question = await ask_real(bot, user)
        assert "5초" in (question.text or "")
        await clock.advance(6)
        toast = await bot.press(user, question, question.button_data("확인"))
        assert "시간이 지났습니다" in toast
        assert "시간이 지나 취소되었습니다" in (question.text or "") and not question.buttons
        assert await active_env(bot, user) is Environment.MOCK


# -- /forget ----------------------------------------------------------------------------------


async def test_forget_revokes_tokens_and_deletes_everything(bot: BotHarness) -> None:
    user = bot.user()
    await bot.reply_text(user, SETKEY)
    await bot.reply_text(user, "/setkey PSrealKey0001 RealSecret0001 50099999-01 real")
    database = bot.services.database
    await database.alerts.add(user.id, "005930", "above", 80_000)
    await bot.send(user, "/mode real")  # a pending confirmation
    (question,) = await bot.send(user, "/forget")
    text = question.text or ""
    assert "모의투자, 실전투자" in text and "가격 알림 1개" in text

    assert "완료" in await bot.press(user, question, question.button_data("확인"))
    assert len(bot.sandbox.requests("/oauth2/revokeP")) == 2
    assert "삭제했습니다" in (question.text or "") and "토큰 2개를 폐기" in (question.text or "")
    assert not question.buttons
    assert await database.credentials.environments(user.id) == []
    assert await database.alerts.list_for_user(user.id) == []
    assert await database.users.get(user.id) is None
    assert await database.tokens.load(APP_KEY, Environment.MOCK) is None
    assert "등록된 키가 없습니다" in await bot.reply_text(user, "/mode")


async def test_forget_deletes_even_when_kis_cannot_revoke(bot: BotHarness) -> None:
    user = bot.user()
    await bot.reply_text(user, SETKEY)
    bot.sandbox.inject_fault("/oauth2/revokeP", "http500")
    (question,) = await bot.send(user, "/forget")
    await bot.press(user, question, question.button_data("확인"))
    assert "폐기하지 못했습니다" in (question.text or "")
    assert await bot.services.database.credentials.environments(user.id) == []


async def test_forget_cancelled_or_pressed_by_another_user_deletes_nothing(
    bot: BotHarness,
) -> None:
    user, stranger = bot.user("Owner"), bot.user("Stranger")
    await bot.register_key(user)
    (question,) = await bot.send(user, "/forget")
    assert "본인" in await bot.press(stranger, question, question.button_data("확인"))
    await bot.press(user, question, question.button_data("취소"))
    assert "아무것도 삭제하지 않았습니다" in (question.text or "")
    assert await bot.services.database.credentials.environments(user.id) == [Environment.MOCK]
    assert not bot.sandbox.requests("/oauth2/revokeP")


async def test_forget_with_nothing_stored_says_so(bot: BotHarness) -> None:
    assert "저장된 내 정보가 없습니다" in await bot.reply_text(bot.user(), "/forget")


# -- restart, language, malformed input -------------------------------------------------------


async def test_a_restart_keeps_the_key_and_reuses_its_token(bot: BotHarness) -> None:
    user = bot.user()
    await bot.reply_text(user, SETKEY)
    assert token_calls(bot) == 1
    await bot.restart()
    client = await bot.core.accounts.client(user.id)
    assert client.credential.account.masked == MASKED
    assert (await client.quote("005930")).price > 0
    assert token_calls(bot) == 1
    assert MASKED in await bot.reply_text(user, "/mode")


async def test_replies_are_english_with_kisbot_locale_en(tmp_path: Path) -> None:
    async with BotHarness(tmp_path, env={"KISBOT_LOCALE": "en"}) as bot:
        user = bot.user()
        reply = await bot.reply_text(user, SETKEY)
        assert "mock key registered" in reply and MASKED in reply
        await bot.register_key(user, Environment.REAL)
        (question,) = await bot.send(user, "/mode real")
        assert [b.text for b in question.flat_buttons] == ["Confirm", "Cancel"]
        assert "Done" in await bot.press(user, question, question.button_data("Confirm"))
        assert "Now using the real account" in (question.text or "")
        assert "The right form" in await bot.reply_text(user, "/setkey a b")


MALFORMED = [
    ("/setkey", "/setkey APP_KEY APP_SECRET 12345678-01 mock", False),
    ("/setkey onlyakey", "빠진 부분", True),
    ("/setkey akey asecret", "빠진 부분", True),
    ("/setkey akey asecret 1234-01", "숫자 8자리와 2자리", True),
    ("/setkey akey asecret 12345678-01 paper", "mock 또는 real", True),
    ("/setkey akey asecret 12345678-01 mock htsid more", "너무 많습니다", True),
    ("/setkey akey asecret 12345678-01 mock hts!id", "HTS ID는", True),
    ("/setkey 12345678-01 akey asecret", "숫자 8자리와 2자리", True),
    ("/mode sandbox", "/mode real", False),
    ("/mode mock real", "/mode mock", False),
    ("/forget now", "단어 없이", False),
]


@pytest.mark.parametrize(("text", "expected", "deleted"), MALFORMED)
async def test_malformed_commands_say_what_is_wrong(
    bot: BotHarness, caplog: pytest.LogCaptureFixture, text: str, expected: str, deleted: bool
) -> None:
    caplog.set_level(logging.INFO)
    user = bot.user()
    (reply, *_) = await bot.send(user, text)
    body = reply.text or ""
    assert expected in body
    assert INTERNAL_ERROR not in body and "알 수 없는 명령" not in body
    assert "/setkey" not in text or "APP_KEY APP_SECRET 12345678-01" in body
    for word in ("akey", "asecret", "onlyakey"):
        assert word not in body
    assert user_message(bot, user, text.split()[0]).deleted is deleted
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert await bot.services.database.credentials.environments(user.id) == []


# -- the HTS ID: fill notices ----------------------------------------------------------------


async def test_setkey_with_an_hts_id_keeps_it_encrypted(bot: BotHarness) -> None:
    user = bot.user()
    reply = await bot.reply_text(user, f"{SETKEY} mock kisuser77")
    # This bot runs with KISBOT_REALTIME=false (the harness's default): it says so.
    assert "키를 등록했습니다" in reply and "KISBOT_REALTIME=false" in reply
    assert "kisuser77" not in reply
    stored = await bot.services.database.credentials.get(user.id, Environment.MOCK)
    assert stored is not None and stored.hts_id == "kisuser77"
    assert "kisuser77" not in repr(stored)
    files = [path for path in bot.data_dir.glob("kisbot.db*") if path.is_file()]
    assert b"kisuser77" not in b"".join(path.read_bytes() for path in files)


async def test_setkey_without_an_hts_id_says_orders_are_checked_by_polling(
    bot: BotHarness,
) -> None:
    user = bot.user()
    reply = await bot.reply_text(user, SETKEY)
    assert "몇 초마다 확인" in reply and "HTS ID" in reply
    stored = await bot.services.database.credentials.get(user.id, Environment.MOCK)
    assert stored is not None and stored.hts_id is None


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("kisuser77", "환경은 mock 또는 real"),  # a fourth word is always the environment
        ("mock bad!id", "HTS ID는 한국투자증권 로그인 ID"),
        ("mock kisuser77 extra", "단어가 너무 많습니다"),
    ],
)
async def test_a_wrong_hts_id_form_stores_nothing_and_says_how(
    bot: BotHarness, words: str, expected: str
) -> None:
    user = bot.user()
    reply = await bot.reply_text(user, f"{SETKEY} {words}")
    assert expected in reply
    assert "bad!id" not in reply and "kisuser77" not in reply
    assert await bot.services.database.credentials.get(user.id, Environment.MOCK) is None
