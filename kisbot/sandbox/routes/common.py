"""What the trading and account routes share: the account, string-typed fields, paging."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from aiohttp import web

from kisbot.sandbox import messages
from kisbot.sandbox.accounts import Account
from kisbot.sandbox.gateway import KisCall, kis_response
from kisbot.sandbox.messages import Message
from kisbot.sandbox.paging import Page, paginate


def account_of(call: KisCall, source: Mapping[str, Any]) -> Account | Message:
    """The account CANO + ACNT_PRDT_CD names (created on first use), or APAC0081."""
    cano = str(source.get("CANO", "")).strip()
    product = str(source.get("ACNT_PRDT_CD", "")).strip()
    if len(cano) != 8 or not cano.isdigit() or len(product) != 2 or not product.isdigit():
        return messages.BAD_ACCOUNT
    # Notices of an account go to the real-time sessions of the app keys that use it.
    call.state.realtime.note_account_use(call.flavour, call.appkey, (cano, product))
    return call.host.broker.account(cano, product)


def string_fields(body: Mapping[str, Any], names: Iterable[str]) -> dict[str, str] | Message:
    """The named body fields; each must be present and a string (KIS takes numbers as strings)."""
    fields: dict[str, str] = {}
    for name in names:
        value = body.get(name)
        if not isinstance(value, str):
            return messages.invalid_input(name)
        fields[name] = value.strip()
    return fields


def whole_number(text: str) -> int | None:
    """A non-negative integer written as digits, else None."""
    return int(text) if text.isdigit() else None


def page_of(call: KisCall, rows: list[dict[str, Any]], size: int, scope: str) -> Page:
    return paginate(
        rows,
        size=size,
        scope=scope,
        tr_cont=call.tr_cont,
        fk100=call.param("CTX_AREA_FK100"),
        nk100=call.param("CTX_AREA_NK100"),
    )


def paged_response(call: KisCall, page: Page, **outputs: Any) -> web.Response:
    return kis_response(
        messages.query_ok(call.flavour),
        tr_id=call.tr_id,
        tr_cont=page.tr_cont,
        ctx_area_fk100=page.ctx_area_fk100,
        ctx_area_nk100=page.ctx_area_nk100,
        **outputs,
    )
