"""A caller learns that its call waits for KIS's token window, and for how long."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import httpx
import pytest

from kisbot.clock import ManualClock
from kisbot.kis import MemoryTokenStore, TokenWait, notify_token_waits
from tests.kis import payloads
from tests.kis.conftest import token_calls, until
from tests.kis.payloads import REAL, Q

FRESH = payloads.ACCESS_TOKEN + "2"


def _refused_until_reissued(kis):
    """tokenP gives the first token, then a fresh one; quotes with the first are refused."""
    kis.routes[f"token{REAL}"].side_effect = [payloads.token_ok(), payloads.token_ok(FRESH)]

    def answer(request: httpx.Request) -> httpx.Response:
        if request.headers["authorization"] == f"Bearer {FRESH}":
            return payloads.ok(output=payloads.price_output())
        return payloads.token_error("EGW00121", "유효하지 않은 token 입니다.")

    return kis.get(f"{REAL}{Q}/inquire-price").mock(side_effect=answer)


def _quote_with(waits: list[TokenWait], client) -> asyncio.Task:
    with notify_token_waits(waits.append):
        return asyncio.create_task(client.quote("005930"))


async def test_a_quote_refused_soon_after_issuance_tells_how_long_then_completes(
    make_service, kis, real_credential
):
    clock = ManualClock()
    _refused_until_reissued(kis)
    client = make_service(clock=clock).client(real_credential)
    await client.ensure_token()
    issued = clock.now()
    await clock.advance(3)
    waits: list[TokenWait] = []

    task = _quote_with(waits, client)
    await until(lambda: clock.sleepers == 1)

    assert [wait.seconds for wait in waits] == [pytest.approx(57)]
    assert waits[0].until == issued + timedelta(minutes=1)
    assert waits[0].until.tzinfo is not None
    assert not task.done()
    await clock.advance(57)
    assert (await asyncio.wait_for(task, 1)).price == 71500
    assert len(waits) == 1
    assert token_calls(kis) == 2


async def test_a_second_caller_on_the_same_key_is_told_the_time_left(
    make_service, kis, real_credential
):
    clock = ManualClock()
    _refused_until_reissued(kis)
    client = make_service(clock=clock).client(real_credential)
    await client.ensure_token()
    await clock.advance(3)
    first: list[TokenWait] = []
    second: list[TokenWait] = []

    first_task = _quote_with(first, client)
    await until(lambda: clock.sleepers == 1)
    await clock.advance(10)
    second_task = _quote_with(second, client)  # refused too, then queued behind the issuer
    await until(lambda: len(second) == 1)

    assert [wait.seconds for wait in first] == [pytest.approx(57)]
    assert [wait.seconds for wait in second] == [pytest.approx(47)]
    assert second[0].until == first[0].until
    await clock.advance(47)
    quotes = await asyncio.wait_for(asyncio.gather(first_task, second_task), 1)
    assert [quote.price for quote in quotes] == [71500, 71500]
    assert token_calls(kis) == 2


class GatedStore(MemoryTokenStore):
    """A store whose loads wait for the test to open the gate (a slow database)."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()
        self.gate.set()

    async def load(self, app_key, environment):
        await self.gate.wait()
        return await super().load(app_key, environment)


async def test_a_caller_queued_before_the_issuer_knows_its_wait_is_told_when_it_starts(
    make_service, kis, real_credential
):
    clock = ManualClock()
    store = GatedStore()
    quotes = _refused_until_reissued(kis)
    client = make_service(clock=clock, token_store=store).client(real_credential)
    await client.ensure_token()
    await clock.advance(3)
    store.gate.clear()
    first: list[TokenWait] = []
    second: list[TokenWait] = []

    first_task = _quote_with(first, client)
    second_task = _quote_with(second, client)
    await until(lambda: quotes.call_count == 2)
    for _ in range(20):
        await asyncio.sleep(0)
    assert (first, second) == ([], [])  # the issuer is still reading the store

    store.gate.set()
    await until(lambda: clock.sleepers == 1 and len(second) == 1)
    assert [wait.seconds for wait in first] == [pytest.approx(57)]
    assert [wait.seconds for wait in second] == [pytest.approx(57)]
    await clock.advance(57)
    await asyncio.wait_for(asyncio.gather(first_task, second_task), 1)
    assert token_calls(kis) == 2


async def test_an_egw00133_wait_is_told(make_service, kis, real_credential):
    clock = ManualClock()
    kis.routes[f"token{REAL}"].side_effect = [
        payloads.token_error("EGW00133", "접근토큰 발급 잠시 후 다시 시도하세요(1분당 1회)"),
        payloads.token_ok(),
    ]
    client = make_service(clock=clock).client(real_credential)
    waits: list[TokenWait] = []
    with notify_token_waits(waits.append):
        task = asyncio.create_task(client.ensure_token())
    await until(lambda: clock.sleepers == 1)
    assert [wait.seconds for wait in waits] == [pytest.approx(60)]
    await clock.advance(60)
    assert (await asyncio.wait_for(task, 1)).value == payloads.ACCESS_TOKEN


async def test_nothing_is_told_when_nothing_waits(make_service, kis, real_credential):
    kis.get(f"{REAL}{Q}/inquire-price").mock(
        return_value=payloads.ok(output=payloads.price_output())
    )
    client = make_service().client(real_credential)
    waits: list[TokenWait] = []
    with notify_token_waits(waits.append):
        await client.quote("005930")  # issues the first token: no window to wait out
        await asyncio.gather(client.quote("005930"), client.quote("000660"))
    assert waits == []
    assert token_calls(kis) == 1


async def test_a_wait_of_a_second_or_less_is_not_told(
    make_service, kis, real_credential, auto_clock
):
    _refused_until_reissued(kis)
    client = make_service().client(real_credential)
    await client.ensure_token()
    await auto_clock.sleep(59.5)
    waits: list[TokenWait] = []
    with notify_token_waits(waits.append):
        assert (await client.quote("005930")).price == 71500
    assert waits == []
    assert token_calls(kis) == 2


async def test_a_listener_that_raises_does_not_break_the_call(
    make_service, kis, real_credential, auto_clock, caplog
):
    _refused_until_reissued(kis)
    client = make_service().client(real_credential)
    await client.ensure_token()

    def broken(wait: TokenWait) -> None:
        raise RuntimeError("listener says secret-detail")

    with caplog.at_level(logging.WARNING), notify_token_waits(broken):
        quote = await client.quote("005930")
    assert quote.price == 71500
    assert "RuntimeError" in caplog.text
    assert "secret-detail" not in caplog.text


async def test_the_listener_is_only_called_inside_its_block(
    make_service, kis, real_credential, auto_clock
):
    _refused_until_reissued(kis)
    client = make_service().client(real_credential)
    await client.ensure_token()
    waits: list[TokenWait] = []
    with notify_token_waits(waits.append):
        pass
    await client.quote("005930")  # waits out the window, outside the block
    assert waits == []
