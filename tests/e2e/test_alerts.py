"""Price alerts end to end: the bot's own JobQueue ticks the engine against the sandbox."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import update

from handlers.callbacks import AlertPrice, AlertRemove, encode
from kisbot.chat.models import User
from kisbot.chat.wire import Fault
from kisbot.clock import ManualClock
from kisbot.kis import Environment
from kisbot.store.models import OutboxMessage
from tests.e2e.alerts_helpers import (
    FAST,
    alert_messages,
    quote_calls,
    wait_for_alerts,
    wait_rounds,
)
from tests.e2e.harness import BotHarness

CODE = "005930"


def base(bot: BotHarness, code: str = CODE) -> int:
    """Yesterday's close in the sandbox: prices stay within ±30% of it."""
    stock = bot.sandbox.state.market.get(code)
    assert stock is not None
    return stock.base


async def one_firing_one_waiting(bot: BotHarness) -> User:
    """A user with a key and two alerts on CODE: #1 fires at once, #2 is out of reach."""
    user = bot.user()
    await bot.register_key(user)
    close = base(bot)
    bot.sandbox.set_price(CODE, close)
    await bot.send(user, f"/alert {CODE} above 1000")
    await bot.send(user, f"/alert {CODE} above {close * 120 // 100}")
    return user


async def test_alert_fires_once_when_the_price_crosses_and_not_before(tmp_path: Path) -> None:
    async with BotHarness(tmp_path, env=FAST) as bot:
        user = bot.user()
        await bot.register_key(user)
        close = base(bot)
        bot.sandbox.set_price(CODE, close)
        threshold = close * 110 // 100
        reply = await bot.reply_text(user, f"/alert {CODE} above {threshold}")
        assert "#1" in reply and f"{threshold:,}" in reply
        await wait_rounds(bot, 3)
        assert alert_messages(bot, user) == []
        crossed = bot.sandbox.set_price(CODE, close * 115 // 100)
        await wait_rounds(bot, 3)
        [message] = alert_messages(bot, user)
        assert (
            CODE in message.text and "삼성전자" in message.text and f"{crossed:,}" in message.text
        )
        await wait_rounds(bot, 3)
        assert len(alert_messages(bot, user)) == 1
        listing = await bot.reply_text(user, "/alerts")
        assert "#1" in listing and "발생" in listing


async def test_percent_alerts_fire_on_the_move_from_the_previous_close(tmp_path: Path) -> None:
    async with BotHarness(tmp_path, env=FAST) as bot:
        user = bot.user()
        await bot.register_key(user)
        close = base(bot)
        bot.sandbox.set_price(CODE, close)
        await bot.send(user, f"/alert {CODE} +5%")
        await bot.send(user, f"/alert {CODE} -3%")
        bot.sandbox.set_price(CODE, close * 104 // 100)
        await wait_rounds(bot, 3)
        assert alert_messages(bot, user) == []
        bot.sandbox.set_price(CODE, close * 106 // 100)
        await wait_rounds(bot, 3)
        [up] = alert_messages(bot, user)
        assert "+5.00%" in up.text and "#1" in up.text
        bot.sandbox.set_price(CODE, close * 96 // 100)
        await wait_rounds(bot, 3)
        assert ["#1" in m.text for m in alert_messages(bot, user)] == [True, False]
        assert "-3.00%" in alert_messages(bot, user)[1].text


async def test_repeat_rearms_only_past_the_margin_and_after_the_cooldown(tmp_path: Path) -> None:
    clock = ManualClock(autojump=True)
    async with BotHarness(tmp_path, env=FAST, clock=clock) as bot:
        user = bot.user()
        await bot.register_key(user)
        close = base(bot)
        threshold = close * 110 // 100
        bot.sandbox.set_price(CODE, close)
        await bot.send(user, f"/alert {CODE} above {threshold} repeat")
        bot.sandbox.set_price(CODE, threshold + 1000)
        await wait_rounds(bot, 3)
        assert len(alert_messages(bot, user)) == 1
        # A dip smaller than the margin does not re-arm: crossing again stays quiet.
        bot.sandbox.set_price(CODE, threshold - 100)
        await wait_rounds(bot, 2)
        bot.sandbox.set_price(CODE, threshold + 1000)
        await wait_rounds(bot, 3)
        assert len(alert_messages(bot, user)) == 1
        # Back past the margin re-arms, but the cooldown still holds the next firing.
        bot.sandbox.set_price(CODE, threshold * 97 // 100)
        await wait_rounds(bot, 3)
        bot.sandbox.set_price(CODE, threshold + 1000)
        await wait_rounds(bot, 3)
        assert len(alert_messages(bot, user)) == 1
        await clock.advance(301)
        await wait_rounds(bot, 3)
        assert len(alert_messages(bot, user)) == 2


async def test_no_kis_calls_while_the_market_is_closed(tmp_path: Path) -> None:
    saturday = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)  # 12:00 KST on a Saturday
    clock = ManualClock(saturday, autojump=True)
    env = {**FAST, "KISBOT_MARKET_HOURS_ONLY": "true"}
    async with BotHarness(tmp_path, env=env, clock=clock) as bot:
        user = bot.user()
        await bot.register_key(user)
        await bot.send(user, f"/alert {CODE} above 1000")  # holds at once
        after_command = len(quote_calls(bot))
        await wait_rounds(bot, 4)
        assert len(quote_calls(bot)) == after_command
        assert alert_messages(bot, user) == []
        await clock.advance(2 * 86400)  # Monday 12:00 KST: open
        await wait_rounds(bot, 3)
        assert len(quote_calls(bot)) > after_command
        assert len(alert_messages(bot, user)) == 1


async def test_a_failed_delivery_is_retried_and_arrives_once(tmp_path: Path) -> None:
    async with BotHarness(tmp_path, env=FAST) as bot:
        user = bot.user()
        await bot.register_key(user)
        await bot.send(user, f"/alert {CODE} above 1000")
        bot.api.fail_next("sendMessage", Fault.server_error())
        bot.api.fail_next("sendMessage", Fault.dropped_connection())
        await wait_rounds(bot, 6)
        assert len(alert_messages(bot, user)) == 1
        [row] = await bot.services.database.outbox.pending() or [None]
        assert row is None
        await wait_rounds(bot, 3)
        assert len(alert_messages(bot, user)) == 1


async def test_retry_after_is_honoured_and_the_message_still_arrives(tmp_path: Path) -> None:
    async with BotHarness(tmp_path, env=FAST) as bot:
        user = bot.user()
        await bot.register_key(user)
        await bot.send(user, f"/alert {CODE} above 1000")
        bot.api.fail_next("sendMessage", Fault.too_many_requests(1))
        refused = len(bot.api.calls_of("sendMessage")) + 1
        await bot.api.wait_for_calls("sendMessage", refused, timeout=5)
        await wait_rounds(bot, 1)
        [row] = await bot.services.database.outbox.pending() or [None]
        assert row is None  # waiting out RetryAfter: not due yet
        assert alert_messages(bot, user) == []
        assert len(await wait_for_alerts(bot, user, 1)) == 1
        await wait_rounds(bot, 2)
        assert len(alert_messages(bot, user)) == 1


async def test_a_user_who_blocked_the_bot_has_alerts_paused_not_deleted(tmp_path: Path) -> None:
    async with BotHarness(tmp_path, env=FAST) as bot:
        user = await one_firing_one_waiting(bot)
        bot.api.block(user)

        async def states() -> list[str]:
            return [a.state for a in await bot.services.database.alerts.list_for_user(user.id)]

        # The held message is tried again each round until one meets the block: a loaded
        # machine may need more than a few rounds for that (bounded: 40 rounds, about 8 s).
        for _ in range(20):
            await wait_rounds(bot, 2)
            if await states() == ["paused"]:
                break
        assert await states() == ["paused"]  # the fired one is kept too, as fired
        bot.api.unblock(user)
        listing = await bot.reply_text(user, "/alerts")
        assert "다시 감시" in listing
        await wait_rounds(bot, 3)
        assert len(alert_messages(bot, user)) == 1  # the held message arrives after all
        states = [a.state for a in await bot.services.database.alerts.list_for_user(user.id)]
        assert states == ["active"]


async def test_a_chat_that_is_gone_holds_the_alert_like_a_block(tmp_path: Path) -> None:
    async with BotHarness(tmp_path, env=FAST) as bot:
        user = await one_firing_one_waiting(bot)
        bot.api.fail_next("sendMessage", Fault(400, "Bad Request: chat not found"))
        await wait_rounds(bot, 3)
        states = [a.state for a in await bot.services.database.alerts.list_for_user(user.id)]
        assert states == ["paused"]  # the one that fired waits in the outbox
        refused = len(bot.api.calls_of("sendMessage"))
        await wait_rounds(bot, 3)
        assert len(bot.api.calls_of("sendMessage")) == refused  # held, not retried every tick
        await bot.reply_text(user, "/alerts")  # the user is back
        await wait_rounds(bot, 3)
        assert len(alert_messages(bot, user)) == 1


async def test_restart_keeps_alerts_and_does_not_fire_again(tmp_path: Path) -> None:
    async with BotHarness(tmp_path, env=FAST) as bot:
        user = await one_firing_one_waiting(bot)
        await wait_rounds(bot, 3)
        assert len(alert_messages(bot, user)) == 1
        await bot.restart()
        await wait_rounds(bot, 4)
        assert len(alert_messages(bot, user)) == 1
        listing = await bot.reply_text(user, "/alerts")
        assert "#1" in listing and "#2" in listing and "감시 중" in listing


async def test_real_key_alerts_use_the_multi_quote_api(tmp_path: Path) -> None:
    async with BotHarness(tmp_path, env=FAST) as bot:
        user = bot.user()
        await bot.register_key(user, Environment.REAL)
        for code in ("005930", "000660", "035720"):
            await bot.send(user, f"/alert {code} below 1")
        before = len(bot.sandbox.requests("intstock-multprice"))
        await wait_rounds(bot, 2)
        assert len(bot.sandbox.requests("intstock-multprice")) > before
        assert alert_messages(bot, user) == []


async def test_alert_message_buttons_show_the_price_and_remove_the_alert(tmp_path: Path) -> None:
    async with BotHarness(tmp_path, env={**FAST, "KISBOT_LOCALE": "en"}) as bot:
        user = bot.user()
        await bot.register_key(user)
        await bot.send(user, f"/alert {CODE} above 1000")
        await wait_rounds(bot, 3)
        [message] = alert_messages(bot, user)
        assert "Condition: at or above ₩1,000" in message.text
        toast = await bot.press(user, message, encode(AlertPrice(CODE)))
        assert CODE in toast and "₩" in toast
        assert "removed" in await bot.press(user, message, encode(AlertRemove(1)))
        assert "No alerts" in await bot.reply_text(user, "/alerts")


async def test_message_is_rendered_in_the_language_the_user_has_at_delivery(
    tmp_path: Path,
) -> None:
    async with BotHarness(tmp_path, env=FAST) as bot:
        user = bot.user()
        await bot.register_key(user)
        await bot.send(user, f"/alert {CODE} above 1000")
        bot.api.block(user)
        await wait_rounds(bot, 3)
        await bot.services.database.users.set_locale(user.id, "en")
        bot.api.unblock(user)
        await bot.send(user, "/alerts")
        await wait_rounds(bot, 3)
        [message] = alert_messages(bot, user)
        assert "Condition:" in message.text


async def test_a_message_a_dead_process_was_sending_arrives_marked_as_a_possible_repeat(
    tmp_path: Path,
) -> None:
    async with BotHarness(tmp_path, env=FAST) as bot:
        user = bot.user()
        await bot.register_key(user)
        await bot.send(user, f"/alert {CODE} above 1000")
        bot.api.block(user)  # its message waits in the outbox, held
        await wait_rounds(bot, 3)
        database = bot.services.database
        await database.users.set_locale(user.id, "en")
        async with database.sessions.begin() as session:
            # As a process killed mid-send leaves it: marked sending, its send lock gone.
            await session.execute(update(OutboxMessage).values(sending_at=datetime.now(UTC)))
        bot.api.unblock(user)
        await bot.send(user, "/alerts")  # the user is back: the held message is due
        [message] = await wait_for_alerts(bot, user, 1)
        assert "Condition:" in message.text
        assert message.text.endswith("so you may have this already.")
        await wait_rounds(bot, 3)
        assert len(alert_messages(bot, user)) == 1


async def test_alert_by_exact_name_and_unalert(bot: BotHarness) -> None:
    user = bot.user()
    await bot.register_key(user)
    reply = await bot.reply_text(user, "/alert 삼성전자 이하 1000")
    assert "삼성전자" in reply and CODE in reply and "#1" in reply
    assert "#1" in await bot.reply_text(user, "/unalert 1")
    assert "#1" in await bot.reply_text(user, "/unalert 1")  # no such alert any more
    assert "등록된 알림이 없습니다" in await bot.reply_text(user, "/alerts")


async def test_alert_needs_a_registered_key(bot: BotHarness) -> None:
    user = bot.user()
    assert "/setkey" in await bot.reply_text(user, f"/alert {CODE} above 72000")


MALFORMED = [
    ("/alert", "형식"),
    ("/alert 005930", "형식"),
    ("/alert 005930 above", "형식"),
    ("/alert 005930 sideways 72000", "sideways"),
    ("/alert 005930 72000", "above"),
    ("/alert 005930 above -5", "가격"),
    ("/alert 005930 above abc", "가격"),
    ("/alert 005930 above 0", "1원"),
    ("/alert 005930 above 999999999999", "1원"),
    ("/alert 005930 5%", "+5%"),
    ("/alert 005930 +45%", "30%"),
    ("/alert 005930 +0%", "30%"),
    ("/alert 005930 +5.5.5%", "등락률"),
    ("/alert 없는종목이름 above 100", "없는종목이름"),
    ("/alert 00593X above 100", "종목코드"),
    ("/unalert", "/unalert 번호"),
    ("/unalert abc", "abc"),
    ("/unalert 1 2", "/unalert 번호"),
    ("/unalert 99", "#99"),
]


async def test_malformed_alert_commands_say_what_is_wrong(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    user = bot.user()
    await bot.register_key(user)
    for text, expected in MALFORMED:
        replies = await bot.send(user, text)
        assert len(replies) == 1, text
        reply = replies[0].text or ""
        assert expected in reply, (text, reply)
        assert "오류가 발생" not in reply, text
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
    assert await bot.services.database.alerts.list_for_user(user.id) == []
