"""A small KIS-shaped WebSocket server for the realtime tests, and builders for its frames.

It answers subscribe/unsubscribe requests the way kis-api.md §7.2 says KIS does (OPSP0000,
OPSP0001, OPSP0002, OPSP0003, OPSP0008 past its limit), gives each connection its own AES key and
iv, and lets a test push frames, drop the connection, refuse approval keys or play the process
that already holds the app key (OPSP8996). It records what the client sent.
"""

from __future__ import annotations

import base64
import json
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

NOTICE_TRS = ("H0STCNI0", "H0STCNI9")


def encrypt(plain: str, key: str, iv: str) -> str:
    """What KIS sends for a notice payload: AES-256-CBC, PKCS#7, Base64."""
    padder = padding.PKCS7(128).padder()
    padded = padder.update(plain.encode()) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key.encode()), modes.CBC(iv.encode())).encryptor()
    return base64.b64encode(encryptor.update(padded) + encryptor.finalize()).decode()


def tick_fields(
    code: str = "005930",
    price: int = 70_000,
    sign: str = "2",
    change: str = "500",
    volume: int = 1_234_567,
    hour: str = "093015",
    day: str = "20261123",
    size: int = 46,
) -> list[str]:
    """One H0STCNT0 record, `size` fields long (46 is today's layout)."""
    fields = ["0"] * size
    fields[0], fields[1], fields[2], fields[3], fields[4] = code, hour, str(price), sign, change
    fields[13] = str(volume)
    if size > 33:
        fields[33] = day
    return fields


def notice_fields(
    *,
    order_no: str = "0000012345",
    original: str = "",
    side: str = "02",
    revision: str = "0",
    code: str = "005930",
    quantity: str = "10",
    price: str = "70000",
    hour: str = "100102",
    refused: str = "0",
    filled: str = "2",
    acceptance: str = "2",
    order_quantity: str = "10",
    name: str = "삼성전자",
    account: str = "5001234501",
    size: int = 26,
) -> list[str]:
    """One H0STCNI0 record in the 26-field layout (or the old 23, or longer)."""
    fields = [""] * size
    fields[0], fields[1], fields[2], fields[3] = "myhtsid", account, order_no, original
    fields[4], fields[5], fields[6], fields[7] = side, revision, "00", "0"
    fields[8], fields[9], fields[10], fields[11] = code, quantity, price, hour
    fields[12], fields[13], fields[14], fields[15] = refused, filled, acceptance, "00950"
    fields[16], fields[17] = order_quantity, "홍길동"
    fields[24 if size >= 26 else 21] = name
    return fields


def frame(tr_id: str, records: list[list[str]], *, cipher: tuple[str, str] | None = None) -> str:
    """A data frame `enc|tr_id|count|payload` carrying these records."""
    payload = "^".join("^".join(record) for record in records)
    if cipher is not None:
        payload = encrypt(payload, *cipher)
    return f"{'1' if cipher else '0'}|{tr_id}|{len(records):03d}|{payload}"


def pingpong() -> str:
    return json.dumps({"header": {"tr_id": "PINGPONG", "datetime": "20261123090000"}})


def _random(length: int) -> str:
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(length))


@dataclass
class Connection:
    ws: web.WebSocketResponse
    path: str
    key: str = field(default_factory=lambda: _random(32))
    iv: str = field(default_factory=lambda: _random(16))
    registered: set[tuple[str, str]] = field(default_factory=set)
    texts: list[str] = field(default_factory=list)  # everything the client sent, in order

    @property
    def cipher(self) -> tuple[str, str]:
        return (self.key, self.iv)


class FakeKisWs:
    """The server; start() gives its root URL (ws://127.0.0.1:PORT)."""

    def __init__(self, *, limit: int = 41) -> None:
        self.limit = limit
        self.connections: list[Connection] = []
        self.requests: list[dict[str, Any]] = []  # subscribe/unsubscribe requests, all connections
        self.in_use = False  # answer OPSP8996 to everything
        self.refused_approvals: set[str] = set()
        self.most_registered = 0  # the highest count any connection reached
        self.hold: Callable[[dict[str, Any]], bool] = lambda request: False
        self.held: list[tuple[Connection, dict[str, Any]]] = []  # requests not yet acted on
        self._runner: web.AppRunner | None = None

    async def start(self) -> str:
        app = web.Application()
        app.router.add_get("/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        return f"ws://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def live(self) -> Connection:
        """The newest connection."""
        return self.connections[-1]

    @property
    def open_connections(self) -> int:
        return sum(1 for connection in self.connections if not connection.ws.closed)

    async def push(self, text: str) -> None:
        await self.live.ws.send_str(text)

    async def drop(self) -> None:
        await self.live.ws.close()

    async def release(self) -> None:
        """Act on and answer the held requests, in order."""
        held, self.held = self.held, []
        for connection, request in held:
            await connection.ws.send_str(json.dumps(self._reply(connection, request)))

    async def _handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=False)
        await ws.prepare(request)
        connection = Connection(ws, request.path)
        self.connections.append(connection)
        async for message in ws:
            if message.type is not WSMsgType.TEXT:
                continue
            connection.texts.append(message.data)
            body = json.loads(message.data)
            if body.get("header", {}).get("tr_id") == "PINGPONG":
                continue
            self.requests.append(body)
            if self.hold(body):
                self.held.append((connection, body))
            else:
                await ws.send_str(json.dumps(self._reply(connection, body)))
        return ws

    def _reply(self, connection: Connection, request: dict[str, Any]) -> dict[str, Any]:
        header, wanted = request["header"], request["body"]["input"]
        registration = (wanted["tr_id"], wanted["tr_key"])
        if self.in_use:
            return _reply(registration, "1", "OPSP8996", "ALREADY IN USE appkey")
        if header["approval_key"] in self.refused_approvals:
            return _reply(registration, "1", "OPSP0011", "invalid approval : NOT FOUND")
        if header["tr_type"] == "2":
            if registration not in connection.registered:
                return _reply(registration, "1", "OPSP0003", "UNSUBSCRIBE ERROR(not found!)")
            connection.registered.discard(registration)
            return _reply(registration, "0", "OPSP0001", "UNSUBSCRIBE SUCCESS")
        if registration in connection.registered:
            return _reply(registration, "1", "OPSP0002", "ALREADY IN SUBSCRIBE")
        if len(connection.registered) >= self.limit:
            return _reply(registration, "1", "OPSP0008", "MAX SUBSCRIBE OVER")
        connection.registered.add(registration)
        self.most_registered = max(self.most_registered, len(connection.registered))
        output = {"iv": connection.iv, "key": connection.key}
        return _reply(registration, "0", "OPSP0000", "SUBSCRIBE SUCCESS", output)


def _reply(
    registration: tuple[str, str],
    rt_cd: str,
    msg_cd: str,
    msg1: str,
    output: dict[str, str] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {"rt_cd": rt_cd, "msg_cd": msg_cd, "msg1": msg1}
    if output is not None:
        body["output"] = output
    tr_id, tr_key = registration
    return {"header": {"tr_id": tr_id, "tr_key": tr_key, "encrypt": "N"}, "body": body}
