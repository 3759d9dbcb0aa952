"""A restart on the same data directory keeps what users were in the middle of."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handlers import jobs
from kisbot.chat.models import Message, User
from kisbot.kis import Side
from kisbot.orders import reconcile
from tests.e2e.harness import BotHarness
from tests.e2e.trading_helpers import ask, data_of, eventually, intent_id_of, posts, stale_copy


async def test_a_pending_order_confirmed_after_a_restart_is_submitted_once(
    bot: BotHarness,
) -> None:
    user = bot.user("Restarter")
    await bot.register_key(user)
    summary = await ask(bot, user, "/buy 005930 3")
    before_restart = stale_copy(summary)

    await bot.restart()

    await bot.press(user, summary, data_of(summary, "ok"))
    shown = bot.api.find_message(summary.chat.id, summary.message_id)
    await eventually(lambda: shown is not None and "주문번호" in (shown.text or ""))
    assert len(posts(bot)) == 1

    await bot.press(user, before_restart, data_of(before_restart, "ok"))
    assert len(posts(bot)) == 1


async def _die_mid_submit(bot: BotHarness, user: User, sent: bool) -> Message:
    """What a process killed between its claim and its record leaves: a `submitting` row."""
    summary = await ask(bot, user, "/buy 005930 3")
    intent_id = intent_id_of(summary)
    assert await bot.services.database.confirmations.claim(intent_id, user.id)
    if sent:
        credential = await bot.services.database.credentials.get_active(user.id)
        assert credential is not None
        await bot.services.kis.client(credential).place_order(Side.BUY, "005930", 3)
    return summary


@pytest.mark.parametrize("sent", [True, False], ids=["order-out", "order-never-sent"])
async def test_a_submission_cut_off_by_a_crash_is_settled_after_restart(
    bot: BotHarness, sent: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = bot.user("Crashed")
    monkeypatch.setattr(jobs, "LEFTOVER_CHECK", 0.2)
    monkeypatch.setattr(jobs, "LEFTOVER_INTERVAL", 0.5)
    monkeypatch.setattr(reconcile, "SUBMIT_CUT_OFF", timedelta(seconds=1))
    await bot.register_key(user)
    summary = await _die_mid_submit(bot, user, sent)
    as_first_shown = stale_copy(summary)
    chat = bot.chat(user)
    before = len(bot.api.transcript(chat))

    await bot.restart()

    await bot.api.wait_for_messages(chat, before + 1, timeout=10)
    note = bot.api.transcript(chat)[-1].text or ""
    shown = bot.api.find_message(summary.chat.id, summary.message_id)
    assert shown is not None
    if sent:
        assert "확인 결과" in note and "0000010001" in note
        assert "0000010001" in (shown.text or "")
    else:
        assert "확인 결과" in note and "접수되지 않았습니다" in note
    assert len(posts(bot)) == (1 if sent else 0)  # settled by looking, never by sending
    assert "확인" not in [button.text for button in shown.flat_buttons]
    await bot.press(user, as_first_shown, data_of(as_first_shown, "ok"))
    assert len(posts(bot)) == (1 if sent else 0)
