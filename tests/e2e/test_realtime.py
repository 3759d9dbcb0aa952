"""Real time end to end: the bot holds KIS WebSockets to the sandbox over real sockets.

Fill notices for kisbot's orders and for orders placed elsewhere, alerts fired by ticks, a
dropped session that comes back with everything, frames sent twice, PINGPONG, the 40 cap.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from handlers import jobs
from kisbot.chat.models import Message, User
from kisbot.kis import Credential, Environment
from kisbot.sandbox.catalog import LISTINGS
from tests.e2e.harness import BotHarness
from tests.e2e.trading_helpers import ask, data_of, eventually

PRICE = 72_000
HTS_ID = "kisuser77"


@pytest.fixture(autouse=True)
def no_polling(monkeypatch: pytest.MonkeyPatch) -> None:
    # What arrives here arrives over the WebSocket: the polling fallback must not find it first.
    monkeypatch.setattr(jobs, "ORDER_WATCH_INTERVAL", 3600)
    monkeypatch.setattr(jobs, "PLAN_INTERVAL", 0.1)


@pytest.fixture
async def live(tmp_path: Path) -> AsyncIterator[BotHarness]:
    async with BotHarness(tmp_path, env={"KISBOT_REALTIME": "true"}) as bot:
        yield bot


async def connected(bot: BotHarness, user: User, hts_id: str | None = HTS_ID) -> Credential:
    """A mock key with an HTS ID whose fill notices arrive over a live session."""
    credential = await bot.register_key(user, hts_id=hts_id)
    bot.core.realtime.nudge()
    await eventually(lambda: bot.core.realtime.covers(user.id, Environment.MOCK))
    return credential


def said(bot: BotHarness, user: User, text: str) -> list[Message]:
    """The bot's messages with this text, but for confirmations (which show a 📊 state)."""
    return [
        m
        for m in bot.api.transcript(bot.chat(user))
        if m.from_bot and text in (m.text or "") and "📊" not in (m.text or "")
    ]


async def buy_resting(bot: BotHarness, user: User, qty: int) -> tuple[Message, str]:
    bot.sandbox.set_price("005930", PRICE)
    summary = await ask(bot, user, f"/buy 005930 {qty} 70000")
    await bot.press(user, summary, data_of(summary, "ok"))
    return summary, summary.text.split("주문번호")[-1].strip()


async def test_a_kisbot_order_is_followed_from_acceptance_to_full_fill(live: BotHarness) -> None:
    user = live.user()
    await connected(live, user)
    summary, order_no = await buy_resting(live, user, 10)
    await eventually(lambda: len(said(live, user, "주문 접수")) == 1)
    assert said(live, user, "주문 접수")[0].reply_to_message_id == summary.message_id
    await eventually(lambda: "📊 상태: 접수" in summary.text)
    live.sandbox.fill(order_no, 3)
    await eventually(lambda: len(said(live, user, "부분체결 3/10주")) == 1)
    await eventually(lambda: "📊 상태: 부분체결 3/10주" in summary.text)
    live.sandbox.fill(order_no, 7)
    await eventually(lambda: len(said(live, user, "체결완료 10/10주")) == 1)
    await eventually(lambda: "📊 상태: 체결완료 10/10주" in summary.text)
    fills = said(live, user, "체결")
    assert len(fills) == 2
    assert all(m.reply_to_message_id == summary.message_id for m in fills)


async def test_an_order_placed_in_hts_is_notified_too(live: BotHarness) -> None:
    user = live.user()
    credential = await connected(live, user)
    await live.send(user, "/start")
    live.sandbox.bind_hts_id(HTS_ID, credential.account.full)
    order_no = live.sandbox.place_hts_order(credential.account.full, "005930", "buy", 2, 70_000)
    await eventually(lambda: len(said(live, user, order_no)) == 1)
    (message,) = said(live, user, order_no)
    assert "주문 접수" in message.text and "매수" in message.text
    assert message.reply_to_message_id is None


async def test_a_rejection_after_acceptance_is_told_and_shown(live: BotHarness) -> None:
    user = live.user()
    await connected(live, user)
    live.sandbox.reject_next_order()
    summary, order_no = await buy_resting(live, user, 5)
    await eventually(lambda: len(said(live, user, "주문 거부")) == 1)
    await eventually(lambda: "📊 상태: 거부" in summary.text)
    assert order_no in said(live, user, "주문 거부")[0].text


async def test_a_dropped_session_comes_back_and_nothing_is_sent_twice(live: BotHarness) -> None:
    user = live.user()
    credential = await connected(live, user)
    summary, order_no = await buy_resting(live, user, 10)
    await eventually(lambda: "📊 상태: 접수" in summary.text)
    live.sandbox.fill(order_no, 4)
    await eventually(lambda: len(said(live, user, "부분체결 4/10주")) == 1)
    # The last frame again (as after a reconnect), then the session cut without a close frame.
    assert live.sandbox.resend_last_frame(credential.app_key) == 1
    assert live.sandbox.drop_sessions(credential.app_key) == 1
    await eventually(lambda: not live.core.realtime.covers(user.id, Environment.MOCK))
    await eventually(lambda: live.core.realtime.covers(user.id, Environment.MOCK), timeout=10)
    live.sandbox.fill(order_no, 6)
    await eventually(lambda: "📊 상태: 체결완료 10/10주" in summary.text)
    fills = said(live, user, "체결")
    assert [("부분체결 4/10주" in m.text, "체결완료 10/10주" in m.text) for m in fills] == [
        (True, False),
        (False, True),
    ]


async def test_pingpong_is_answered_and_the_session_stays(live: BotHarness) -> None:
    user = live.user()
    await connected(live, user)
    assert live.sandbox.ping_sessions() == 1
    await eventually(lambda: all(s.unanswered_pings == 0 for s in live.sandbox.sessions()))
    assert live.core.realtime.covers(user.id, Environment.MOCK)


async def test_a_crossing_tick_fires_the_alert_without_a_round(live: BotHarness) -> None:
    user = live.user()
    await live.register_key(user)
    live.sandbox.set_price("005930", 70_000)
    await live.send(user, "/alert 005930 above 71000")
    await eventually(lambda: "005930" in live.core.realtime.live_codes())
    live.sandbox.set_price("005930", 71_500)
    await eventually(lambda: len(said(live, user, "71,500")) == 1)
    # Only /alert itself read a quote: no polling round found it.
    assert len(live.sandbox.requests("inquire-price")) == 1


async def test_every_record_of_a_multi_record_frame_is_read(live: BotHarness) -> None:
    user = live.user()
    await live.register_key(user)
    codes = ["005930", "000660", "035720", "005380", "051910"]
    levels = {code: live.sandbox.set_price(code, live.sandbox.price(code)) for code in codes}
    for code in codes:
        await live.send(user, f"/alert {code} above {levels[code] + 1}")
    await eventually(lambda: set(codes) <= live.core.realtime.live_codes())
    for code in codes:  # one turn of the sandbox's loop: the ticks go out as one frame
        live.sandbox.set_price(code, levels[code] * 105 // 100)
    await eventually(lambda: len(said(live, user, "알림 #")) >= len(codes))


async def test_at_most_forty_registrations_and_the_rest_are_polled(live: BotHarness) -> None:
    user = live.user()
    credential = await connected(live, user)
    watched = [listing.code for listing in LISTINGS][:45]
    for code in watched:
        await live.services.database.alerts.add(user.id, code, "above", 100_000_000)
    live.core.realtime.nudge()
    await eventually(lambda: len(live.core.realtime.live_codes()) == 39)
    (session,) = [s for s in live.sandbox.sessions() if s.appkey == credential.app_key]
    assert len(session.registrations) == 40  # 39 codes and the fill notices
    await live.core.alerts.check()  # the codes just went live: fetched once more
    report = await live.core.alerts.check()
    assert report.codes == report.calls == len(set(watched)) - 39  # the rest: one call a code


async def test_ticked_codes_follow_alerts_as_they_are_added_fired_and_removed(
    live: BotHarness,
) -> None:
    user = live.user()
    await live.register_key(user)
    samsung = live.sandbox.set_price("005930", 70_000)
    hynix = live.sandbox.price("000660")
    await live.send(user, f"/alert 005930 above {samsung + 1000}")
    await live.send(user, f"/alert 000660 above {hynix * 110 // 100}")
    await eventually(lambda: live.core.realtime.live_codes() == {"005930", "000660"})
    await live.send(user, "/unalert 2")
    await eventually(lambda: live.core.realtime.live_codes() == {"005930"})
    live.sandbox.set_price("005930", samsung + 1000)  # fires the one-shot alert
    await eventually(lambda: len(said(live, user, "알림 #1")) == 1)
    # Nothing left to watch and no HTS ID: the key's session closes.
    await eventually(lambda: live.sandbox.sessions() == [])


async def test_on_mock_fills_are_polled_as_well_and_still_reported_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # KIS's mock server is said to drop notices: kisbot's own mock orders are polled too.
    monkeypatch.setattr(jobs, "ORDER_WATCH_INTERVAL", 0.1)
    async with BotHarness(tmp_path, env={"KISBOT_REALTIME": "true"}) as bot:
        user = bot.user()
        await connected(bot, user)
        summary, order_no = await buy_resting(bot, user, 10)
        before = len(bot.sandbox.requests("inquire-daily-ccld"))
        await eventually(lambda: len(bot.sandbox.requests("inquire-daily-ccld")) > before + 2)
        bot.sandbox.fill(order_no, 10)  # seen by a notice (and its read) and by the polling
        await eventually(lambda: "📊 상태: 체결완료 10/10주" in summary.text)
        await asyncio.sleep(0.5)  # a few more polling rounds' time
        assert len(said(bot, user, "체결완료 10/10주")) == 1


async def test_setkey_with_an_hts_id_says_notices_are_real_time_and_connects(
    live: BotHarness,
) -> None:
    user = live.user()
    reply = await live.reply_text(
        user, "/setkey PSliveKey0001 LiveSecret0001 50011111-01 mock htsid01"
    )
    assert "체결 알림: 실시간" in reply and "htsid01" not in reply
    await eventually(lambda: live.core.realtime.covers(user.id, Environment.MOCK))
    (session,) = live.sandbox.sessions()
    assert [tr_id for tr_id, _ in session.registrations] == ["H0STCNI9"]  # mock's notice TR
