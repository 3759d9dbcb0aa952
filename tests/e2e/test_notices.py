"""Order notices as the WebSocket hands them over: each reported once, in the user's chat,
replying to kisbot's confirmation and moving its state forward."""

from __future__ import annotations

from datetime import datetime

import pytest

from handlers import jobs
from kisbot.clock import KST
from kisbot.kis import Credential, Environment, Side
from kisbot.kis.realtime import Notice, NoticeKind
from tests.e2e.harness import BotHarness
from tests.e2e.trading_helpers import ask, data_of, eventually

PRICE = 72_000


@pytest.fixture(autouse=True)
def no_polling(monkeypatch: pytest.MonkeyPatch) -> None:
    # These notices come from "the WebSocket": the polling job must not find them first.
    monkeypatch.setattr(jobs, "ORDER_WATCH_INTERVAL", 3600)


def notice(credential: Credential, kind: NoticeKind, order_no: str, **fields: object) -> Notice:
    values: dict[str, object] = {
        "account": credential.account.full.replace("-", ""),
        "order_no": order_no,
        "original_order_no": "",
        "side": Side.BUY,
        "kind": kind,
        "code": "005930",
        "name": "삼성전자",
        "quantity": 10,
        "price": 70_000,
        "order_quantity": 10,
        "at": datetime.now(KST),
    }
    values.update(fields)
    return Notice(**values)  # type: ignore[arg-type]


async def _order(bot: BotHarness, user: object) -> tuple[object, str]:
    bot.sandbox.set_price("005930", PRICE)
    summary = await ask(bot, user, "/buy 005930 10 70000")  # type: ignore[arg-type]
    await bot.press(user, summary, data_of(summary, "ok"))  # type: ignore[arg-type]
    return summary, summary.text.split("주문번호")[-1].strip()


def bot_messages(bot: BotHarness, user: object) -> list[object]:
    return [m for m in bot.api.transcript(bot.chat(user)) if m.from_bot]  # type: ignore[arg-type]


async def test_acceptance_then_a_repeat_of_it_gives_one_reply_to_the_confirmation(
    bot: BotHarness,
) -> None:
    user = bot.user()
    credential = await bot.register_key(user)
    summary, order_no = await _order(bot, user)
    before = len(bot_messages(bot, user))
    accepted = notice(credential, NoticeKind.ACCEPTED, order_no)
    assert await bot.core.notices.on_notice(user.id, Environment.MOCK, accepted) == 1
    assert await bot.core.notices.on_notice(user.id, Environment.MOCK, accepted) == 0
    await eventually(lambda: len(bot_messages(bot, user)) == before + 1)
    reply = bot_messages(bot, user)[-1]
    assert "주문 접수" in reply.text and order_no in reply.text
    assert reply.reply_to_message_id == summary.message_id
    await eventually(lambda: "📊 상태: 접수" in summary.text)


async def test_a_fill_notice_reports_what_kis_counts_and_a_resent_frame_nothing(
    bot: BotHarness,
) -> None:
    user = bot.user()
    credential = await bot.register_key(user)
    summary, order_no = await _order(bot, user)
    bot.sandbox.fill(order_no, 4)
    fill = notice(credential, NoticeKind.FILLED, order_no, quantity=4, price=70_000)
    assert await bot.core.notices.on_notice(user.id, Environment.MOCK, fill) == 1
    assert await bot.core.notices.on_notice(user.id, Environment.MOCK, fill) == 0
    await eventually(lambda: "📊 상태: 부분체결 4/10주" in summary.text)
    bot.sandbox.fill(order_no, 6)
    rest = notice(credential, NoticeKind.FILLED, order_no, quantity=6, price=70_000)
    assert await bot.core.notices.on_notice(user.id, Environment.MOCK, rest) == 1
    await eventually(lambda: "📊 상태: 체결완료 10/10주" in summary.text)
    texts = [m.text for m in bot_messages(bot, user) if "체결" in m.text and "상태" not in m.text]
    assert len(texts) == 2
    assert "부분체결 4/10주" in texts[0] and "체결완료 10/10주" in texts[1]


async def test_a_rejection_after_acceptance_ends_the_order_as_rejected(bot: BotHarness) -> None:
    user = bot.user()
    credential = await bot.register_key(user)
    summary, order_no = await _order(bot, user)
    for kind in (NoticeKind.ACCEPTED, NoticeKind.REJECTED, NoticeKind.ACCEPTED):
        await bot.core.notices.on_notice(
            user.id, Environment.MOCK, notice(credential, kind, order_no)
        )
    await eventually(lambda: "📊 상태: 거부" in summary.text)
    await eventually(lambda: any("주문 거부" in m.text for m in bot_messages(bot, user)))
    # The late acceptance (a repeat) moved nothing back.
    assert "📊 상태: 거부" in summary.text


async def test_an_outside_cancel_of_a_kisbot_order_says_cancelled_on_its_confirmation(
    bot: BotHarness,
) -> None:
    user = bot.user()
    credential = await bot.register_key(user)
    summary, order_no = await _order(bot, user)
    cancel = notice(
        credential, NoticeKind.CANCELLED, "0000099999", original_order_no=order_no, quantity=10
    )
    assert await bot.core.notices.on_notice(user.id, Environment.MOCK, cancel) == 1
    await eventually(lambda: "📊 상태: 취소됨" in summary.text)
    reply = bot_messages(bot, user)[-1]
    assert "취소 확인" in reply.text and reply.reply_to_message_id == summary.message_id


async def test_an_order_placed_elsewhere_is_told_in_the_private_chat(bot: BotHarness) -> None:
    user = bot.user()
    credential = await bot.register_key(user)
    await bot.send(user, "/start")  # the bot knows the user's chat
    outside = notice(
        credential, NoticeKind.ACCEPTED, "0000077777", code="000660", name="SK하이닉스"
    )
    assert await bot.core.notices.on_notice(user.id, Environment.MOCK, outside) == 1
    await eventually(lambda: "SK하이닉스" in bot_messages(bot, user)[-1].text)
    reply = bot_messages(bot, user)[-1]
    assert reply.reply_to_message_id is None and "0000077777" in reply.text


async def test_english_users_get_english_notices(bot: BotHarness) -> None:
    user = bot.user()
    credential = await bot.register_key(user)
    await bot.send(user, "/lang en")
    outside = notice(credential, NoticeKind.REJECTED, "0000077777")
    await bot.core.notices.on_notice(user.id, Environment.MOCK, outside)
    await eventually(lambda: "Order rejected" in bot_messages(bot, user)[-1].text)


async def test_a_new_connection_reads_the_orders_once_for_what_came_before_it(
    bot: BotHarness,
) -> None:
    user = bot.user()
    await bot.register_key(user, Environment.REAL)
    summary, order_no = await _order(bot, user)
    connection = {"number": 7}  # the live connection carrying the user's notices

    def live(user_id: int, environment: Environment) -> int | None:
        return connection["number"] if user_id == user.id else None

    def reads() -> int:
        return len(bot.sandbox.requests("inquire-daily-ccld", flavour="real"))

    async def poll() -> int:
        return await bot.core.notices.poll_round(live, lambda: True)

    # Filled before the connection carried notices (KIS told no one): its first round reads.
    bot.sandbox.fill(order_no, 4, flavour="real")
    before = reads()
    assert await poll() == 1
    assert await poll() == 0  # the same connection: notices arrive on it, no more reads
    assert reads() == before + 1
    await eventually(lambda: "📊 상태: 부분체결 4/10주" in summary.text)
    # The session reconnected (or another process took the key) after the rest was filled.
    bot.sandbox.fill(order_no, 6, flavour="real")
    connection["number"] = 8
    assert await poll() == 1
    await eventually(lambda: "📊 상태: 체결완료 10/10주" in summary.text)
    assert reads() == before + 2
