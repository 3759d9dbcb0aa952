"""Access tokens against the sandbox: reused, revoked, and replaced once when expired."""

from __future__ import annotations

from kisbot.kis import Environment, KisClient, KisService
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
