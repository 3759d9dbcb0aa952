"""The /_sandbox/ JSON routes over `Control` (listed in kisbot.sandbox.control)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from kisbot.sandbox.control import (
    Control,
    ControlError,
    NotFoundError,
    account_json,
    order_json,
    sessions_json,
)
from kisbot.sandbox.gateway import CONTROL_PREFIX, STATE, plain_json

Route = Callable[[Control, web.Request, dict[str, Any]], Any]


async def _prices(control: Control, request: web.Request, body: dict[str, Any]) -> Any:
    return {
        code: {"name": s.listing.name, "price": s.price, "base": s.base, "band": list(s.band)}
        for code, s in control.state.market.stocks.items()
    }


async def _price(control: Control, request: web.Request, body: dict[str, Any]) -> Any:
    code = str(body.get("code", ""))
    if "price" in body:
        venue = str(body.get("venue", "krx"))
        return {"code": code, "price": control.set_price(code, _int(body, "price"), venue)}
    return {"code": code, "price": control.move_price(code, _int(body, "delta"))}


async def _advance(control: Control, request: web.Request, body: dict[str, Any]) -> Any:
    control.advance(float(body.get("seconds", 0)))
    return {"ok": True}


async def _market(control: Control, request: web.Request, body: dict[str, Any]) -> Any:
    control.set_market_open(bool(body.get("open", True)))
    return {"open": control.state.market.is_open}


async def _faults(control: Control, request: web.Request, body: dict[str, Any]) -> Any:
    if request.method == "POST":
        options = {k: v for k, v in body.items() if k not in {"path", "kind"}}
        control.inject_fault(
            str(body.get("path", "*")), str(body.get("kind", "http500")), **options
        )
    elif request.method == "DELETE":
        control.state.faults.clear()
    return {"faults": control.state.faults.pending()}


async def _expire(control: Control, request: web.Request, body: dict[str, Any]) -> Any:
    return {"expired": control.expire_tokens(body.get("appkey"))}


async def _requests(control: Control, request: web.Request, body: dict[str, Any]) -> Any:
    if request.method == "DELETE":
        control.state.log.clear()
        return {"requests": []}
    query = request.query
    flavour = query.get("flavour") or None
    entries = control.requests(query.get("path"), flavour=flavour, tr_id=query.get("tr_id"))  # type: ignore[arg-type]
    return {"requests": [entry.as_json() for entry in entries]}


async def _appkeys(control: Control, request: web.Request, body: dict[str, Any]) -> Any:
    control.register_app_key(str(body.get("appkey", "")), str(body.get("appsecret", "")))
    return {"ok": True}


async def _account(control: Control, request: web.Request, body: dict[str, Any]) -> Any:
    flavour, number = request.match_info["flavour"], request.match_info["account"]
    if request.path.endswith("/cash"):
        control.set_cash(flavour, number, _int(body, "amount"))  # type: ignore[arg-type]
    account = control.account(flavour, number)  # type: ignore[arg-type]
    return account_json(control, flavour, account)  # type: ignore[arg-type]


async def _fill(control: Control, request: web.Request, body: dict[str, Any]) -> Any:
    price = body.get("price")
    control.fill(
        str(body.get("flavour", "")),
        str(body.get("odno", "")),
        _int(body, "qty"),  # type: ignore[arg-type]
        int(price) if price is not None else None,
    )
    return {"ok": True}


async def _hts_order(control: Control, request: web.Request, body: dict[str, Any]) -> Any:
    order = control.place_hts_order(
        str(body.get("flavour", "")),  # type: ignore[arg-type]
        str(body.get("account", "")),
        str(body.get("code", "")),
        str(body.get("side", "")),
        _int(body, "qty"),
        _int(body, "price") if "price" in body else 0,
        str(body["dvsn"]) if "dvsn" in body else None,
    )
    return order_json(order)


async def _reject_next(control: Control, request: web.Request, body: dict[str, Any]) -> Any:
    count = _int(body, "count") if "count" in body else 1
    control.reject_next_order(str(body.get("flavour", "")), count)  # type: ignore[arg-type]
    return {"ok": True}


async def _ws_stats(control: Control, request: web.Request, body: dict[str, Any]) -> Any:
    return sessions_json(control.sessions())


async def _ws_drop(control: Control, request: web.Request, body: dict[str, Any]) -> Any:
    return {"dropped": control.drop_sessions(body.get("appkey"), body.get("flavour"))}


async def _ws_ping(control: Control, request: web.Request, body: dict[str, Any]) -> Any:
    return {"pinged": control.ping_sessions(body.get("appkey"), body.get("flavour"))}


async def _ws_resend(control: Control, request: web.Request, body: dict[str, Any]) -> Any:
    resent = control.resend_last_frame(
        str(body.get("appkey", "")), body.get("flavour"), body.get("tr_id")
    )
    return {"resent": resent}


async def _ws_hts_id(control: Control, request: web.Request, body: dict[str, Any]) -> Any:
    control.bind_hts_id(
        str(body.get("flavour", "")),  # type: ignore[arg-type]
        str(body.get("hts_id", "")),
        str(body.get("account", "")),
    )
    return {"ok": True}


async def _reset(control: Control, request: web.Request, body: dict[str, Any]) -> Any:
    control.reset()
    return {"ok": True}


def _int(body: dict[str, Any], name: str) -> int:
    try:
        return int(body[name])
    except (KeyError, TypeError, ValueError) as error:
        raise ControlError(f"{name} must be a whole number") from error


def _handler(route: Route) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        try:
            body = json.loads(await request.text() or "{}") if request.can_read_body else {}
            if not isinstance(body, dict):
                raise ControlError("the body must be a JSON object")
            return plain_json(await route(Control(request.app[STATE]), request, body))
        except ControlError as error:
            status = 404 if isinstance(error, NotFoundError) else 400
            return plain_json({"error": str(error)}, status=status)
        except ValueError as error:
            return plain_json({"error": f"bad request: {error}"}, status=400)

    return handle


def add_routes(app: web.Application) -> None:
    p = CONTROL_PREFIX
    add = app.router.add_route
    add("GET", f"{p}prices", _handler(_prices))
    add("POST", f"{p}price", _handler(_price))
    add("POST", f"{p}advance", _handler(_advance))
    add("POST", f"{p}market", _handler(_market))
    for method in ("GET", "POST", "DELETE"):
        add(method, f"{p}faults", _handler(_faults))
    add("POST", f"{p}expire-tokens", _handler(_expire))
    add("GET", f"{p}requests", _handler(_requests))
    add("DELETE", f"{p}requests", _handler(_requests))
    add("POST", f"{p}appkeys", _handler(_appkeys))
    add("GET", f"{p}accounts/{{flavour}}/{{account}}", _handler(_account))
    add("POST", f"{p}accounts/{{flavour}}/{{account}}/cash", _handler(_account))
    add("POST", f"{p}fill", _handler(_fill))
    add("POST", f"{p}hts-order", _handler(_hts_order))
    add("POST", f"{p}reject-next", _handler(_reject_next))
    add("GET", f"{p}ws/stats", _handler(_ws_stats))
    add("POST", f"{p}ws/drop", _handler(_ws_drop))
    add("POST", f"{p}ws/ping", _handler(_ws_ping))
    add("POST", f"{p}ws/resend", _handler(_ws_resend))
    add("POST", f"{p}ws/hts-id", _handler(_ws_hts_id))
    add("POST", f"{p}reset", _handler(_reset))
