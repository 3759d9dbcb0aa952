"""/buy, /sell, /orders, /cancel and /modify against the sandbox, as a user sees them."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from handlers import trading
from handlers.callbacks import CancelOrder, encode
from kisbot.kis import Environment
from tests.e2e.harness import BotHarness
from tests.e2e.trading_helpers import (
    ORDER_CASH,
    REVISE_CANCEL,
    ask,
    data_of,
    eventually,
    intent_id_of,
    posts,
)

PRICE = 72_000  # 005930: tick 100, band 49,700 ~ 92,300 (base 71,000)


async def _place(bot: BotHarness, user: object, text: str) -> str:
    """Confirm an order and return its KIS order number."""
    summary = await ask(bot, user, text)  # type: ignore[arg-type]
    await bot.press(user, summary, data_of(summary, "ok"))  # type: ignore[arg-type]
    assert "주문번호" in summary.text, summary.text
    return summary.text.split("주문번호")[-1].strip()


@pytest.fixture
async def trader(bot: BotHarness) -> object:
    user = bot.user("Trader")
    await bot.register_key(user)
    bot.sandbox.set_price("005930", PRICE)
    return user


async def test_a_refusal_shows_kis_message_and_is_recorded_failed(
    bot: BotHarness, trader: object
) -> None:
    refusal = "모의투자 주문이 불가한 계좌입니다."
    bot.sandbox.inject_fault(ORDER_CASH, "kis_error", rt_cd="1", msg_cd="40910000", msg1=refusal)
    summary = await ask(bot, trader, "/buy 005930 1")  # type: ignore[arg-type]
    intent_id = intent_id_of(summary)
    toast = await bot.press(trader, summary, data_of(summary, "ok"))  # type: ignore[arg-type]
    assert "거부" in toast
    assert refusal in summary.text and summary.flat_buttons == []
    row = await bot.services.database.confirmations.get(intent_id)
    assert row is not None and row.state == "failed" and row.msg_cd == "40910000"
    assert len(posts(bot)) == 1


async def test_a_lost_answer_is_never_resent_and_orders_reconciles_it(tmp_path: Path) -> None:
    async with BotHarness(tmp_path, env={"KISBOT_KIS_TIMEOUT": "0.3"}) as bot:
        user = bot.user()
        await bot.register_key(user)
        bot.sandbox.inject_fault(ORDER_CASH, "delay", delay=0.8)
        summary = await ask(bot, user, "/buy 005930 2")
        toast = await bot.press(user, summary, data_of(summary, "ok"))
        assert "결과 확인 불가" in toast
        assert "결과 확인 불가 — /orders 로 확인하세요" in summary.text
        await eventually(lambda: len(posts(bot)) == 1)  # the sandbox executed it, late
        listing = await bot.reply_text(user, "/orders")
        assert "확인 결과" in listing and "접수되었습니다" in listing
        assert "0000010001" in listing
        assert "0000010001" in summary.text  # the confirmation now says what happened
        assert len(posts(bot)) == 1


async def test_a_lost_answer_is_checked_shortly_after_without_asking(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(trading, "RECONCILE_DELAYS", (1.5, 1.5))
    async with BotHarness(tmp_path, env={"KISBOT_KIS_TIMEOUT": "0.3"}) as bot:
        user = bot.user()
        await bot.register_key(user)
        bot.sandbox.inject_fault(ORDER_CASH, "delay", delay=0.8)
        summary = await ask(bot, user, "/sell 005930 1")
        await bot.press(user, summary, data_of(summary, "ok"))
        chat = bot.chat(user)
        await bot.api.wait_for_messages(chat, 2, timeout=10)
        note = bot.api.transcript(chat)[-1].text or ""
        assert "확인 결과" in note and "0000010001" in note
        assert len(posts(bot)) == 1


async def test_limit_price_off_the_tick_suggests_the_nearest(
    bot: BotHarness, trader: object
) -> None:
    reply = await bot.reply_text(trader, "/buy 005930 1 72,050")  # type: ignore[arg-type]
    assert "호가단위" in reply and "72,000원" in reply and "72,100원" in reply
    assert posts(bot) == []


async def test_limit_price_outside_the_daily_band_is_refused(
    bot: BotHarness, trader: object
) -> None:
    reply = await bot.reply_text(trader, "/sell 005930 1 100000")  # type: ignore[arg-type]
    assert "상한가" in reply and "92,300원" in reply
    reply = await bot.reply_text(trader, "/buy 005930 1 40000")  # type: ignore[arg-type]
    assert "하한가" in reply and "49,700원" in reply


async def test_summary_warns_when_the_order_exceeds_buying_power(
    bot: BotHarness, trader: object
) -> None:
    summary = await ask(bot, trader, "/buy 삼성전자 1,000 72000")  # type: ignore[arg-type]
    assert "삼성전자" in summary.text and "1,000주" in summary.text
    assert "72,000,000원" in summary.text
    assert "매수 가능 금액을 넘는" in summary.text
    small = await ask(bot, trader, "/buy 005930 1")  # type: ignore[arg-type]
    assert "예상 금액" in small.text and "매수 가능" in small.text
    assert "넘는" not in small.text


async def test_orders_lists_states_with_cancel_buttons_for_open_ones(
    bot: BotHarness, trader: object
) -> None:
    filled = await _place(bot, trader, "/buy 005930 1")
    resting = await _place(bot, trader, "/buy 005930 3 60000")
    bot.sandbox.fill(resting, 1)
    listing = await ask(bot, trader, "/orders")  # type: ignore[arg-type]
    lines = listing.text.splitlines()
    assert any(filled in line and "체결 1/1" in line for line in lines)
    assert any(resting in line and "일부체결" in line for line in lines)
    assert [b.callback_data for b in listing.flat_buttons] == [encode(CancelOrder(resting))]


async def test_cancel_flow_from_the_orders_button(bot: BotHarness, trader: object) -> None:
    resting = await _place(bot, trader, "/buy 005930 2 60000")
    listing = await ask(bot, trader, "/orders")  # type: ignore[arg-type]
    chat = bot.chat(trader)  # type: ignore[arg-type]
    before = len(bot.api.transcript(chat))
    await bot.press(trader, listing, encode(CancelOrder(resting)))  # type: ignore[arg-type]
    (confirmation,) = (await bot.api.wait_for_messages(chat, before + 1))[before:]
    assert "주문 취소 확인" in confirmation.text and resting in confirmation.text
    assert posts(bot, REVISE_CANCEL) == []
    await bot.press(trader, confirmation, data_of(confirmation, "ok"))  # type: ignore[arg-type]
    assert "취소가 접수되었습니다" in confirmation.text
    assert len(posts(bot, REVISE_CANCEL)) == 1
    again = await bot.reply_text(trader, f"/cancel {int(resting)}")  # type: ignore[arg-type]
    assert "이미 취소되었습니다" in again


async def test_cancel_part_of_an_order_without_leading_zeros(
    bot: BotHarness, trader: object
) -> None:
    resting = await _place(bot, trader, "/buy 005930 5 60000")
    too_many = await bot.reply_text(trader, f"/cancel {int(resting)} 9")  # type: ignore[arg-type]
    assert "미체결 수량은 5주" in too_many
    confirmation = await ask(bot, trader, f"/cancel {int(resting)} 2")  # type: ignore[arg-type]
    assert "2주" in confirmation.text
    await bot.press(trader, confirmation, data_of(confirmation, "ok"))  # type: ignore[arg-type]
    assert "취소가 접수되었습니다" in confirmation.text
    listing = await bot.reply_text(trader, "/orders")  # type: ignore[arg-type]
    assert resting in listing


async def test_cancel_of_a_filled_order_says_it_is_filled(bot: BotHarness, trader: object) -> None:
    filled = await _place(bot, trader, "/buy 005930 1")
    reply = await bot.reply_text(trader, f"/cancel {filled}")  # type: ignore[arg-type]
    assert "이미 전량 체결" in reply
    assert posts(bot, REVISE_CANCEL) == []


async def test_modify_shows_old_and_new_price_and_reports_the_new_number(
    bot: BotHarness, trader: object
) -> None:
    resting = await _place(bot, trader, "/buy 005930 2 60000")
    off_tick = await bot.reply_text(trader, f"/modify {resting} 60050")  # type: ignore[arg-type]
    assert "60,000원" in off_tick and "60,100원" in off_tick
    confirmation = await ask(bot, trader, f"/modify {resting} 61000")  # type: ignore[arg-type]
    assert "60,000원 → 61,000원" in confirmation.text
    await bot.press(trader, confirmation, data_of(confirmation, "ok"))  # type: ignore[arg-type]
    assert "새 주문번호" in confirmation.text
    new_number = confirmation.text.split("새 주문번호")[-1].strip()
    assert new_number != resting
    listing = await bot.reply_text(trader, "/orders")  # type: ignore[arg-type]
    assert "정정됨" in listing and "61,000원" in listing


async def test_a_real_key_orders_on_the_real_host_with_real_tr_ids(bot: BotHarness) -> None:
    user = bot.user()
    await bot.register_key(user, Environment.REAL)
    # KRX named: without it a market order is refused while only NXT trades.
    summary = await ask(bot, user, "/buy 005930 1 krx")
    assert "[실전]" in summary.text
    await bot.press(user, summary, data_of(summary, "ok"))
    assert len(bot.sandbox.requests(ORDER_CASH, flavour="real", tr_id="TTTC0012U")) == 1
    assert bot.sandbox.requests(ORDER_CASH, flavour="mock") == []


async def test_confirming_after_switching_accounts_sends_nothing(bot: BotHarness) -> None:
    user = bot.user()
    await bot.register_key(user)
    await bot.register_key(user, Environment.REAL)
    summary = await ask(bot, user, "/buy 005930 1")
    assert "[모의]" in summary.text
    await bot.services.database.users.set_active_env(user.id, Environment.REAL)
    await bot.press(user, summary, data_of(summary, "ok"))
    assert "계좌가 바뀌어" in summary.text
    assert posts(bot) == []


async def test_without_a_key_the_user_is_told_to_register(bot: BotHarness) -> None:
    user = bot.user()
    assert "/setkey" in await bot.reply_text(user, "/buy 005930 1")
    assert "/setkey" in await bot.reply_text(user, "/orders")


async def test_english_summary_and_buttons(tmp_path: Path) -> None:
    async with BotHarness(tmp_path, env={"KISBOT_LOCALE": "en"}) as bot:
        user = bot.user()
        await bot.register_key(user)
        summary = await ask(bot, user, "/sell 005930 1")
        assert [b.text for b in summary.flat_buttons] == ["Confirm", "Cancel"]
        assert "Estimated amount" in summary.text and "[mock]" in summary.text


MALFORMED = [
    ("/buy", "사용법"),
    ("/buy 005930", "사용법"),
    ("/sell 005930 0", "수량"),
    ("/buy 005930 abc", "수량"),
    ("/buy 005930 1.5", "수량"),
    ("/buy 005930 2000000", "1,000,000"),
    ("/buy 005930 1 -100", "가격"),
    ("/buy 005930 1 0", "가격"),
    ("/buy 005930 1 72000원원", "가격"),
    ("/buy 00593 1", "종목코드"),
    ("/buy 없는종목이름 1", "종목"),
    ("/buy 삼성 1", "여러 개"),
    ("/buy 005930 1 72000 extra", "가격"),
    ("/cancel", "사용법"),
    ("/cancel abc", "주문번호"),
    ("/cancel 0000", "주문번호"),
    ("/cancel 123 0", "수량"),
    ("/cancel 99999", "없습니다"),
    ("/modify", "사용법"),
    ("/modify 123", "사용법"),
    ("/modify 123 시장가", "사용법"),
    ("/modify x 100", "주문번호"),
    ("/modify 123 -1", "가격"),
]


async def test_malformed_trading_commands_say_what_was_wrong(
    bot: BotHarness, trader: object, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    for text, expected in MALFORMED:
        reply = await bot.reply_text(trader, text)  # type: ignore[arg-type]
        assert expected in reply, (text, reply)
        assert "오류가 발생했습니다" not in reply
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "Traceback" not in caplog.text
    assert posts(bot) == []
