"""Fixtures for kisbot.kis against the in-process sandbox over real HTTP on loopback.

The sandbox and the KisService share one ManualClock whose sleeps jump to their deadline, so
backoffs and token windows cost no real time and both sides agree on the date (Monday
2026-11-23, 09:00 KST). Prices stand still unless a test moves them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from kisbot.clock import ManualClock
from kisbot.kis import Account, Credential, Environment, KisClient, KisService
from kisbot.sandbox import Sandbox
from kisbot.sandbox.messages import Flavour

ACCOUNT = "50012345-01"
ServiceFactory = Callable[..., KisService]


def credential(environment: Environment, app_key: str | None = None) -> Credential:
    """A credential the sandbox accepts (any app key not starting with BAD)."""
    return Credential(
        app_key or f"INTEG{environment.upper()}KEY",
        f"INTEG{environment.upper()}SECRET",
        Account.parse(ACCOUNT),
        environment,
    )


def flavour(environment: Environment) -> Flavour:
    """The sandbox host that serves this environment."""
    return "mock" if environment.is_mock else "real"


@pytest.fixture
def auto_clock() -> ManualClock:
    return ManualClock(autojump=True)


@pytest.fixture
async def sandbox(auto_clock: ManualClock) -> AsyncIterator[Sandbox]:
    """No rate or token limits, still prices, on the shared manual clock."""
    async with Sandbox(
        seed=3, real_rate=0, mock_rate=0, token_interval=0, walk_interval=0, clock=auto_clock
    ) as sb:
        yield sb


@pytest.fixture
async def make_service(sandbox: Sandbox, auto_clock: ManualClock) -> AsyncIterator[ServiceFactory]:
    """Services pointed at the sandbox, without client rate limits unless asked; closed after."""
    made: list[KisService] = []

    def make(**options: Any) -> KisService:
        settings: dict[str, Any] = {
            "real_url": sandbox.real_url,
            "mock_url": sandbox.mock_url,
            "real_rate": 0,
            "mock_rate": 0,
            "clock": auto_clock,
            **options,
        }
        service = KisService(**settings)
        made.append(service)
        return service

    yield make
    for service in made:
        await service.aclose()


@pytest.fixture
def service(make_service: ServiceFactory) -> KisService:
    return make_service()


@pytest.fixture(params=[Environment.REAL, Environment.MOCK], ids=["real", "mock"])
def environment(request: pytest.FixtureRequest) -> Environment:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def kis(service: KisService, environment: Environment) -> KisClient:
    """A client of the parametrized environment (each test runs for real and for mock)."""
    return service.client(credential(environment))


@pytest.fixture
def real(service: KisService) -> KisClient:
    return service.client(credential(Environment.REAL))


@pytest.fixture
def mock(service: KisService) -> KisClient:
    return service.client(credential(Environment.MOCK))
