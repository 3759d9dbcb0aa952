"""WebSocket approval keys: the request, reuse for a day, single flight, the store, refusals."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
import respx

from kisbot.clock import ManualClock
from kisbot.kis import KisAuthError, KisUnavailable
from kisbot.kis.http import Hosts, KisHttp
from kisbot.kis.realtime import ApprovalKey, ApprovalKeys, MemoryApprovalStore
from tests.kis import payloads
from tests.kis.payloads import MOCK, REAL

APPROVAL = f"{REAL}/oauth2/Approval"


def _answers(prefix: str = "approval") -> list[httpx.Response]:
    return [
        httpx.Response(200, json={"approval_key": f"{prefix}-{n:04d}-0000-0000-000000000000"})
        for n in range(1, 20)
    ]


@pytest.fixture
def approval_store() -> MemoryApprovalStore:
    return MemoryApprovalStore()


@pytest.fixture
async def approvals(
    auto_clock: ManualClock, approval_store: MemoryApprovalStore
) -> AsyncIterator[ApprovalKeys]:
    async with httpx.AsyncClient() as client:
        yield ApprovalKeys(KisHttp(client, 5), Hosts(REAL, MOCK), approval_store, auto_clock)


@pytest.fixture
def route():
    with respx.mock(assert_all_called=False, using="httpx") as router:
        yield router.post(APPROVAL).mock(side_effect=_answers())


async def test_the_request_uses_secretkey_and_the_key_is_kept(
    approvals, route, real_credential, approval_store, auto_clock
):
    key = await approvals.key(real_credential)

    assert json.loads(route.calls.last.request.content) == {
        "grant_type": "client_credentials",
        "appkey": real_credential.app_key,
        "secretkey": payloads.APP_SECRET,
    }
    assert key.value == "approval-0001-0000-0000-000000000000"
    assert key.expires_at == auto_clock.now() + timedelta(hours=24)
    assert await approval_store.load(real_credential.app_key, real_credential.environment) == key
    assert key.value not in repr(key)


async def test_a_key_is_reused_until_a_day_after_issuance(
    approvals, route, real_credential, auto_clock
):
    first = await approvals.key(real_credential)
    await auto_clock.sleep(23 * 3600)
    assert await approvals.key(real_credential) == first
    await auto_clock.sleep(3600 - 5 * 60)  # inside the margin before the 24 h
    assert (await approvals.key(real_credential)).value != first.value
    assert route.call_count == 2


async def test_a_stored_key_is_reused_without_a_request(
    approvals, route, real_credential, approval_store, auto_clock
):
    stored = ApprovalKey(
        "stored-approval", auto_clock.now() - timedelta(hours=3), auto_clock.now() + timedelta(1)
    )
    await approval_store.save(real_credential.app_key, real_credential.environment, stored)
    assert await approvals.key(real_credential) == stored
    assert route.call_count == 0


async def test_a_stored_key_older_than_a_day_is_not_trusted_whatever_it_claims(
    approvals, route, real_credential, approval_store, auto_clock
):
    stale = ApprovalKey(
        "stale-approval", auto_clock.now() - timedelta(hours=25), auto_clock.now() + timedelta(1)
    )
    await approval_store.save(real_credential.app_key, real_credential.environment, stale)
    assert (await approvals.key(real_credential)).value != "stale-approval"
    assert route.call_count == 1


async def test_concurrent_callers_share_one_issuance(approvals, route, real_credential):
    keys = await asyncio.gather(*(approvals.key(real_credential) for _ in range(5)))
    assert len({key.value for key in keys}) == 1
    assert route.call_count == 1


async def test_a_discarded_key_is_replaced_a_second_after_the_last_issuance(
    approvals, route, real_credential, approval_store, auto_clock
):
    first = await approvals.key(real_credential)
    started = auto_clock.monotonic()
    approvals.discard(real_credential)
    second = await approvals.key(real_credential)
    assert second.value != first.value
    assert auto_clock.monotonic() - started >= 1.0  # KIS: one issuance a second per app key
    assert await approval_store.load(real_credential.app_key, real_credential.environment) == second


async def test_a_discarded_key_still_in_the_store_is_not_reused(
    approvals, route, real_credential, approval_store, auto_clock
):
    stored = ApprovalKey(
        "stored-approval", auto_clock.now() - timedelta(hours=1), auto_clock.now() + timedelta(1)
    )
    await approval_store.save(real_credential.app_key, real_credential.environment, stored)
    assert await approvals.key(real_credential) == stored
    approvals.discard(real_credential)  # KIS called it invalid
    assert (await approvals.key(real_credential)).value != "stored-approval"
    assert route.call_count == 1


async def test_keys_are_per_environment(approvals, real_credential, mock_credential):
    with respx.mock(using="httpx") as router:
        real = router.post(APPROVAL).mock(side_effect=_answers("real"))
        mock = router.post(f"{MOCK}/oauth2/Approval").mock(side_effect=_answers("mock"))
        assert (await approvals.key(real_credential)).value.startswith("real")
        assert (await approvals.key(mock_credential)).value.startswith("mock")
    assert (real.call_count, mock.call_count) == (1, 1)


async def test_a_refused_app_key_is_an_auth_error(approvals, real_credential):
    with respx.mock(using="httpx") as router:
        router.post(APPROVAL).mock(
            return_value=payloads.token_error("EGW00103", "유효하지 않은 AppKey입니다.")
        )
        with pytest.raises(KisAuthError) as caught:
            await approvals.key(real_credential)
    assert caught.value.msg_cd == "EGW00103"
    assert payloads.APP_SECRET not in str(caught.value)
    assert real_credential.app_key not in str(caught.value)


@pytest.mark.parametrize(
    "answer",
    [httpx.Response(502, text="bad gateway"), httpx.ConnectError("no route")],
)
async def test_no_answer_is_unavailable(approvals, real_credential, answer):
    with respx.mock(using="httpx") as router:
        router.post(APPROVAL).mock(side_effect=[answer])
        with pytest.raises(KisUnavailable):
            await approvals.key(real_credential)
