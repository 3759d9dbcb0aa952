"""Faults injected through the sandbox's control API, and what kisbot.kis makes of them."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from kisbot.clock import ManualClock
from kisbot.kis import (
    Environment,
    KisClient,
    KisOutcomeUnknown,
    KisRateLimited,
    KisRefusal,
    KisService,
    Side,
)
from kisbot.kis.endpoints import BALANCE, Endpoint
from kisbot.kis.queries import balance_query
from kisbot.kis.transport import new_http_client
from kisbot.sandbox import Sandbox
from tests.integration.conftest import ServiceFactory, credential

QUOTE = "/uapi/domestic-stock/v1/quotations/inquire-price"
ORDER_CASH = "/uapi/domestic-stock/v1/trading/order-cash"


def statuses(sandbox: Sandbox, path: str) -> list[int]:
    return [entry.status for entry in sandbox.requests(path)]


async def test_http_500_without_a_body_on_a_read_is_retried(
    kis: KisClient, sandbox: Sandbox
) -> None:
    sandbox.inject_fault(QUOTE, "http500", count=2)

    quote = await kis.quote("005930")

    assert quote.price == sandbox.price("005930")
    assert statuses(sandbox, QUOTE) == [500, 500, 200]


async def test_too_many_calls_backs_off_then_succeeds(
    kis: KisClient, sandbox: Sandbox, auto_clock: ManualClock
) -> None:
    await kis.ensure_token()
    sandbox.inject_fault(QUOTE, "rate_limit", count=2)
    started = auto_clock.monotonic()

    quote = await kis.quote("005930")

    assert quote.price == sandbox.price("005930")
    assert statuses(sandbox, QUOTE) == [500, 500, 200]
    assert auto_clock.monotonic() - started == pytest.approx(0.5 + 1.0)  # backoff, 2x each time


async def test_too_many_calls_again_and_again_is_rate_limited(
    kis: KisClient, sandbox: Sandbox
) -> None:
    sandbox.inject_fault(QUOTE, "rate_limit", count=10)

    with pytest.raises(KisRateLimited) as caught:
        await kis.quote("005930")

    assert caught.value.msg_cd == "EGW00201"
    assert len(sandbox.requests(QUOTE)) == 4  # the call and three retries, then give up


async def test_order_refusal_carries_msg1_and_is_sent_once(
    mock: KisClient, sandbox: Sandbox
) -> None:
    sandbox.inject_fault(
        ORDER_CASH,
        "kis_error",
        rt_cd="1",
        msg_cd="40910000",
        msg1="모의투자 주문이 불가한 계좌입니다.",
    )

    with pytest.raises(KisRefusal) as caught:
        await mock.place_order(Side.BUY, "005930", 1)

    assert caught.value.msg1 == "모의투자 주문이 불가한 계좌입니다."
    assert caught.value.msg_cd == "40910000"
    assert [entry.method for entry in sandbox.requests(ORDER_CASH)] == ["POST"]


async def test_order_answered_by_http_500_is_not_resent(kis: KisClient, sandbox: Sandbox) -> None:
    sandbox.inject_fault(ORDER_CASH, "http500")

    with pytest.raises(KisOutcomeUnknown):
        await kis.place_order(Side.BUY, "005930", 1)

    assert statuses(sandbox, ORDER_CASH) == [500]


async def test_order_timeout_is_outcome_unknown_and_not_resent(
    make_service: ServiceFactory, sandbox: Sandbox, environment: Environment
) -> None:
    sent: list[str] = []

    async def count(request: httpx.Request) -> None:
        sent.append(f"{request.method} {request.url.path}")

    async with new_http_client(10.0, event_hooks={"request": [count]}) as http:
        kis = make_service(timeout=0.3, http=http).client(credential(environment))
        await kis.ensure_token()
        sandbox.inject_fault(ORDER_CASH, "delay", delay=0.5)

        with pytest.raises(KisOutcomeUnknown):
            await kis.place_order(Side.BUY, "005930", 2)

        assert sent.count(f"POST {ORDER_CASH}") == 1
        # The sandbox logs the call once its late answer is out (real time, 0.5 s); its log
        # has no event to wait on, so poll it.
        async with asyncio.timeout(5):
            while not sandbox.requests(ORDER_CASH):  # noqa: ASYNC110
                await asyncio.sleep(0.05)
        assert len(sandbox.requests(ORDER_CASH)) == 1
        # The order did reach the exchange: today's orders show it, which is what the user checks.
        assert [record.quantity for record in await kis.todays_orders()] == [2]


async def test_real_tr_id_on_the_mock_host_is_refused(
    service: KisService, sandbox: Sandbox
) -> None:
    wrong = Endpoint(BALANCE.method, BALANCE.path, BALANCE.real_tr_id, BALANCE.real_tr_id)
    mock = credential(Environment.MOCK)

    with pytest.raises(KisRefusal) as caught:
        await service.gateway.call(mock, wrong, params=balance_query(mock.account))

    assert caught.value.msg1 == "모의투자 TR 이 아닙니다."
    assert len(sandbox.requests(BALANCE.path, flavour="mock", tr_id="TTTC8434R")) == 1
