"""/balance end to end: holdings and the summary from the sandbox account, in both languages."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from kisbot.clock import ManualClock
from kisbot.kis import Credential, Environment
from kisbot.sandbox.accounts import STARTING_CASH, Account
from kisbot.sandbox.catalog import LISTINGS
from tests.e2e.harness import BotHarness

BALANCE_PATH = "/uapi/domestic-stock/v1/trading/inquire-balance"


@pytest.fixture(autouse=True)
def _no_error_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    with caplog.at_level(logging.WARNING):
        yield
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]


def _sandbox_account(bot: BotHarness, credential: Credential) -> Account:
    flavour = "mock" if credential.environment.is_mock else "real"
    return bot.sandbox.account(credential.account.full, flavour)


def _sell_everything(account: Account) -> None:
    for holding in list(account.holdings.values()):
        account.apply_sell(holding.code, holding.qty, holding.qty * 70_000)


async def test_balance_lists_each_holding_and_the_summary(bot: BotHarness) -> None:
    user = bot.user()
    credential = await bot.register_key(user)
    bot.sandbox.close_market()
    account = _sandbox_account(bot, credential)
    samsung = account.holdings["005930"]
    price = bot.sandbox.price("005930")
    text = await bot.reply_text(user, "/balance")
    assert "[모의]" in text and credential.account.masked in text
    assert credential.account.full not in text
    block = text[text.index("삼성전자") :].split("\n\n")[0]
    assert f"{samsung.qty}주" in block
    assert f"평균 {int(samsung.average_price):,}원" in block
    assert f"현재 {price:,}원" in block
    pnl = (price - int(samsung.average_price)) * samsung.qty
    assert f"{pnl:+,}원" in block
    assert re.search(r"\([+-]?\d+\.\d\d%\)", block)
    for name in ("카카오", "KODEX 200"):
        assert name in text
    assert f"예수금(D+2) {STARTING_CASH:,}원" in text
    assert "총평가금액" in text and "총평가손익" in text


async def test_balance_after_selling_everything_says_no_holdings(bot: BotHarness) -> None:
    user = bot.user()
    credential = await bot.register_key(user)
    account = _sandbox_account(bot, credential)
    _sell_everything(account)
    text = await bot.reply_text(user, "/balance")
    assert "보유 종목이 없습니다." in text
    assert "삼성전자" not in text
    assert f"예수금(D+2) {account.settled_cash:,}원" in text


async def test_balance_of_a_real_account_carries_the_real_badge(bot: BotHarness) -> None:
    user = bot.user()
    await bot.register_key(user, Environment.REAL)
    text = await bot.reply_text(user, "/balance")
    assert "[실전]" in text and "[모의]" not in text


async def test_balance_in_english(tmp_path: Path) -> None:
    async with BotHarness(tmp_path, env={"KISBOT_LOCALE": "en"}) as bot:
        user = bot.user()
        credential = await bot.register_key(user)
        text = await bot.reply_text(user, "/balance")
        assert "[mock]" in text and "Summary" in text and "Cash (D+2)" in text
        assert "Total P/L" in text and " sh · avg ₩" in text
        _sell_everything(_sandbox_account(bot, credential))
        assert "No holdings." in await bot.reply_text(user, "/balance")


async def test_balance_without_a_key_asks_to_register_one(bot: BotHarness) -> None:
    text = await bot.reply_text(bot.user(), "/balance")
    assert "/setkey" in text
    assert not bot.sandbox.requests(BALANCE_PATH)


async def test_balance_refused_by_kis_shows_msg1(bot: BotHarness) -> None:
    user = bot.user()
    await bot.register_key(user)
    bot.sandbox.inject_fault(
        BALANCE_PATH, "kis_error", msg_cd="OPSQ0002", msg1="없는 계좌번호입니다."
    )
    assert "없는 계좌번호입니다." in await bot.reply_text(user, "/balance")


async def test_balance_during_a_kis_outage_says_so(tmp_path: Path) -> None:
    async with BotHarness(tmp_path, clock=ManualClock(autojump=True)) as bot:
        user = bot.user()
        await bot.register_key(user)
        bot.sandbox.inject_fault(BALANCE_PATH, "http500", count=20)
        assert "연결할 수 없습니다" in await bot.reply_text(user, "/balance")


async def test_many_holdings_are_split_under_telegrams_limit(bot: BotHarness) -> None:
    user = bot.user()
    credential = await bot.register_key(user)
    account = _sandbox_account(bot, credential)
    codes = [listing.code for listing in LISTINGS]
    for listing in LISTINGS:
        # Long names as KIS gives for preferred shares, so that the reply outgrows one message.
        account.apply_buy(listing.code, f"{listing.name} 제2우선주(신형) 전환", 1, 10_000)
    chat = bot.chat(user)
    bot.api.send_text(user, "/balance")
    summary_came = await bot.api.changed.wait_until(
        lambda: any("예수금(D+2)" in (m.text or "") for m in bot.api.transcript(chat)), 10
    )
    assert summary_came
    messages = bot.api.transcript(chat)
    assert len(messages) > 1
    assert all(len(m.source_text or "") <= 4096 for m in messages)
    text = "\n".join(m.text or "" for m in messages)
    assert all(code in text for code in codes)
