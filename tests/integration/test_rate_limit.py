"""The client's limiter against the sandbox's real 18 calls/s rule, on real time (~2 s)."""

from __future__ import annotations

import asyncio

from kisbot.kis import Environment, KisService
from kisbot.sandbox import Sandbox
from tests.integration.conftest import credential

QUOTE = "/uapi/domestic-stock/v1/quotations/inquire-price"


async def test_a_burst_at_18_per_second_gets_no_too_many_calls() -> None:
    async with (
        Sandbox(seed=3, real_rate=18, mock_rate=1, token_interval=0, walk_interval=0) as sandbox,
        KisService(real_url=sandbox.real_url, mock_url=sandbox.mock_url, real_rate=18) as service,
    ):
        kis = service.client(credential(Environment.REAL))
        await kis.ensure_token()

        async with asyncio.timeout(10):
            quotes = await asyncio.gather(*(kis.quote("005930") for _ in range(40)))

        assert len(quotes) == 40
        assert [entry.status for entry in sandbox.requests(QUOTE)] == [200] * 40
