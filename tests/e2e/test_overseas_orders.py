"""Overseas orders end to end: /buy AAPL 1 190.50 → 확인 → one order at the sandbox, in dollars
with the won estimate; no market orders, off-tick prices and odd lots refused before anything is
pending; /orders lists orders abroad; a cancel and a price change of a US order; a lost answer
settled against the overseas order list, never resent."""

from __future__ import annotations

import asyncio
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from handlers import jobs
from handlers.callbacks import CancelOrder, encode
from kisbot.chat.models import Message, User
from kisbot.clock import KST
from kisbot.kis import Environment
from kisbot.sandbox.messages import Flavour
from kisbot.sandbox.overseas.broker import OverseasOrder
from tests.e2e.harness import BotHarness, bot_at
from tests.e2e.overseas_helpers import investor
from tests.e2e.trading_helpers import ask, data_of, eventually

ORDER = "/uapi/overseas-stock/v1/trading/order"
REVISE = "/uapi/overseas-stock/v1/trading/order-rvsecncl"
NEW_YORK_OPEN = datetime(2026, 12, 7, 23, 45, tzinfo=KST)  # Monday 09:45 in New York
NEW_YORK_CLOSED = datetime(
    2026, 12, 7, 8, 0, tzinfo=KST
)  # Sunday 18:00 in New York (and no daytime session)


def posts(bot: BotHarness, path: str = ORDER) -> list[tuple[str, int]]:
    """The TR ID and HTTP status of every POST the sandbox took on `path`."""
    return [(e.tr_id, e.status) for e in bot.sandbox.requests(path) if e.method == "POST"]


def orders_at(bot: BotHarness, flavour: Flavour = "real") -> list[OverseasOrder]:
    broker = bot.sandbox.state.hosts[flavour].overseas
    return [order for account in broker.accounts.values() for order in account.orders]


async def test_buy_aapl_at_a_limit_sends_one_order_in_dollars(tmp_path: Path) -> None:
    async with bot_at(tmp_path, NEW_YORK_OPEN) as bot:
        user = await investor(bot)
        summary = await ask(bot, user, "/buy AAPL 1 190.50")
        text = summary.text or ""
        assert "애플" in text and "NAS:AAPL" in text and "거래소: 나스닥 (USD)" in text
        assert "$190.50 (지정가)" in text and "주문 금액: $190.50" in text
        assert "약 266,795원" in text  # 190.50 x 1,400.50, KIS's rate
        assert "정규장 중" in text
        await bot.press(user, summary, data_of(summary, "ok"))
        assert "주문번호" in (summary.text or "") and "$190.50" in (summary.text or "")
        assert posts(bot) == [("TTTT1002U", 200)]
        (order,) = orders_at(bot)
        assert (order.stock.listing.symbol, order.qty, order.price) == (
            "AAPL",
            1,
            Decimal("190.50"),
        )
        assert order.filled == 0  # below the price: it rests


async def test_a_mock_sell_goes_out_with_the_mock_sell_tr(tmp_path: Path) -> None:
    async with bot_at(tmp_path, NEW_YORK_OPEN) as bot:
        user = await investor(bot, Environment.MOCK)
        summary = await ask(bot, user, "/sell 애플 2 $191.00")
        assert "≈" not in (summary.text or "") and "원화 환산" not in (summary.text or "")
        await bot.press(user, summary, data_of(summary, "ok"))
        assert posts(bot) == [("VTTT1001U", 200)]
        (order,) = orders_at(bot, "mock")
        assert order.filled == 2  # at or below the price: filled at once, at $191.25


async def test_what_kis_would_refuse_is_refused_before_anything_is_pending(
    tmp_path: Path,
) -> None:
    async with bot_at(tmp_path, NEW_YORK_OPEN) as bot:
        user = await investor(bot)
        market = await bot.reply_text(user, "/buy AAPL 1")
        assert "시장가 주문이 없습니다" in market and "/buy NAS:AAPL 1 191.25" in market
        assert "소수점 2자리" in await bot.reply_text(user, "/buy AAPL 1 190.505")
        assert "100주 단위" in await bot.reply_text(user, "/buy 텐센트 50 380.2")
        assert "국내 주식의 거래소" in await bot.reply_text(user, "/buy AAPL 1 190 nxt")
        assert "시세가 없습니다" in await bot.reply_text(user, "/buy NYS:AAPL 1 190")
        assert "원 단위" in await bot.reply_text(user, "/buy 005930 1 72000.5")
        assert posts(bot) == []
        replies = bot.api.transcript(bot.chat(user))
        assert not any(m.flat_buttons for m in replies if m.from_bot)  # nothing to confirm


async def test_orders_lists_orders_abroad_and_a_us_order_is_cancelled(tmp_path: Path) -> None:
    async with bot_at(tmp_path, NEW_YORK_CLOSED) as bot:
        user = await investor(bot)
        summary = await ask(bot, user, "/buy TSLA 2 240")
        assert "정규장 밖" in (summary.text or "")
        await bot.press(user, summary, data_of(summary, "ok"))
        (order,) = orders_at(bot)
        (listing,) = await bot.send(user, "/orders")
        text = listing.text or ""
        assert "해외 주문" in text and order.odno in text and "$240.00" in text
        assert "오늘 주문이 없습니다" in text  # none at KRX
        button = encode(CancelOrder(order.odno))
        assert button in [b.callback_data for b in listing.flat_buttons]
        await bot.press(user, listing, button)
        await bot.api.wait_for_messages(bot.chat(user), 3, timeout=10)
        (confirm,) = bot.api.transcript(bot.chat(user))[-1:]
        assert "주문 취소 확인" in (confirm.text or "") and "2주 (미체결 전량)" in (
            confirm.text or ""
        )
        await bot.press(user, confirm, data_of(confirm, "ok"))
        assert posts(bot, REVISE) == [("TTTT1004U", 200)]
        assert order.open_qty == 0 and order.filled == 0


async def test_a_us_order_price_is_changed(tmp_path: Path) -> None:
    async with bot_at(tmp_path, NEW_YORK_CLOSED) as bot:
        user = await investor(bot)
        summary = await ask(bot, user, "/buy AAPL 1 180")
        await bot.press(user, summary, data_of(summary, "ok"))
        (order,) = orders_at(bot)
        change = await ask(bot, user, f"/modify {order.odno} 185.5")
        assert "$180.00 → $185.50" in (change.text or "")
        await bot.press(user, change, data_of(change, "ok"))
        assert posts(bot, REVISE) == [("TTTT1004U", 200)]
        first, revised = orders_at(bot)
        assert first.open_qty == 0 and revised.price == Decimal("185.50")
        assert revised.original_odno == order.odno


async def test_a_lost_answer_abroad_is_settled_not_resent(tmp_path: Path) -> None:
    async with bot_at(tmp_path, NEW_YORK_OPEN, KISBOT_KIS_TIMEOUT="0.3") as bot:
        user = await investor(bot)
        bot.sandbox.inject_fault(ORDER, "delay", delay=0.8)
        summary = await ask(bot, user, "/buy AAPL 1 190.50")
        toast = await bot.press(user, summary, data_of(summary, "ok"))
        assert "결과 확인 불가" in toast
        await eventually(lambda: len(posts(bot)) == 1)  # the sandbox placed it, late
        (order,) = orders_at(bot)
        listing = await bot.reply_text(user, "/orders")
        assert "확인 결과" in listing and order.odno in listing
        assert order.odno in (summary.text or "")
        assert posts(bot) == [("TTTT1002U", 200)]


async def test_a_fill_abroad_is_told_once_while_krx_sleeps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jobs, "ORDER_WATCH_INTERVAL", 0.2)
    async with bot_at(tmp_path, NEW_YORK_OPEN, KISBOT_MARKET_HOURS_ONLY="true") as bot:
        user = await investor(bot)
        summary = await ask(bot, user, "/buy AAPL 3 190")
        await bot.press(user, summary, data_of(summary, "ok"))
        (order,) = orders_at(bot)
        bot.sandbox.fill_overseas(order.odno, 1, price=Decimal("190"), flavour="real")
        await eventually(lambda: len(told(bot, user, "부분체결 1/3주")) == 1)
        bot.sandbox.set_overseas_price("NAS", "AAPL", Decimal("189.90"))  # the rest fills
        await eventually(lambda: len(told(bot, user, "체결완료 3/3주")) == 1)
        (done,) = told(bot, user, "체결완료 3/3주")
        assert "$189.93" in (done.text or "")  # (190 + 2 x 189.90) / 3, KIS's average
        assert done.reply_to_message_id == summary.message_id
        await eventually(lambda: "📊 상태: 체결완료 3/3주" in (summary.text or ""))
        await asyncio.sleep(1)  # more rounds: nothing twice
        assert len(told(bot, user, "체결")) == 2


def told(bot: BotHarness, user: User, text: str) -> list[Message]:
    return [
        m
        for m in bot.api.transcript(bot.chat(user))
        if m.from_bot and text in (m.text or "") and "📊" not in (m.text or "")
    ]


async def test_in_kis_us_daytime_hours_a_real_key_orders_into_the_daytime_session(
    tmp_path: Path,
) -> None:
    daytime = datetime(2026, 12, 8, 11, 0, tzinfo=KST)  # Tuesday 11:00 KST
    async with bot_at(tmp_path, daytime) as bot:
        user = await investor(bot)
        summary = await ask(bot, user, "/buy AAPL 1 191.25")
        assert "주간거래" in (summary.text or "")
        await bot.press(user, summary, data_of(summary, "ok"))
        assert posts(bot, "/uapi/overseas-stock/v1/trading/daytime-order") == [("TTTS6036U", 200)]
        (order,) = orders_at(bot)
        assert order.daytime and order.filled == 1  # at the price, in the daytime session
        mock_user = await investor(bot, Environment.MOCK)  # mock has no daytime API
        summary = await ask(bot, mock_user, "/buy AAPL 1 180")
        assert "주간거래" not in (summary.text or "")
        await bot.press(mock_user, summary, data_of(summary, "ok"))
        assert posts(bot) == [("VTTT1002U", 200)]
        # A resting real order is cancelled in the same session's API.
        resting = await ask(bot, user, "/buy AAPL 1 150")
        await bot.press(user, resting, data_of(resting, "ok"))
        open_order = orders_at(bot)[-1]
        change = await ask(bot, user, f"/cancel {open_order.odno}")
        await bot.press(user, change, data_of(change, "ok"))
        assert posts(bot, "/uapi/overseas-stock/v1/trading/daytime-order-rvsecncl") == [
            ("TTTS6038U", 200)
        ]
        assert open_order.open_qty == 0
