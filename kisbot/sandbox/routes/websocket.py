"""The real-time WebSocket endpoint of a host: `/tryitout` and the bare `/` (kis-api §7)."""

from __future__ import annotations

from aiohttp import WSMsgType, web

from kisbot.sandbox.gateway import plain_json, state_and_host

PATHS = ("/tryitout", "/")


async def websocket(request: web.Request) -> web.StreamResponse:
    """One client's session, from the upgrade until either side closes."""
    state, host = state_and_host(request)
    # Pings are answered here: a protocol pong also counts as an echo of PINGPONG.
    ws = web.WebSocketResponse(autoping=False)
    if not ws.can_prepare(request).ok:
        return plain_json({"error": "a WebSocket upgrade is expected here"}, status=400)
    await ws.prepare(request)
    session = state.realtime.open(host.flavour, ws, request)
    try:
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                await state.realtime.receive(session, message.data)
            elif message.type == WSMsgType.PING:
                await ws.pong(message.data)
            elif message.type == WSMsgType.PONG:
                session.answer_ping()
    except ConnectionError:
        pass  # dropped by the client or by the control API
    finally:
        state.realtime.closed(session)
    return ws


def add_routes(app: web.Application) -> None:
    for path in PATHS:
        app.router.add_get(path, websocket)
