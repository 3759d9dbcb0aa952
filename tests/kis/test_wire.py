"""The fast paths send and read exactly what the plain ones did: query bytes and parsed values."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pytest

from kisbot.kis import endpoints, queries
from kisbot.kis.parsing import integer, integer_or_none, loads_lowercase, lower_keys
from tests.kis.payloads import REAL, Q


@pytest.mark.parametrize(
    "params",
    [
        queries.multi_quote_query([f"{n:06d}" for n in range(1, 30)] + ["0004Y0"]),
        {"CANO": "12345678", "OFL_YN": "", "CTX_AREA_FK100": "A B%41&C=", "CTX_AREA_NK100": ""},
        {"FID_INPUT_ISCD": "0004Y0", "PDNO": "가나"},
    ],
    ids=["multi-quote", "paging-keys-need-escaping", "non-ascii"],
)
async def test_query_on_the_wire_is_what_httpx_would_encode(
    params, make_service, kis, real_credential
):
    route = kis.get(f"{REAL}{Q}/intstock-multprice").mock(
        return_value=httpx.Response(200, json={"rt_cd": "0", "output": []})
    )
    await make_service().gateway.call(real_credential, endpoints.MULTI_QUOTE, params=params)

    expected = httpx.Request("GET", f"{REAL}{Q}/intstock-multprice", params=params).url
    assert route.calls.last.request.url.raw_path == expected.raw_path


def test_lowercase_decoding_equals_lowercasing_after_decoding():
    raw = json.dumps(
        {
            "RT_CD": "0",
            "Output": [{"INTER_SHRN_ISCD": "005930", "excg_id_dvsn_Cd": "KRX"}, [{"A": 1}], 3],
            "output2": {"Nested": {"DEEP": None}},
        }
    ).encode()
    assert loads_lowercase(raw) == lower_keys(json.loads(raw))
    with pytest.raises(ValueError):
        loads_lowercase(b"<html>")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+0001500", 1500),
        (" -30 ", -30),
        ("1,500", 1500),
        ("12.7", 12),
        ("-12.7", -12),
        ("", None),
        ("   ", None),
        (None, None),
        ("abc", None),
        ("NaN", None),
        (42, 42),
        (True, None),
    ],
)
def test_integer_reading_of_kis_strings(raw, expected):
    row = {"f": raw}
    assert integer_or_none(row, "f") == expected
    assert integer(row, "f") == (0 if expected is None else expected)
    assert isinstance(integer(row, "f"), int) and not isinstance(integer(row, "f"), Decimal)
