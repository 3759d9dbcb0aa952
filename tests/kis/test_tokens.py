"""Access tokens: reuse, single flight, the one-a-minute window, refusals and revocation."""

from __future__ import annotations

import asyncio
import json
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

import httpx
import pytest

from kisbot.clock import KST, ManualClock
from kisbot.kis import (
    AccessToken,
    KisAuthError,
    KisRateLimited,
    KisUnavailable,
    MemoryTokenStore,
)
from tests.kis import payloads
from tests.kis.conftest import token_calls, until
from tests.kis.payloads import MOCK, REAL, Q


def _quote_route(kis, host=REAL):
    return kis.get(f"{host}{Q}/inquire-price").mock(
        return_value=payloads.ok(output=payloads.price_output())
    )


async def test_token_request_and_parsed_expiry(make_service, kis, mock_credential):
    token = await make_service().client(mock_credential).ensure_token()

    sent = kis.routes[f"token{MOCK}"].calls.last.request
    assert json.loads(sent.content) == {
        "grant_type": "client_credentials",
        "appkey": mock_credential.app_key,
        "appsecret": payloads.APP_SECRET,
    }
    assert token.expires_at == datetime(2026, 11, 24, 9, 0, tzinfo=KST)
    assert token_calls(kis, MOCK) == 1


async def test_a_valid_stored_token_is_reused_without_tokenp(
    make_service, kis, store, real_credential, auto_clock
):
    stored = AccessToken(
        value="stored-token-value",
        expires_at=auto_clock.now() + timedelta(hours=5),
        issued_at=auto_clock.now() - timedelta(hours=19),
    )
    await store.save(real_credential.app_key, real_credential.environment, stored)
    route = _quote_route(kis)

    await make_service().client(real_credential).quote("005930")

    assert token_calls(kis) == 0
    assert route.calls.last.request.headers["authorization"] == "Bearer stored-token-value"


async def test_a_stored_token_without_offset_is_read_as_utc(
    make_service, kis, store, real_credential, auto_clock
):
    naive_now = auto_clock.now().replace(tzinfo=None)
    stored = AccessToken("naive-token", naive_now + timedelta(hours=1), naive_now)
    await store.save(real_credential.app_key, real_credential.environment, stored)
    token = await make_service().client(real_credential).ensure_token()
    assert token.value == "naive-token"
    assert token_calls(kis) == 0


async def test_a_token_near_expiry_is_replaced_and_saved(
    make_service, kis, store, real_credential, auto_clock
):
    stored = AccessToken(
        value="old-token",
        expires_at=auto_clock.now() + timedelta(minutes=5),  # inside the 10-minute margin
        issued_at=auto_clock.now() - timedelta(hours=23, minutes=55),
    )
    await store.save(real_credential.app_key, real_credential.environment, stored)

    await make_service().client(real_credential).ensure_token()

    assert token_calls(kis) == 1
    saved = await store.load(real_credential.app_key, real_credential.environment)
    assert saved is not None and saved.value == payloads.ACCESS_TOKEN


async def test_fifty_concurrent_callers_share_one_issuance(make_service, kis, real_credential):
    route = _quote_route(kis)
    client = make_service().client(real_credential)
    await asyncio.gather(*(client.quote("005930") for _ in range(50)))
    assert token_calls(kis) == 1
    assert route.call_count == 50


async def test_fifty_callers_refused_together_share_one_reissue(make_service, kis, real_credential):
    fresh = payloads.ACCESS_TOKEN + "2"
    kis.routes[f"token{REAL}"].side_effect = [payloads.token_ok(), payloads.token_ok(fresh)]

    def answer(request: httpx.Request) -> httpx.Response:
        if request.headers["authorization"] == f"Bearer {fresh}":
            return payloads.ok(output=payloads.price_output())
        return payloads.token_expired()

    route = kis.get(f"{REAL}{Q}/inquire-price").mock(side_effect=answer)
    client = make_service().client(real_credential)
    await client.ensure_token()
    quotes = await asyncio.gather(*(client.quote("005930") for _ in range(50)))
    assert len(quotes) == 50
    assert token_calls(kis) == 2
    assert route.call_count == 100  # each refused once, each resent once


async def test_a_second_service_reuses_the_token_from_the_shared_store(
    make_service, kis, real_credential
):
    await make_service().client(real_credential).ensure_token()
    await make_service().client(real_credential).ensure_token()
    assert token_calls(kis) == 1


async def test_egw00133_means_wait_a_minute_and_retry(make_service, kis, real_credential):
    clock = ManualClock()
    kis.routes[f"token{REAL}"].side_effect = [
        payloads.token_error("EGW00133", "접근토큰 발급 잠시 후 다시 시도하세요(1분당 1회)"),
        payloads.token_ok(),
    ]
    task = asyncio.create_task(make_service(clock=clock).client(real_credential).ensure_token())
    await until(lambda: clock.sleepers == 1)
    await clock.advance(1)
    assert token_calls(kis) == 1 and not task.done()
    await clock.advance(58)
    assert token_calls(kis) == 1 and not task.done()
    await clock.advance(1)
    token = await asyncio.wait_for(task, 1)
    assert token.value == payloads.ACCESS_TOKEN
    assert token_calls(kis) == 2


async def test_egw00133_gives_up_after_a_bound(make_service, kis, real_credential):
    kis.routes[f"token{REAL}"].side_effect = None
    kis.routes[f"token{REAL}"].return_value = payloads.token_error("EGW00133", "1분당 1회")
    with pytest.raises(KisRateLimited) as caught:
        await make_service().client(real_credential).ensure_token()
    assert token_calls(kis) == 3
    assert caught.value.msg_cd == "EGW00133"


async def test_reissue_after_a_refusal_waits_for_the_issuance_window(
    make_service, kis, real_credential
):
    clock = ManualClock()
    fresh = payloads.ACCESS_TOKEN + "2"
    kis.routes[f"token{REAL}"].side_effect = [payloads.token_ok(), payloads.token_ok(fresh)]
    route = kis.get(f"{REAL}{Q}/inquire-price").mock(
        side_effect=[payloads.token_expired(), payloads.ok(output=payloads.price_output())]
    )
    task = asyncio.create_task(make_service(clock=clock).client(real_credential).quote("005930"))
    await until(lambda: clock.sleepers == 1)
    await clock.advance(30)
    assert (token_calls(kis), route.call_count, task.done()) == (1, 1, False)
    await clock.advance(30)
    quote = await asyncio.wait_for(task, 1)
    assert quote.price == 71500
    assert token_calls(kis) == 2
    assert route.calls.last.request.headers["authorization"] == f"Bearer {fresh}"


@pytest.mark.parametrize("code", ["EGW00121", "EGW00123"])
async def test_token_refused_twice_is_an_auth_error(make_service, kis, real_credential, code):
    kis.get(f"{REAL}{Q}/inquire-price").mock(
        return_value=payloads.token_error(code, "유효하지 않은 token 입니다.")
    )
    with pytest.raises(KisAuthError) as caught:
        await make_service().client(real_credential).quote("005930")
    assert caught.value.msg_cd == code
    assert token_calls(kis) == 2  # replaced once, not again


async def test_invalid_app_key_is_an_auth_error(make_service, kis, real_credential):
    kis.routes[f"token{REAL}"].side_effect = [
        payloads.token_error("EGW00103", "유효하지 않은 AppKey입니다.")
    ]
    with pytest.raises(KisAuthError) as caught:
        await make_service().client(real_credential).ensure_token()
    assert caught.value.msg1 == "유효하지 않은 AppKey입니다."
    assert caught.value.path == "/oauth2/tokenP"


async def test_unreachable_token_endpoint_is_unavailable_and_costs_no_wait(
    make_service, kis, real_credential, auto_clock
):
    kis.routes[f"token{REAL}"].side_effect = [httpx.ConnectError("down"), payloads.token_ok()]
    client = make_service().client(real_credential)
    with pytest.raises(KisUnavailable):
        await client.ensure_token()
    started = auto_clock.monotonic()
    await client.ensure_token()  # nothing reached KIS before: no minute to wait out
    assert auto_clock.monotonic() == started


async def test_a_token_request_that_timed_out_counts_toward_the_minute(
    make_service, kis, real_credential, auto_clock
):
    kis.routes[f"token{REAL}"].side_effect = [httpx.ReadTimeout("slow"), payloads.token_ok()]
    client = make_service().client(real_credential)
    with pytest.raises(KisUnavailable):
        await client.ensure_token()
    started = auto_clock.monotonic()
    await client.ensure_token()
    assert auto_clock.monotonic() - started == pytest.approx(60)


async def test_another_process_token_is_found_under_the_issuance_lock(
    make_service, kis, store, real_credential, auto_clock
):
    # The store is re-read under the lock: a token saved meanwhile is used, not re-issued.
    other = AccessToken("other-process", auto_clock.now() + timedelta(hours=20), auto_clock.now())
    original_lock = store.issuance_lock

    def lock_then_other_process_saves(app_key, environment):
        store._tokens[(app_key, environment)] = other
        return original_lock(app_key, environment)

    store.issuance_lock = lock_then_other_process_saves
    token = await make_service().client(real_credential).ensure_token()
    assert token.value == "other-process"
    assert token_calls(kis) == 0


async def test_revoke_sends_the_token_and_forgets_it(make_service, kis, real_credential, store):
    revoke = kis.post(f"{REAL}/oauth2/revokeP").mock(
        return_value=httpx.Response(200, json={"code": "200", "message": "ok"})
    )
    client = make_service().client(real_credential)
    assert await client.revoke_token() is False  # nothing issued yet, nothing sent
    assert revoke.call_count == 0

    await client.ensure_token()
    assert await client.revoke_token() is True
    body = json.loads(revoke.calls.last.request.content)
    assert body["token"] == payloads.ACCESS_TOKEN
    assert body["appkey"] == real_credential.app_key
    assert await store.load(real_credential.app_key, real_credential.environment) is None


class LockedOnlyStore(MemoryTokenStore):
    """A store whose issuance lock yields its own load/save, like a database's lock connection.

    Loading or saving through the store itself while its lock is held would take a second
    connection there, so here it is an error.
    """

    def __init__(self) -> None:
        super().__init__()
        self.held = False
        self.through_lock: list[str] = []

    async def load(self, app_key, environment):
        assert not self.held, "load through the store while holding its lock"
        return await super().load(app_key, environment)

    async def save(self, app_key, environment, token):
        assert not self.held, "save through the store while holding its lock"
        await super().save(app_key, environment, token)

    @asynccontextmanager
    async def issuance_lock(self, app_key, environment):
        store = self

        class Locked:
            async def load(self, app_key, environment):
                store.through_lock.append("load")
                return store._tokens.get((app_key, environment))

            async def save(self, app_key, environment, token):
                store.through_lock.append("save")
                store._tokens[(app_key, environment)] = token

        async with super().issuance_lock(app_key, environment):
            self.held = True
            try:
                yield Locked()
            finally:
                self.held = False


async def test_the_issuer_loads_and_saves_through_what_the_lock_yields(
    make_service, kis, real_credential
):
    store = LockedOnlyStore()
    token = await make_service(token_store=store).client(real_credential).ensure_token()
    assert store.through_lock == ["load", "save"]
    assert (await store.load(real_credential.app_key, real_credential.environment)) == token


async def test_the_token_window_is_waited_out_before_the_store_lock_is_taken(
    make_service, kis, real_credential
):
    clock = ManualClock()
    store = LockedOnlyStore()
    fresh = payloads.ACCESS_TOKEN + "2"
    kis.routes[f"token{REAL}"].side_effect = [payloads.token_ok(), payloads.token_ok(fresh)]
    kis.get(f"{REAL}{Q}/inquire-price").mock(
        side_effect=[payloads.token_expired(), payloads.ok(output=payloads.price_output())]
    )
    client = make_service(clock=clock, token_store=store).client(real_credential)
    await client.ensure_token()
    await clock.advance(5)
    task = asyncio.create_task(client.quote("005930"))
    await until(lambda: clock.sleepers == 1)
    assert not store.held  # waiting 55 s without the store's lock (a database connection)
    await clock.advance(55)
    assert (await asyncio.wait_for(task, 1)).price == 71500
    assert token_calls(kis) == 2
