"""kisbot.kis.realtime against the sandbox's WebSocket over real sockets: two processes on one
app key (OPSP8996), the 41-registration cap as KIS counts it, a session's ticks."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator

import pytest

from kisbot.backoff import backoff_delays
from kisbot.clock import SystemClock
from kisbot.kis import Credential, Environment, KisService
from kisbot.kis.realtime import RealtimeEvent, Tick
from kisbot.kis.realtime.hub import Realtime
from kisbot.sandbox import Sandbox
from kisbot.sandbox.catalog import LISTINGS
from tests.e2e.trading_helpers import eventually
from tests.integration.conftest import credential


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(
        real_rate=0,
        mock_rate=0,
        token_interval=0,
        approval_interval=0,
        walk_interval=0,
        ping_interval=0,
    ) as running:
        yield running


@pytest.fixture
async def kis(sandbox: Sandbox) -> AsyncIterator[KisService]:
    async with KisService(
        real_url=sandbox.real_url,
        mock_url=sandbox.mock_url,
        real_ws_url=sandbox.real_ws_url,
        mock_ws_url=sandbox.mock_ws_url,
        real_rate=0,
        mock_rate=0,
    ) as service:
        yield service


def hub(kis: KisService, events: list[tuple[Credential, RealtimeEvent]]) -> Realtime:
    async def sink(owner: Credential, event: RealtimeEvent) -> None:
        events.append((owner, event))

    return Realtime(
        kis.ws_urls,
        kis.approvals,
        sink,
        SystemClock(),
        backoff=functools.partial(backoff_delays, 0.05, 0.1),
        busy_backoff=functools.partial(backoff_delays, 30.0, 30.0),
    )


async def test_a_second_process_on_the_same_key_backs_off_and_the_first_keeps_working(
    sandbox: Sandbox, kis: KisService
) -> None:
    key = credential(Environment.REAL)
    first_events: list[tuple[Credential, RealtimeEvent]] = []
    first, second = hub(kis, first_events), hub(kis, [])
    try:
        await first.want(key, hts_id="kisuser77", codes=["005930"])
        await eventually(lambda: "005930" in first.ticking(key))
        await second.want(key, hts_id="kisuser77", codes=["005930"])
        await eventually(lambda: second.sessions()[0].state == "in use elsewhere")
        await asyncio.sleep(0.3)  # a storm would reconnect many times in this while
        assert len([s for s in sandbox.sessions() if s.appkey == key.app_key]) == 1
        assert second.sessions()[0].state == "in use elsewhere"
        assert first.notices_on(key) and not second.notices_on(key)
        sandbox.set_price("005930", sandbox.price("005930") + 100)
        await eventually(lambda: any(isinstance(e, Tick) for _, e in first_events))
    finally:
        await asyncio.gather(first.aclose(), second.aclose())


async def test_never_more_than_forty_registrations_reach_kis(
    sandbox: Sandbox, kis: KisService
) -> None:
    key = credential(Environment.MOCK)
    realtime = hub(kis, [])
    codes = [listing.code for listing in LISTINGS][:60]
    try:
        await realtime.want(key, hts_id="kisuser77", codes=codes)
        await eventually(lambda: len(realtime.ticking(key)) == 39)
        (session,) = sandbox.sessions()
        assert len(session.registrations) == 40
        assert realtime.sessions()[0].registrations == 40
        # The set follows what is wanted: fewer codes, fewer registrations, at KIS too.
        await realtime.want(key, hts_id=None, codes=codes[:5])
        await eventually(lambda: len(sandbox.sessions()[0].registrations) == 5)
        assert realtime.ticking(key) == frozenset(codes[:5]) and not realtime.notices_on(key)
        await realtime.want(key, hts_id=None, codes=[])
        await eventually(lambda: sandbox.sessions() == [])
    finally:
        await realtime.aclose()
