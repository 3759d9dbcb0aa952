"""The 2026 trading day as a user sees it: orders routed to KRX or NXT, /price side by side,
and alerts that keep watching NXT's after-market."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime, time
from pathlib import Path

import pytest

from handlers import jobs
from kisbot.chat.models import User
from kisbot.clock import KST
from kisbot.kis import Environment
from tests.e2e.alerts_helpers import FAST, alert_messages, wait_for_alerts
from tests.e2e.harness import BotHarness, bot_at
from tests.e2e.trading_helpers import ORDER_CASH, ask, data_of, eventually, posts

MONDAY = date(2026, 11, 23)
CODE = "005930"


@asynccontextmanager
async def at(tmp_path: Path, hour: int, minute: int = 0, **env: str) -> AsyncIterator[BotHarness]:
    """A bot and a sandbox on one manual clock, set to that time of a Monday (KST)."""
    async with bot_at(tmp_path, datetime.combine(MONDAY, time(hour, minute), KST), **env) as bot:
        yield bot


async def trader(bot: BotHarness, environment: Environment = Environment.REAL) -> User:
    user = bot.user()
    await bot.register_key(user, environment)
    bot.sandbox.set_price(CODE, 72_000)
    return user


def sandbox_orders(bot: BotHarness) -> list[str]:
    """The venue of every order the sandbox's real host holds."""
    broker = bot.sandbox.state.hosts["real"].broker
    return [order.venue for account in broker.accounts.values() for order in account.orders]


async def test_buy_at_0810_routes_to_nxt_and_the_confirmation_says_so(tmp_path: Path) -> None:
    async with at(tmp_path, 8, 10) as bot:
        user = await trader(bot)
        summary = await ask(bot, user, f"/buy {CODE} 2 72000")
        assert "거래소: NXT (지금은 NXT만 거래합니다)" in summary.text, summary.text
        await bot.press(user, summary, data_of(summary, "ok"))
        assert "주문번호" in summary.text
        assert sandbox_orders(bot) == ["NXT"]
        listing = await bot.reply_text(user, "/orders")
        assert "NXT" in listing


async def test_a_market_order_while_only_nxt_trades_is_refused_with_the_reason(
    tmp_path: Path,
) -> None:
    async with at(tmp_path, 8, 10) as bot:
        user = await trader(bot)
        reply = await bot.reply_text(user, f"/buy {CODE} 2")
        assert "NXT는 시장가 주문을 받지 않습니다" in reply
        asked = await bot.reply_text(user, f"/buy {CODE} 2 시장가 nxt")
        assert "NXT는 시장가 주문을 받지 않습니다" in asked
        assert posts(bot) == []
        # SOR takes market orders.
        summary = await ask(bot, user, f"/buy {CODE} 2 sor")
        assert "거래소: SOR(최선집행) (직접 지정)" in summary.text


async def test_in_krx_hours_orders_go_to_krx_unless_named(tmp_path: Path) -> None:
    async with at(tmp_path, 10, 0) as bot:
        user = await trader(bot)
        summary = await ask(bot, user, f"/buy {CODE} 1 72000")
        assert "거래소: KRX (KRX 거래 시간)" in summary.text
        named = await ask(bot, user, f"/sell {CODE} 1 72000 NXT")
        assert "거래소: NXT (직접 지정)" in named.text
        await bot.press(user, named, data_of(named, "ok"))
        assert sandbox_orders(bot) == ["NXT"]


async def test_mock_accounts_order_on_krx_only(tmp_path: Path) -> None:
    async with at(tmp_path, 8, 10) as bot:
        user = await trader(bot, Environment.MOCK)
        reply = await bot.reply_text(user, f"/buy {CODE} 1 72000 nxt")
        assert "모의투자 계좌는 KRX 주문만 받습니다" in reply
        summary = await ask(bot, user, f"/buy {CODE} 1 72000")
        assert "거래소: KRX (모의투자는 KRX만 지원합니다)" in summary.text
        await bot.press(user, summary, data_of(summary, "ok"))
        assert len(bot.sandbox.requests(ORDER_CASH, flavour="mock")) == 1


async def test_price_shows_krx_and_nxt_side_by_side_while_nxt_trades(tmp_path: Path) -> None:
    async with at(tmp_path, 19, 0) as bot:
        user = await trader(bot)
        bot.sandbox.set_price(CODE, 71_000)
        bot.sandbox.set_price(CODE, 71_500, venue="nxt")
        text = await bot.reply_text(user, f"/price {CODE}")
        assert "71,500원 (통합)" in text
        assert "KRX 71,000원" in text and "NXT 71,500원" in text


async def test_price_on_mock_says_nxt_is_not_available(tmp_path: Path) -> None:
    async with at(tmp_path, 19, 0) as bot:
        user = await trader(bot, Environment.MOCK)
        text = await bot.reply_text(user, f"/price {CODE}")
        assert "72,000원" in text and "NXT 가격은 모의투자에서 제공되지 않습니다" in text
        assert "통합" not in text


async def test_an_alert_fires_at_1900_from_the_nxt_after_market(tmp_path: Path) -> None:
    env = {**FAST, "KISBOT_MARKET_HOURS_ONLY": "true"}
    async with at(tmp_path, 19, 0, **env) as bot:
        user = await trader(bot)
        bot.sandbox.set_price(CODE, 70_000)
        await bot.send(user, f"/alert {CODE} above 80000")
        bot.sandbox.set_price(CODE, 80_500, venue="nxt")
        [message] = await wait_for_alerts(bot, user, 1)
        assert "현재가(NXT) 80,500원" in message.text
        assert len(alert_messages(bot, user)) == 1


async def test_after_1530_a_real_key_ticks_on_nxt_and_a_crossing_trade_fires(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jobs, "PLAN_INTERVAL", 0.1)
    async with at(tmp_path, 19, 0, KISBOT_REALTIME="true") as bot:
        user = await trader(bot)
        bot.sandbox.set_price(CODE, 70_000)
        await bot.send(user, f"/alert {CODE} above 71000")
        await eventually(lambda: CODE in bot.core.realtime.live_codes())
        [session] = bot.sandbox.sessions()
        assert ("H0NXCNT0", CODE) in session.registrations
        bot.sandbox.set_price(CODE, 71_500, venue="nxt")
        [message] = await wait_for_alerts(bot, user, 1)
        assert "현재가(NXT) 71,500원" in message.text
        assert bot.sandbox.requests("intstock-multprice") == []  # the tick fired it, not a round
