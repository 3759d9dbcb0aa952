"""The KIS gateway in front of every REST API: faults, the request log, app key, token, call
rate and TR ID checks, and the JSON shapes of answers.

Order of checks for an API call: injected fault, app key / secret (EGW00103 / EGW00105),
bearer token (EGW00205 / EGW00121 / EGW00123), call rate (EGW00201), then the TR ID: a real
trading TR (T/J/C…) on the mock host is EGW02006 "모의투자 TR 이 아닙니다.", an API the mock
host does not offer is MCA00124, any other TR that is not this API's is EGW00202.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from aiohttp import web

from kisbot.sandbox import messages
from kisbot.sandbox.faults import Fault, LoggedRequest
from kisbot.sandbox.messages import Flavour, Message
from kisbot.sandbox.state import Host, SandboxState

STATE: web.AppKey[SandboxState] = web.AppKey("sandbox_state", SandboxState)
FLAVOUR: web.AppKey[str] = web.AppKey("sandbox_flavour", str)
CONTROL_PREFIX = "/_sandbox/"
JSON_CONTENT_TYPE = "application/json"

_dumps = partial(json.dumps, ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class KisCall:
    """One authenticated API call as a handler sees it.

    Query names are upper-cased (KIS accepts lowercase ones); body keys are kept as sent, since
    KIS requires them in upper case (kis-api §4.2).
    """

    state: SandboxState
    host: Host
    tr_id: str
    tr_cont: str
    params: Mapping[str, str]
    body: Mapping[str, Any] = field(default_factory=dict)
    appkey: str = field(default="", repr=False)

    @property
    def flavour(self) -> Flavour:
        return self.host.flavour

    def param(self, name: str, default: str = "") -> str:
        value = self.params.get(name, default)
        return value if isinstance(value, str) else str(value)


Handler = Callable[[KisCall], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True)
class Api:
    """One KIS REST API: where it lives, the TR IDs each host accepts, and its handler."""

    method: str
    path: str
    real_trs: frozenset[str]
    mock_trs: frozenset[str]
    handler: Handler


def kis_response(
    message: Message, *, tr_id: str = "", tr_cont: str = "", **outputs: Any
) -> web.Response:
    """A KIS-shaped answer: rt_cd/msg_cd/msg1 plus outputs, with KIS's response headers."""
    headers = {"tr_id": tr_id, "tr_cont": tr_cont, "gt_uid": uuid.uuid4().hex}
    return web.json_response(
        message.body(**outputs), status=message.status, headers=headers, dumps=_dumps
    )


def plain_json(data: Any, *, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=_dumps)


@web.middleware
async def gateway_middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Faults and the request log around every KIS call (the control API is exempt)."""
    if request.path.startswith(CONTROL_PREFIX):
        return await handler(request)
    state = request.app[STATE]
    flavour = _flavour(request)
    state.market.sync()
    started = state.clock.now()
    fault = state.faults.take(request.path, flavour)
    try:
        response = await _answer(request, handler, fault)
    except web.HTTPException as error:
        _log(state, request, flavour, started, error.status)
        raise
    _log(state, request, flavour, started, response.status)
    return response


async def _answer(
    request: web.Request,
    handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
    fault: Fault | None,
) -> web.StreamResponse:
    if fault is None:
        return await handler(request)
    if fault.kind == "delay":
        # A slow answer, not a slow arrival: like KIS, the call is executed (an order is placed)
        # and only its answer is late, which is what trips a client's timeout.
        response = await handler(request)
        await asyncio.sleep(fault.delay)  # real time: it exists to trip client timeouts
        return response
    if fault.kind == "http500":
        return web.Response(status=500, text="Internal Server Error")
    tr_id = request.headers.get("tr_id", "")
    if fault.kind == "rate_limit":
        return kis_response(messages.RATE_LIMITED, tr_id=tr_id)
    injected = Message(fault.msg_cd, fault.msg1, fault.rt_cd, fault.status)
    return kis_response(injected, tr_id=tr_id)


def _log(
    state: SandboxState, request: web.Request, flavour: Flavour, started: datetime, status: int
) -> None:
    tr_id = request.headers.get("tr_id", "")
    state.log.append(LoggedRequest(flavour, request.method, request.path, tr_id, started, status))


def _flavour(request: web.Request) -> Flavour:
    return "mock" if request.app[FLAVOUR] == "mock" else "real"


def state_and_host(request: web.Request) -> tuple[SandboxState, Host]:
    """The sandbox state and the host (real or mock) a request came to."""
    state = request.app[STATE]
    return state, state.hosts[_flavour(request)]


async def json_object(request: web.Request) -> dict[str, Any]:
    """The request body as a JSON object ({} when it is not one)."""
    try:
        data = json.loads(await request.text() or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def route(api: Api) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """The aiohttp handler for an API: gateway checks, then the API's own handler."""

    async def handle(request: web.Request) -> web.StreamResponse:
        state, host = state_and_host(request)
        tr_id = request.headers.get("tr_id", "").strip()
        refusal = authenticate(state, host, request.headers) or _check_tr(api, host, tr_id)
        if refusal is not None:
            return kis_response(refusal, tr_id=tr_id)
        call = KisCall(
            state=state,
            host=host,
            tr_id=tr_id,
            tr_cont=request.headers.get("tr_cont", "").strip().upper(),
            params={key.upper(): value for key, value in request.query.items()},
            body=await json_object(request) if request.method == "POST" else {},
            appkey=request.headers.get("appkey", ""),
        )
        return await api.handler(call)

    return handle


def authenticate(
    state: SandboxState, host: Host, headers: Mapping[str, str], *, token_required: bool = True
) -> Message | None:
    """None when app key, secret, token and call rate let the call through, else the refusal."""
    appkey = headers.get("appkey", "")
    key_error = state.appkeys.check(appkey, headers.get("appsecret", ""))
    if key_error is messages.TOKEN_BAD_APPKEY:
        return messages.INVALID_APPKEY
    if key_error is not None:
        return messages.INVALID_APPSECRET
    if token_required:
        scheme, _, value = headers.get("authorization", "").strip().partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            return messages.NOT_BEARER
        token = host.tokens.verify(value.strip(), appkey)
        if isinstance(token, Message):
            return token
    if not host.limiter.allow(appkey):
        return messages.RATE_LIMITED
    return None


def _check_tr(api: Api, host: Host, tr_id: str) -> Message | None:
    accepted = api.real_trs if host.flavour == "real" else api.mock_trs
    if tr_id in accepted:
        return None
    if host.flavour == "mock" and tr_id[:1] in {"T", "J", "C"}:
        return messages.NOT_MOCK_TR
    if host.flavour == "mock" and not api.mock_trs:
        return messages.NO_SERVICE
    if host.flavour == "real" and tr_id in api.mock_trs:
        return messages.NOT_REAL_TR
    return messages.BAD_TR_ID
