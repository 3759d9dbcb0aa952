"""The app secret, the access token and the account number never show in logs or errors."""

from __future__ import annotations

import logging

import httpx
import pytest

from kisbot.kis import KisError, Side
from tests.kis import payloads
from tests.kis.payloads import REAL, Q, T

SECRETS = (payloads.APP_SECRET, payloads.ACCESS_TOKEN, "50012345", "PSrealAPPKEY00000")


def _assert_clean(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


async def test_secrets_stay_out_of_logs_errors_and_reprs(
    make_service, kis, real_credential, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG)
    kis.get(f"{REAL}{Q}/inquire-price").mock(
        side_effect=[payloads.too_many_calls(), payloads.ok(output=payloads.price_output())]
    )
    kis.get(f"{REAL}{T}/inquire-balance").mock(side_effect=httpx.ReadTimeout("timed out"))
    kis.post(f"{REAL}{T}/order-cash").mock(
        side_effect=[payloads.token_expired(), httpx.ReadTimeout("timed out")]
    )
    kis.post(f"{REAL}/oauth2/revokeP").mock(
        return_value=payloads.token_error("EGW00103", "유효하지 않은 AppKey입니다.")
    )
    service = make_service()
    client = service.client(real_credential)
    errors: list[KisError] = []

    quote = await client.quote("005930")
    for operation in (
        client.balance(),
        client.place_order(Side.BUY, "005930", 1, 71500),
        client.revoke_token(),
    ):
        try:
            await operation
        except KisError as error:
            errors.append(error)

    assert len(errors) == 3
    assert caplog.records, "the calls above should have logged something"
    for record in caplog.records:
        _assert_clean(record.getMessage())
    for error in errors:
        _assert_clean(str(error))
        _assert_clean(repr(error))
    token = await service.tokens.token(real_credential)
    for shown in (real_credential, client, quote, token, service.hosts):
        _assert_clean(repr(shown))
        _assert_clean(str(shown))
