"""The WebSocket hub against a local KIS-shaped server: subscribing, diffs, reconnects, limits."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import timedelta

import httpx
import pytest
import respx

from kisbot.clock import ManualClock
from kisbot.kis import Credential, Environment, KisService, Notice, NoticeKind, PriceFeed, Tick
from kisbot.kis.http import Hosts, KisHttp
from kisbot.kis.realtime import (
    ApprovalKeys,
    MemoryApprovalStore,
    Realtime,
    RealtimeEvent,
    SessionState,
)
from tests.kis.fake_kis_ws import FakeKisWs, frame, notice_fields, pingpong, tick_fields
from tests.kis.payloads import MOCK, REAL

HTS_ID = "myhtsid"
RECONNECT_WAIT = 5.0
IN_USE_WAITS = [120.0, 240.0, 480.0, 960.0]


async def eventually(condition: Callable[[], bool], within: float = 2.0) -> None:
    """Wait (real time: the sockets are real) until the condition holds."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition never held")
        await asyncio.sleep(0.002)


@dataclass
class Harness:
    realtime: Realtime
    server: FakeKisWs
    clock: ManualClock
    approval_calls: Callable[[], int]
    events: list[RealtimeEvent] = field(default_factory=list)

    def subscribes(self, tr_type: str = "1") -> list[tuple[str, str]]:
        """(tr_id, tr_key) of each request of this type the server got, in order."""
        return [
            (request["body"]["input"]["tr_id"], request["body"]["input"]["tr_key"])
            for request in self.server.requests
            if request["header"]["tr_type"] == tr_type
        ]


@pytest.fixture
async def server() -> AsyncIterator[FakeKisWs]:
    fake = FakeKisWs()
    fake.url = await fake.start()  # type: ignore[attr-defined]
    yield fake
    await fake.stop()


@pytest.fixture
async def harness(server: FakeKisWs, clock: ManualClock) -> AsyncIterator[Harness]:
    issued = itertools.count(1)

    def approval(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"approval_key": f"approval-{next(issued):04d}-secret"})

    with respx.mock(assert_all_called=False, using="httpx") as router:
        route = router.post(f"{REAL}/oauth2/Approval").mock(side_effect=approval)
        router.post(f"{MOCK}/oauth2/Approval").mock(
            return_value=httpx.Response(200, json={"approval_key": "mock-approval"})
        )
        async with httpx.AsyncClient() as client:
            approvals = ApprovalKeys(
                KisHttp(client, 5),
                Hosts(REAL, MOCK),
                MemoryApprovalStore(),
                clock,
                issue_interval=timedelta(0),
            )
            events: list[RealtimeEvent] = []

            async def sink(credential: Credential, event: RealtimeEvent) -> None:
                events.append(event)

            url = server.url  # type: ignore[attr-defined]
            realtime = Realtime(
                {Environment.REAL: url, Environment.MOCK: url},
                approvals,
                sink,
                clock,
                backoff=lambda: itertools.repeat(RECONNECT_WAIT),
                busy_backoff=lambda: iter(IN_USE_WAITS),
            )
            yield Harness(realtime, server, clock, lambda: route.call_count, events)
            await realtime.aclose()


def _codes(count: int) -> list[str]:
    return [f"{n:06d}" for n in range(100, 100 + count)]


async def _connected(h: Harness, credential: Credential, *, hts_id: str | None, codes: list[str]):
    await h.realtime.want(credential, hts_id=hts_id, codes=codes)
    expected = len(codes) + (1 if hts_id else 0)
    await eventually(lambda: len(h.server.requests) >= expected and _confirmed(h) == expected)


def _confirmed(h: Harness) -> int:
    return sum(status.registrations for status in h.realtime.sessions())


async def test_want_subscribes_notices_then_codes_and_reports_what_kis_confirmed(
    harness, real_credential
):
    await _connected(harness, real_credential, hts_id=HTS_ID, codes=["005930", "000660"])

    assert harness.server.live.path == "/tryitout"
    assert harness.subscribes() == [
        ("H0STCNI0", HTS_ID),
        ("H0STCNT0", "005930"),
        ("H0STCNT0", "000660"),
    ]
    first = harness.server.requests[0]["header"]
    assert first == {
        "approval_key": "approval-0001-secret",
        "custtype": "P",
        "tr_type": "1",
        "content-type": "utf-8",
    }
    assert harness.realtime.ticking(real_credential) == {"005930", "000660"}
    assert harness.realtime.notices_on(real_credential)
    [status] = harness.realtime.sessions()
    assert (status.connected, status.registrations, status.state) == (True, 3, "connected")
    assert status.key_id == real_credential.key_id


async def test_a_mock_credential_registers_the_mock_notice_tr(harness, mock_credential):
    await _connected(harness, mock_credential, hts_id=HTS_ID, codes=[])
    assert harness.subscribes() == [("H0STCNI9", HTS_ID)]


async def test_events_reach_the_sink_in_order_including_every_batched_record(
    harness, real_credential
):
    await _connected(harness, real_credential, hts_id=HTS_ID, codes=["005930", "000660"])
    ticks = [tick_fields(code="005930", price=p) for p in (70_000, 70_100, 70_200)]
    await harness.server.push(frame("H0STCNT0", ticks))
    notices = [notice_fields(order_no="1"), notice_fields(order_no="2", filled="1")]
    await harness.server.push(frame("H0STCNI0", notices, cipher=harness.server.live.cipher))

    await eventually(lambda: len(harness.events) == 5)
    assert [e.price for e in harness.events if isinstance(e, Tick)] == [70_000, 70_100, 70_200]
    assert [(e.order_no, e.kind) for e in harness.events if isinstance(e, Notice)] == [
        ("1", NoticeKind.FILLED),
        ("2", NoticeKind.ACCEPTED),
    ]


async def test_a_failing_sink_does_not_stop_the_session(harness, real_credential, caplog):
    seen: list[int] = []

    async def sink(credential: Credential, event: RealtimeEvent) -> None:
        assert isinstance(event, Tick)
        seen.append(event.price)
        if len(seen) == 1:
            raise RuntimeError("the consumer broke")

    harness.realtime._sink = sink  # the sink the next session gets
    await _connected(harness, real_credential, hts_id=None, codes=["005930"])
    await harness.server.push(frame("H0STCNT0", [tick_fields(price=1)]))
    await harness.server.push(frame("H0STCNT0", [tick_fields(price=2)]))
    await eventually(lambda: seen == [1, 2])
    assert "the realtime sink failed" in caplog.text
    assert harness.realtime.sessions()[0].connected


async def test_pingpong_is_echoed_as_the_same_text(harness, real_credential):
    await _connected(harness, real_credential, hts_id=None, codes=["005930"])
    ping = pingpong()
    await harness.server.push(ping)
    await eventually(lambda: ping in harness.server.live.texts)
    assert harness.realtime.sessions()[0].connected


async def test_want_sends_only_the_difference(harness, real_credential):
    await _connected(harness, real_credential, hts_id=None, codes=["000001", "000002", "000003"])
    await harness.realtime.want(real_credential, hts_id=None, codes=["000002", "000003", "000004"])
    await eventually(
        lambda: harness.realtime.ticking(real_credential) == {"000002", "000003", "000004"}
    )
    assert harness.subscribes("2") == [("H0STCNT0", "000001")]
    assert harness.subscribes("1")[3:] == [("H0STCNT0", "000004")]
    assert len(harness.server.connections) == 1


async def test_ticks_move_to_the_feed_alerts_read_now(harness, real_credential):
    await harness.realtime.want(
        real_credential, hts_id=None, codes=["005930"], feed=PriceFeed.COMBINED
    )
    await eventually(lambda: harness.realtime.ticking(real_credential) == {"005930"})
    await harness.realtime.want(real_credential, hts_id=None, codes=["005930"], feed=PriceFeed.NXT)
    await eventually(lambda: ("H0NXCNT0", "005930") in harness.subscribes("1"))
    assert harness.subscribes("2") == [("H0UNCNT0", "005930")]
    await eventually(lambda: harness.realtime.ticking(real_credential) == {"005930"})


async def test_never_more_than_forty_registrations(harness, real_credential):
    await harness.realtime.want(real_credential, hts_id=HTS_ID, codes=_codes(50))
    await eventually(lambda: _confirmed(harness) == 40)
    assert harness.subscribes()[0] == ("H0STCNI0", HTS_ID)
    assert len(harness.subscribes()) == 40
    assert harness.realtime.ticking(real_credential) == set(_codes(39))

    # A whole new set: the new ones wait until KIS confirms the old ones off.
    harness.server.hold = lambda request: request["header"]["tr_type"] == "2"
    await harness.realtime.want(real_credential, hts_id=HTS_ID, codes=_codes(100)[50:])
    await eventually(lambda: len(harness.server.held) == 39)
    await asyncio.sleep(0.05)
    assert len(harness.subscribes()) == 40  # nothing new while the old ones still count
    harness.server.hold = lambda request: False
    await harness.server.release()
    await eventually(lambda: harness.realtime.ticking(real_credential) == set(_codes(89)[50:]))
    assert harness.server.most_registered == 40
    assert len(harness.server.connections) == 1


async def test_a_refused_registration_is_not_asked_again_until_the_set_changes(
    harness, real_credential
):
    harness.server.limit = 2
    await harness.realtime.want(real_credential, hts_id=None, codes=_codes(3))
    await eventually(lambda: len(harness.server.requests) == 3 and _confirmed(harness) == 2)
    status = harness.realtime.sessions()[0]
    assert "OPSP0008" in (status.last_error or "")

    await harness.realtime.want(real_credential, hts_id=None, codes=_codes(3))  # the same set
    await harness.server.push(frame("H0STCNT0", [tick_fields()]))  # a round trip after it
    await eventually(lambda: len(harness.events) == 1)
    assert len(harness.server.requests) == 3

    harness.server.limit = 3
    await harness.realtime.want(real_credential, hts_id=None, codes=_codes(3)[::-1])
    await eventually(lambda: harness.realtime.ticking(real_credential) == set(_codes(3)))


async def test_a_drop_reconnects_after_a_backoff_and_resubscribes_with_new_keys(
    harness, real_credential
):
    await _connected(harness, real_credential, hts_id=HTS_ID, codes=["005930"])
    first_connection = harness.realtime.notices_connection(real_credential)
    old_cipher = harness.server.live.cipher
    await harness.server.drop()
    await eventually(lambda: harness.clock.sleepers == 1)
    assert harness.realtime.sessions()[0].state == SessionState.RECONNECTING
    assert harness.realtime.ticking(real_credential) == frozenset()
    assert harness.realtime.notices_connection(real_credential) is None

    await harness.clock.advance(RECONNECT_WAIT)
    await eventually(lambda: len(harness.server.connections) == 2 and _confirmed(harness) == 2)
    assert harness.subscribes()[2:] == [("H0STCNI0", HTS_ID), ("H0STCNT0", "005930")]
    # Notices again, on a connection of another number: what came between must be read.
    assert harness.realtime.notices_connection(real_credential) not in {None, first_connection}

    new_cipher = harness.server.live.cipher
    await harness.server.push(frame("H0STCNI0", [notice_fields(order_no="old")], cipher=old_cipher))
    await harness.server.push(frame("H0STCNI0", [notice_fields(order_no="new")], cipher=new_cipher))
    await eventually(lambda: len(harness.events) == 1)
    await harness.server.push(pingpong())  # one more round trip: the old-key frame was read
    await eventually(lambda: pingpong() in harness.server.live.texts)
    assert [event.order_no for event in harness.events] == ["new"]  # type: ignore[union-attr]
    assert harness.realtime.sessions()[0].skipped == 1


async def test_kis_unreachable_is_retried_after_the_backoff(harness, real_credential, server):
    await server.stop()
    await harness.realtime.want(real_credential, hts_id=None, codes=["005930"])
    await eventually(lambda: harness.clock.sleepers == 1)
    status = harness.realtime.sessions()[0]
    assert (status.connected, status.state) == (False, "reconnecting")
    assert "cannot connect" in (status.last_error or "")


async def test_in_use_elsewhere_backs_off_for_minutes_without_a_storm(harness, real_credential):
    harness.server.in_use = True
    await harness.realtime.want(real_credential, hts_id=HTS_ID, codes=["005930"])
    await eventually(lambda: harness.clock.sleepers == 1)
    await eventually(lambda: harness.server.open_connections == 0)
    status = harness.realtime.sessions()[0]
    assert (status.state, status.connected) == ("in use elsewhere", False)
    assert "OPSP8996" in (status.last_error or "")

    await harness.clock.advance(IN_USE_WAITS[0] - 1)
    await asyncio.sleep(0.05)
    assert len(harness.server.connections) == 1

    await harness.clock.advance(1)
    await eventually(lambda: len(harness.server.connections) == 2 and harness.clock.sleepers == 1)
    await harness.clock.advance(IN_USE_WAITS[1] - 1)  # the second wait is longer
    await asyncio.sleep(0.05)
    assert len(harness.server.connections) == 2

    harness.server.in_use = False  # the other process let go
    await harness.clock.advance(1)
    await eventually(lambda: harness.realtime.ticking(real_credential) == {"005930"})
    assert harness.approval_calls() == 1


async def test_an_invalid_approval_key_is_replaced_once_at_once(harness, real_credential):
    harness.server.refused_approvals.add("approval-0001-secret")
    await harness.realtime.want(real_credential, hts_id=None, codes=["005930"])
    await eventually(lambda: harness.realtime.ticking(real_credential) == {"005930"})
    assert harness.approval_calls() == 2
    assert len(harness.server.connections) == 2
    assert harness.server.requests[-1]["header"]["approval_key"] == "approval-0002-secret"


async def test_an_approval_key_refused_twice_waits_for_the_backoff(harness, real_credential):
    harness.server.refused_approvals.update({"approval-0001-secret", "approval-0002-secret"})
    await harness.realtime.want(real_credential, hts_id=None, codes=["005930"])
    await eventually(lambda: harness.clock.sleepers == 1)
    assert harness.approval_calls() == 2
    assert len(harness.server.connections) == 2
    assert "approval key refused" in (harness.realtime.sessions()[0].last_error or "")


async def test_an_empty_want_closes_the_session(harness, real_credential):
    await _connected(harness, real_credential, hts_id=HTS_ID, codes=["005930"])
    await harness.realtime.want(real_credential, hts_id=None, codes=[])
    assert harness.realtime.sessions() == []
    await eventually(lambda: harness.server.open_connections == 0)
    assert not harness.realtime.notices_on(real_credential)


async def test_aclose_closes_every_session_promptly(harness, real_credential, mock_credential):
    await _connected(harness, real_credential, hts_id=None, codes=["005930"])
    await harness.realtime.want(mock_credential, hts_id=None, codes=["000660"])
    await eventually(lambda: _confirmed(harness) == 2)
    started = time.monotonic()
    await harness.realtime.aclose()
    assert time.monotonic() - started < 0.5
    assert harness.realtime.sessions() == []
    await eventually(lambda: harness.server.open_connections == 0)


async def test_secrets_never_reach_the_logs(harness, real_credential, caplog):
    caplog.set_level(logging.DEBUG)
    harness.server.refused_approvals.add("approval-0001-secret")
    await _connected(harness, real_credential, hts_id=HTS_ID, codes=["005930"])
    await harness.server.drop()
    await eventually(lambda: harness.clock.sleepers == 1)
    text = caplog.text + repr(harness.realtime.sessions())
    assert "approval-000" not in text
    assert HTS_ID not in text
    assert real_credential.app_key not in text
    assert real_credential.key_id in text


async def test_the_service_builds_a_hub_on_its_approval_keys_and_closes_it(
    make_service, server, real_credential
):
    with respx.mock(assert_all_called=False, using="httpx") as router:
        route = router.post(f"{REAL}/oauth2/Approval").mock(
            return_value=httpx.Response(200, json={"approval_key": "service-approval"})
        )
        service = make_service(real_ws_url=server.url + "/", mock_ws_url="ws://unused.test")
        events: list[RealtimeEvent] = []

        async def sink(credential: Credential, event: RealtimeEvent) -> None:
            events.append(event)

        realtime = service.realtime(sink)
        await realtime.want(real_credential, hts_id=None, codes=["005930"])
        await eventually(lambda: realtime.ticking(real_credential) == {"005930"})
    assert server.live.path == "/tryitout"
    assert server.requests[0]["header"]["approval_key"] == "service-approval"
    assert route.call_count == 1
    await service.aclose()
    assert realtime.sessions() == []
    await eventually(lambda: server.open_connections == 0)


async def test_the_service_defaults_to_kis_websocket_hosts():
    async with KisService() as service:
        assert service.ws_urls == {
            Environment.REAL: "ws://ops.koreainvestment.com:21000",
            Environment.MOCK: "ws://ops.koreainvestment.com:31000",
        }
