"""The aiohttp transport under the KIS client's httpx.AsyncClient, against a raw local HTTP server.

The server is a few lines over asyncio streams so each test decides exactly what the wire does:
answer, answer late, drop the connection after reading the request, or never accept it.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from ipaddress import ip_address
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kisbot.kis.http import KisHttp, KisRequest, TransportFailure
from kisbot.kis.transport import AiohttpTransport, new_http_client


@dataclass
class Arrival:
    """One request as it arrived: the request line's target, the headers, the body."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes


Reply = Callable[[Arrival, asyncio.StreamWriter], Awaitable[None]]


@dataclass
class RawServer:
    """Records every request and lets `reply` (settable per test) write the answer."""

    reply: Reply
    arrivals: list[Arrival] = field(default_factory=list)
    connections: int = 0
    url: str = ""

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while arrival := await read_request(reader):
                self.arrivals.append(arrival)
                await self.reply(arrival, writer)
                if writer.is_closing():
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()


async def read_request(reader: asyncio.StreamReader) -> Arrival | None:
    head = await reader.readuntil(b"\r\n\r\n") if not reader.at_eof() else b""
    if not head:
        return None
    line, *lines = head.decode("latin-1").split("\r\n")
    method, target, _ = line.split(" ")
    headers = {k.strip().lower(): v.strip() for k, v in (x.split(":", 1) for x in lines if x)}
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return Arrival(method, target, headers, body)


def answer(status: int, body: bytes, headers: dict[str, str] | None = None) -> bytes:
    lines = [f"HTTP/1.1 {status} X", f"content-length: {len(body)}"]
    lines += [f"{key}: {value}" for key, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def answer_json(arrival: Arrival, writer: asyncio.StreamWriter) -> None:
    writer.write(answer(200, b'{"rt_cd": "0", "msg1": "ok"}', {"content-type": "application/json"}))
    await writer.drain()


@pytest.fixture
async def server() -> AsyncIterator[RawServer]:
    raw = RawServer(answer_json)
    listener = await asyncio.start_server(raw.serve, "127.0.0.1", 0)
    raw.url = f"http://127.0.0.1:{listener.sockets[0].getsockname()[1]}"
    async with listener:
        yield raw
        listener.close()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with new_http_client(2.0) as http:
        yield http


def kis_request(server: RawServer, method: str = "GET", **fields: object) -> KisRequest:
    return KisRequest(method, server.url, "/uapi/x", "TR1", **fields)  # type: ignore[arg-type]


async def test_request_arrives_as_httpx_encoded_it(server, client):
    params = {"CTX_AREA_FK100": "A B%41&C=", "PDNO": "가나", "CANO": "12345678"}

    response = await client.post(
        f"{server.url}/uapi/x",
        params=params,
        headers={"appkey": "PSkey", "tr_id": "VTTC0012U"},
        json={"PDNO": "005930", "ORD_QTY": "1"},
    )

    assert response.status_code == 200
    assert response.json() == {"rt_cd": "0", "msg1": "ok"}
    [arrival] = server.arrivals
    expected = httpx.Request("POST", f"{server.url}/uapi/x", params=params).url
    assert arrival.target.encode() == expected.raw_path
    assert arrival.method == "POST"
    assert arrival.headers["appkey"] == "PSkey"
    assert arrival.headers["tr_id"] == "VTTC0012U"
    assert arrival.headers["content-type"] == "application/json"
    assert json.loads(arrival.body) == {"PDNO": "005930", "ORD_QTY": "1"}


async def test_any_status_comes_back_with_its_headers_and_body(server, client):
    async def refusal(arrival: Arrival, writer: asyncio.StreamWriter) -> None:
        writer.write(answer(500, b'{"rt_cd":"1","msg_cd":"EGW00201"}', {"tr_cont": "M"}))
        await writer.drain()

    server.reply = refusal

    response = await client.get(f"{server.url}/uapi/x")

    assert response.status_code == 500
    assert response.headers["tr_cont"] == "M"
    assert response.json()["msg_cd"] == "EGW00201"


async def test_gzip_answer_is_decoded_once(server, client):
    async def zipped(arrival: Arrival, writer: asyncio.StreamWriter) -> None:
        writer.write(answer(200, gzip.compress(b'{"rt_cd":"0"}'), {"content-encoding": "gzip"}))
        await writer.drain()

    server.reply = zipped

    assert (await client.get(f"{server.url}/x")).json() == {"rt_cd": "0"}


async def test_connections_are_kept_alive(server, client):
    for _ in range(5):
        await client.get(f"{server.url}/x")

    assert server.connections == 1


async def test_refused_connection_was_not_sent(client):
    listener = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    listener.close()
    await listener.wait_closed()

    with pytest.raises(TransportFailure) as caught:
        await KisHttp(client, 1.0).send(KisRequest("POST", f"http://127.0.0.1:{port}", "/o"))

    assert caught.value.kind == "ConnectError"
    assert caught.value.sent is False


async def test_answer_too_late_is_a_read_timeout_after_sending(server, client):
    async def late(arrival: Arrival, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(1.0)

    server.reply = late

    with pytest.raises(TransportFailure) as caught:
        await KisHttp(client, 0.1).send(kis_request(server, "POST", body={"a": "1"}))

    assert caught.value.kind == "ReadTimeout"
    assert caught.value.sent is True
    assert len(server.arrivals) == 1


async def test_dropped_order_on_a_reused_connection_is_not_resent(server, client):
    async def drop_posts(arrival: Arrival, writer: asyncio.StreamWriter) -> None:
        if arrival.method == "POST":
            writer.close()
        else:
            await answer_json(arrival, writer)

    server.reply = drop_posts
    kis_http = KisHttp(client, 1.0)
    await kis_http.send(kis_request(server))  # opens the keep-alive connection the POST reuses

    with pytest.raises(TransportFailure) as caught:
        await kis_http.send(kis_request(server, "POST", body={"PDNO": "005930"}))

    assert caught.value.kind == "RemoteProtocolError"
    assert caught.value.sent is True
    assert [a.method for a in server.arrivals] == ["GET", "POST"]


async def test_no_free_connection_in_time_was_not_sent(server):
    async def slow(arrival: Arrival, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(0.5)
        await answer_json(arrival, writer)

    server.reply = slow
    timeout = httpx.Timeout(5.0, pool=0.05, connect=0.05)
    async with httpx.AsyncClient(timeout=timeout, transport=AiohttpTransport(1)) as http:
        first = asyncio.create_task(http.get(f"{server.url}/first"))
        while not server.arrivals:  # noqa: ASYNC110 (the raw server has no event to wait on)
            await asyncio.sleep(0.01)

        with pytest.raises(httpx.ConnectTimeout):
            await http.get(f"{server.url}/second")

        assert (await first).status_code == 200
    assert [a.target for a in server.arrivals] == ["/first"]


async def test_errors_name_no_url(client):
    with pytest.raises(httpx.ConnectError) as caught:
        await client.get("http://127.0.0.1:9/uapi?CANO=50001234")

    assert "50001234" not in str(caught.value)
    assert caught.value.__cause__ is None


async def test_client_works_again_after_close(server):
    transport = AiohttpTransport()
    async with httpx.AsyncClient(transport=transport) as http:
        await http.get(f"{server.url}/x")
    await transport.aclose()  # a second close is harmless

    async with httpx.AsyncClient(transport=transport) as http:
        assert (await http.get(f"{server.url}/x")).status_code == 200


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 that no public CA signed, and its key (PEM files)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kisbot test")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.fixture
async def tls_server(tmp_path: Path) -> AsyncIterator[tuple[str, Path]]:
    """The raw server behind TLS with a self-signed certificate: (URL, certificate file)."""
    cert_file, key_file = self_signed_certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    raw = RawServer(answer_json)
    listener = await asyncio.start_server(raw.serve, "127.0.0.1", 0, ssl=context)
    async with listener:
        yield f"https://127.0.0.1:{listener.sockets[0].getsockname()[1]}", cert_file
        listener.close()


async def test_an_untrusted_certificate_is_refused_before_sending(tls_server):
    url, _ = tls_server
    async with new_http_client(2.0) as http:
        with pytest.raises(TransportFailure) as caught:
            await KisHttp(http, 2.0).send(KisRequest("POST", url, "/o", body={"a": "1"}))

    assert caught.value.kind == "ConnectError"
    assert caught.value.sent is False


async def test_certificates_are_trusted_as_httpx_trusts_them(tls_server, monkeypatch):
    url, cert_file = tls_server
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))  # httpx's own way to name a CA bundle

    async with new_http_client(2.0) as http:
        response = await http.get(f"{url}/x")

    assert response.json() == {"rt_cd": "0", "msg1": "ok"}
