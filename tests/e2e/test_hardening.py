"""What a newcomer and an attacker tried: every input answered, nothing leaked, nothing stalled."""

from __future__ import annotations

import pytest

from handlers.callbacks import MAX_BYTES, CancelOrder, Confirm, decode, encode
from kisbot.chat.models import Message
from tests.e2e.harness import BotHarness
from tests.e2e.trading_helpers import REVISE_CANCEL, ask, data_of, posts

LONG = "가" * 4_000
TELEGRAM_LIMIT = 4_096
INTERNAL_ERROR = "처리 중 오류"


async def _user_with_key(bot: BotHarness):  # type: ignore[no-untyped-def]
    user = bot.user()
    await bot.register_key(user)
    return user


# -- 1. long arguments are answered, shortened, never dropped -------------------------------


@pytest.mark.parametrize(
    "command",
    [
        f"/buy {LONG} 1",
        f"/buy 005930 {LONG}",
        f"/sell 005930 1 {LONG}",
        f"/cancel {LONG}",
        f"/modify 0000012345 {LONG}",
        f"/daily 005930 {LONG}",
        f"/daily {LONG}",
        f"/alert {LONG} above 1000",
        f"/alert 005930 above {LONG}",
        f"/unalert {LONG}",
        f"/price {LONG}",
        f"/lang {LONG}",
        f"/mode {LONG}",
    ],
)
async def test_a_four_thousand_character_argument_gets_a_short_reply(
    bot: BotHarness, command: str
) -> None:
    user = await _user_with_key(bot)
    (reply,) = await bot.send(user, command)
    text = reply.text or ""
    assert 0 < len(text) < 1_000, command[:20]
    assert INTERNAL_ERROR not in text
    assert "…" in text or LONG not in text


async def test_a_reply_longer_than_telegram_allows_is_split_not_dropped(bot: BotHarness) -> None:
    user = await _user_with_key(bot)
    for number in range(100):  # the most alerts a user may have: a listing over 4,096
        await bot.services.database.alerts.add(user.id, "005930", "above", 100_000 + number)
    messages = await bot.send(user, "/alerts", replies=2)
    assert all(len(m.text or "") <= TELEGRAM_LIMIT for m in messages)
    listed = "\n".join(m.text or "" for m in messages)
    assert all(f"#{number} " in listed for number in range(1, 101))
    assert messages[-1].flat_buttons  # the buttons ride on the last part


# -- 2. ids past the column's range are "no such alert" -------------------------------------


@pytest.mark.parametrize("number", ["2147483648", "99999999999999999999", "9" * 300])
async def test_an_alert_id_past_the_columns_range_is_no_such_alert(
    bot: BotHarness, number: str
) -> None:
    user = await _user_with_key(bot)
    reply = await bot.reply_text(user, f"/unalert {number}")
    assert "알림이 없습니다" in reply and INTERNAL_ERROR not in reply


# -- 3. forged button data gets a short refusal ---------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        "ord:",
        "ord:ok",
        "ord:ok:",
        "acct:",
        "1:c:",
        "1:c:abc",
        "1:c:abc:maybe",
        "1:pr:../../x",
        "1:dp:005930:1000",
        "1:op:b:005930:0:m",
        "1:op:x:005930:1:m",
        "1:ap:005930:p:+99%:1",
        "1:ar:0",
        "2:c:abc:y",
        "px:r:",
        "al:rm:99999999999999999999",
        "\x00\x01",
        "x" * MAX_BYTES,
    ],
)
async def test_forged_button_data_is_refused_briefly(bot: BotHarness, data: str) -> None:
    user = await _user_with_key(bot)
    (reply,) = await bot.send(user, "/help")
    query = bot.api.forge_press(user, reply, data)
    answer = await bot.api.wait_for_answer(query, timeout=10)
    assert "유효하지 않습니다" in (answer.text or "")
    assert INTERNAL_ERROR not in (answer.text or "")
    assert len(bot.api.transcript(bot.chat(user))) == 1  # nothing else was said


def test_every_button_fits_telegrams_64_bytes_and_decodes_to_itself() -> None:
    for meaning in (Confirm("A" * 32, accept=True), CancelOrder("9" * 20)):
        data = encode(meaning)
        assert len(data.encode()) <= MAX_BYTES
        assert decode(data) == meaning


# -- 4. the decline of a cancel reads "the order stays" -------------------------------------


async def test_declining_a_cancel_says_the_order_stays_open(bot: BotHarness) -> None:
    user = await _user_with_key(bot)
    summary = await ask(bot, user, "/buy 005930 2 60000")
    await bot.press(user, summary, data_of(summary, "ok"))
    order_no = (summary.text or "").split("주문번호")[-1].strip()
    confirmation = await ask(bot, user, f"/cancel {order_no}")
    assert [b.text for b in confirmation.flat_buttons] == ["취소 실행", "그대로 두기"]
    toast = await bot.press(user, confirmation, data_of(confirmation, "no"))
    assert "그대로" in toast
    text = confirmation.text or ""
    assert "그대로 두었습니다" in text and "취소했습니다" not in text
    assert posts(bot, REVISE_CANCEL) == []
    listing = await bot.reply_text(user, "/orders")
    assert "미체결" in listing


# -- 7. a stranger's /setkey is deleted ----------------------------------------------------


async def test_a_strangers_setkey_is_refused_and_deleted(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with BotHarness(tmp_path, env={"KISBOT_ALLOWED_USERS": "4242"}) as bot:
        stranger = bot.user("Stranger")
        (refusal,) = await bot.send(stranger, "/setkey PSsecretKey SecretValue 50012345-01")
        assert "권한이 없습니다" in (refusal.text or "")
        sent = [m for m in bot.api.messages(bot.chat(stranger)) if m.sender.id == stranger.id]
        assert sent[0].deleted
        assert await bot.core.accounts.status(stranger.id) is not None
        assert (await bot.core.accounts.status(stranger.id)).keys == ()


# -- 8. account-revealing commands stay out of groups ---------------------------------------


@pytest.mark.parametrize(
    "command",
    ["/balance", "/orders", "/buy 005930 1", "/sell 005930 1", "/cancel 1", "/modify 1 100",
     "/mode", "/alerts", "/alert 005930 above 1000", "/unalert 1", "/forget"],
)  # fmt: skip
async def test_account_commands_in_a_group_point_to_the_private_chat(
    bot: BotHarness, command: str
) -> None:
    user = await _user_with_key(bot)
    group = bot.api.add_group("투자 모임")
    (reply,) = await bot.send(user, command, chat=group)
    text = reply.text or ""
    assert "개인 대화" in text and "@" in text
    assert "5000" not in text and not reply.flat_buttons
    assert not [r for r in bot.sandbox.requests() if r.path.startswith("/uapi/")]


async def test_quotes_and_help_still_work_in_a_group_without_showing_keys(
    bot: BotHarness,
) -> None:
    user = await _user_with_key(bot)
    group = bot.api.add_group("투자 모임")
    bot.sandbox.close_market()
    price = await bot.reply_text(user, "/price 005930")
    (in_group,) = await bot.send(user, "/price 005930", chat=group)
    assert "005930" in (in_group.text or "") and in_group.text == price
    (help_text,) = await bot.send(user, "/help", chat=group)
    assert "/price" in (help_text.text or "")
    assert "****" not in (help_text.text or "") and "등록된 키" not in (help_text.text or "")


async def test_a_command_addressed_to_another_bot_in_a_group_is_not_answered(
    bot: BotHarness,
) -> None:
    user = await _user_with_key(bot)
    group = bot.api.add_group("여러 봇 모임")
    seen = bot.api.activity
    bot.api.send_text(user, "/start@some_other_bot", chat=group)
    bot.api.send_text(user, "/frobnicate@some_other_bot", chat=group)
    assert not await bot.api.wait_for_activity(seen, 0.5)
    (reply,) = await bot.send(user, f"/frobnicate@{bot.api.bot.username}", chat=group)
    assert "/help" in (reply.text or "")


# -- 9. channel posts and edits are ignored --------------------------------------------------


async def test_a_channel_post_gets_no_reply(bot: BotHarness) -> None:
    channel = bot.api.add_channel("공지")
    seen = bot.api.activity
    bot.api.post_in_channel(channel, "/start")
    bot.api.post_in_channel(channel, "/unknown")
    assert not await bot.api.wait_for_activity(seen, 0.5)
    assert bot.api.transcript(channel) == []


async def test_editing_an_old_buy_command_does_not_draft_another_order(bot: BotHarness) -> None:
    user = await _user_with_key(bot)
    await ask(bot, user, "/buy 005930 1")
    original: Message = next(m for m in bot.api.messages(bot.chat(user)) if m.sender.id == user.id)
    seen = bot.api.activity
    bot.api.edit_text(user, original, "/buy 005930 2")
    assert not await bot.api.wait_for_activity(seen, 0.5)


# -- names and codes as people type them -----------------------------------------------------


async def test_names_and_short_codes_resolve_as_people_type_them(bot: BotHarness) -> None:
    user = await _user_with_key(bot)
    bot.sandbox.close_market()
    assert "005935" in await bot.reply_text(user, "/price 삼성전자우")
    assert "005930" in await bot.reply_text(user, "/price 5930")
    one = await bot.reply_text(user, "/price 하이닉스")
    assert "000660" in one and "여러 개" not in one
    (suggestion,) = await bot.send(user, "/price 셀트리원")
    assert "찾으셨나요" in (suggestion.text or "") and "여러 개" not in (suggestion.text or "")
    assert [b.text for b in suggestion.flat_buttons] == ["셀트리온 (068270)"]


async def test_an_ambiguous_name_gives_the_same_buttons_to_buy_and_alert(bot: BotHarness) -> None:
    user = await _user_with_key(bot)
    (for_price,) = await bot.send(user, "/price 삼성")
    (for_buy,) = await bot.send(user, "/buy 삼성 1")
    (for_alert,) = await bot.send(user, "/alert 삼성 above 1000")
    labels = [b.text for b in for_price.flat_buttons]
    assert len(labels) >= 3
    assert [b.text for b in for_buy.flat_buttons] == labels
    assert [b.text for b in for_alert.flat_buttons] == labels
    pick = next(b for b in for_buy.flat_buttons if "006400" in (b.text or ""))
    chat = bot.chat(user)
    before = len(bot.api.transcript(chat))
    await bot.press(user, for_buy, pick.callback_data or "")
    (confirmation,) = (await bot.api.wait_for_messages(chat, before + 1))[before:]
    assert "삼성SDI" in (confirmation.text or "") and "1주" in (confirmation.text or "")
    assert [b.text for b in confirmation.flat_buttons] == ["확인", "취소"]
    pick = next(b for b in for_alert.flat_buttons if "005935" in (b.text or ""))
    before = len(bot.api.transcript(chat))
    await bot.press(user, for_alert, pick.callback_data or "")
    (created,) = (await bot.api.wait_for_messages(chat, before + 1))[before:]
    assert "삼성전자우" in (created.text or "") and "1,000원 이상" in (created.text or "")
