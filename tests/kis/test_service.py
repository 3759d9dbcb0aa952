"""KisService: built from settings, a transport seam for tests, and closing what it owns."""

from __future__ import annotations

import httpx

from kisbot.clock import ManualClock
from kisbot.config import load_settings
from kisbot.kis import KisService, MemoryTokenStore
from kisbot.services import kis_service
from tests.kis import payloads


def _fake_kis(seen: list[httpx.Request]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/oauth2/tokenP":
            return payloads.token_ok()
        return payloads.ok(output=payloads.price_output())

    return httpx.MockTransport(handle)


async def test_kis_service_uses_the_configured_hosts_rates_and_timeout(mock_credential):
    settings = load_settings(
        {
            "KISBOT_KIS_REAL_URL": "http://127.0.0.1:8800/",
            "KISBOT_KIS_MOCK_URL": "http://127.0.0.1:8801",
            "KISBOT_KIS_REAL_RATE": "5",
            "KISBOT_KIS_MOCK_RATE": "0",
            "KISBOT_KIS_TIMEOUT": "2.5",
        }
    )
    seen: list[httpx.Request] = []
    async with httpx.AsyncClient(transport=_fake_kis(seen)) as http:
        service = kis_service(settings, clock=ManualClock(autojump=True), http=http)
        quote = await service.client(mock_credential).quote("005930")
        await service.aclose()
        assert not http.is_closed  # an injected client belongs to its owner

    assert quote.price == 71500
    assert [str(r.url).split("?")[0] for r in seen] == [
        "http://127.0.0.1:8801/oauth2/tokenP",
        "http://127.0.0.1:8801/uapi/domestic-stock/v1/quotations/inquire-price",
    ]
    assert seen[-1].extensions["timeout"]["read"] == 2.5
    assert service.hosts.real == "http://127.0.0.1:8800"
    assert service.rates[mock_credential.environment] == 0
    assert service.use_hashkey is False


async def test_service_closes_the_http_client_it_created():
    async with KisService(token_store=MemoryTokenStore()) as service:
        http = service._http_client
        assert not http.is_closed
    assert http.is_closed
