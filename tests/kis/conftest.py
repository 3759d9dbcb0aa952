"""Fixtures for the KIS layer: credentials, a service on a ManualClock, respx routes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
import respx

from kisbot.clock import ManualClock
from kisbot.kis import Account, Credential, Environment, KisService, MemoryTokenStore
from tests.kis import payloads

ServiceFactory = Callable[..., KisService]


@pytest.fixture
def real_credential() -> Credential:
    return Credential(
        "PSrealAPPKEY0000000000000000000000000",
        payloads.APP_SECRET,
        Account.parse(payloads.ACCOUNT),
        Environment.REAL,
    )


@pytest.fixture
def mock_credential() -> Credential:
    return Credential(
        "PSmockAPPKEY0000000000000000000000000",
        payloads.APP_SECRET,
        Account.parse(payloads.ACCOUNT),
        Environment.MOCK,
    )


@pytest.fixture
def auto_clock() -> ManualClock:
    """A clock whose sleeps jump straight to their deadline (for lone sequential callers)."""
    return ManualClock(autojump=True)


@pytest.fixture
def store() -> MemoryTokenStore:
    return MemoryTokenStore()


@pytest.fixture
async def make_service(
    auto_clock: ManualClock, store: MemoryTokenStore
) -> AsyncIterator[ServiceFactory]:
    """Builds services (no client-side rate limit unless asked) and closes them afterwards."""
    made: list[KisService] = []

    def make(**options: Any) -> KisService:
        settings: dict[str, Any] = {
            "real_url": payloads.REAL,
            "mock_url": payloads.MOCK,
            "real_rate": 0,
            "mock_rate": 0,
            "clock": auto_clock,
            "token_store": store,
        }
        settings.update(options)
        service = KisService(**settings)
        made.append(service)
        return service

    yield make
    for service in made:
        await service.aclose()


@pytest.fixture
def kis() -> Iterator[respx.MockRouter]:
    """respx routes for both hosts, with tokenP answering a fresh token by default.

    Mocked at httpx's level (`using="httpx"`), so the routes answer whatever transport the
    client has underneath: the services here use the product's aiohttp one.
    """
    with respx.mock(assert_all_called=False, using="httpx") as router:
        for host in (payloads.REAL, payloads.MOCK):
            router.post(f"{host}/oauth2/tokenP", name=f"token{host}").mock(
                return_value=payloads.token_ok()
            )
        yield router


async def until(condition: Callable[[], bool], turns: int = 500) -> None:
    """Let other tasks run until the condition holds (no real time passes)."""
    for _ in range(turns):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition never held")


def token_calls(router: respx.MockRouter, host: str = payloads.REAL) -> int:
    return router.routes[f"token{host}"].call_count
