"""Access tokens against the sandbox: reused, revoked, and replaced once when expired."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kisbot.clock import ManualClock
from kisbot.kis import Environment, KisClient, KisService, TokenWait, notify_token_waits
from kisbot.sandbox import Sandbox
from tests.integration.conftest import credential, flavour

QUOTE = "/uapi/domestic-stock/v1/quotations/inquire-price"


async def test_one_token_serves_every_call(
    kis: KisClient, sandbox: Sandbox, environment: Environment
) -> None:
    first = await kis.ensure_token()
    await kis.quote("005930")
    await kis.balance()
    second = await kis.ensure_token()

    assert first.value == second.value
    assert len(sandbox.requests("/oauth2/tokenP", flavour=flavour(environment))) == 1


async def test_clients_of_one_service_share_the_token(
    service: KisService, sandbox: Sandbox
) -> None:
    await service.client(credential(Environment.REAL)).quote("005930")
    await service.client(credential(Environment.REAL)).quote("000660")

    assert len(sandbox.requests("/oauth2/tokenP")) == 1


async def test_revoked_token_is_gone_and_the_next_call_gets_a_new_one(
    kis: KisClient, sandbox: Sandbox, environment: Environment
) -> None:
    old = await kis.ensure_token()

    assert await kis.revoke_token() is True

    revokes = sandbox.requests("/oauth2/revokeP", flavour=flavour(environment))
    assert [entry.status for entry in revokes] == [200]
    quote = await kis.quote("005930")
    assert quote.price == sandbox.price("005930")
    assert (await kis.ensure_token()).value != old.value
    # The revoked token left the store too: the quote was not first refused with EGW00121.
    assert len(sandbox.requests("/uapi/domestic-stock/v1/quotations/inquire-price")) == 1


async def test_revoke_without_a_token_sends_nothing(kis: KisClient, sandbox: Sandbox) -> None:
    assert await kis.revoke_token() is False
    assert sandbox.requests("/oauth2/revokeP") == []


async def test_expired_token_is_replaced_once_and_the_call_succeeds(
    kis: KisClient, sandbox: Sandbox, environment: Environment
) -> None:
    old = await kis.ensure_token()
    assert sandbox.expire_tokens() == 1

    quote = await kis.quote("005930")

    assert quote.price == sandbox.price("005930")
    host = flavour(environment)
    assert [entry.status for entry in sandbox.requests(QUOTE, flavour=host)] == [500, 200]
    assert len(sandbox.requests("/oauth2/tokenP", flavour=host)) == 2
    assert (await kis.ensure_token()).value != old.value


async def test_a_call_waiting_for_the_token_window_says_so_under_kis_rules(
    auto_clock: ManualClock,
) -> None:
    # The sandbox with KIS's real rule: one tokenP a minute per app key.
    async with (
        Sandbox(seed=3, real_rate=0, mock_rate=0, walk_interval=0, clock=auto_clock) as sandbox,
        KisService(
            real_url=sandbox.real_url,
            mock_url=sandbox.mock_url,
            real_rate=0,
            mock_rate=0,
            clock=auto_clock,
        ) as service,
    ):
        client = service.client(credential(Environment.REAL))
        await client.ensure_token()
        issued = auto_clock.now()
        await auto_clock.sleep(20)
        sandbox.expire_tokens()
        waits: list[TokenWait] = []

        with notify_token_waits(waits.append):
            quote = await client.quote("005930")

        assert quote.price == sandbox.price("005930")
        assert [wait.seconds for wait in waits] == [pytest.approx(40)]
        assert waits[0].until == issued + timedelta(minutes=1)
        assert [entry.status for entry in sandbox.requests("/oauth2/tokenP")] == [200, 200]


async def test_a_process_refused_with_egw00133_says_how_long_it_waits(
    auto_clock: ManualClock,
) -> None:
    async with (
        Sandbox(seed=3, real_rate=0, mock_rate=0, walk_interval=0, clock=auto_clock) as sandbox,
        KisService(real_url=sandbox.real_url, real_rate=0, clock=auto_clock) as first,
        KisService(real_url=sandbox.real_url, real_rate=0, clock=auto_clock) as second,
    ):
        # Two processes that share no token store: the second learns of the first from KIS.
        await first.client(credential(Environment.REAL)).ensure_token()
        await auto_clock.sleep(5)
        waits: list[TokenWait] = []

        with notify_token_waits(waits.append):
            quote = await second.client(credential(Environment.REAL)).quote("005930")

        assert quote.price == sandbox.price("005930")
        assert [wait.seconds for wait in waits] == [pytest.approx(60)]
        assert [entry.status for entry in sandbox.requests("/oauth2/tokenP")] == [200, 403, 200]
