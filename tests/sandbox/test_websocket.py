"""The sandbox's real-time WebSocket (kis-api §7) over real sockets, with aiohttp's client."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import httpx
import pytest
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from kisbot.clock import ManualClock
from kisbot.sandbox import Sandbox

from .conftest import ACCOUNT, ACCOUNT_TEXT, Kis, SandboxFactory

WAIT = 2.0  # seconds of real time a frame may take over loopback before a test gives up
MOCK_KEY, MOCK_SECRET = "MOCKKEY", "MOCKSECRET"
REAL_KEY, REAL_SECRET = "REALKEY", "REALSECRET"


class Client:
    """One WebSocket connection to a sandbox host, speaking kis-api §7.1."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, approval_key: str) -> None:
        self.ws = ws
        self.approval_key = approval_key

    async def send(self, tr_id: str, tr_key: str, tr_type: str = "1") -> None:
        header = {
            "approval_key": self.approval_key,
            "custtype": "P",
            "tr_type": tr_type,
            "content-type": "utf-8",
        }
        await self.ws.send_str(
            json.dumps({"header": header, "body": {"input": {"tr_id": tr_id, "tr_key": tr_key}}})
        )

    async def request(self, tr_id: str, tr_key: str, tr_type: str = "1") -> dict[str, Any]:
        """Subscribe (1) or unsubscribe (2) and return the control reply."""
        await self.send(tr_id, tr_key, tr_type)
        return json.loads(await self.text())

    async def text(self) -> str:
        message = await asyncio.wait_for(self.ws.receive(), WAIT)
        assert message.type == aiohttp.WSMsgType.TEXT, message
        return str(message.data)

    async def closed(self) -> bool:
        """Whether the server ends the connection (a close frame or a dropped socket)."""
        message = await asyncio.wait_for(self.ws.receive(), WAIT)
        return message.type in {
            aiohttp.WSMsgType.CLOSE,
            aiohttp.WSMsgType.CLOSED,
            aiohttp.WSMsgType.ERROR,
        }


Connect = Callable[..., Any]


@pytest.fixture
async def ws_sandbox(clock: ManualClock) -> AsyncIterator[Sandbox]:
    """No REST limits, still prices, no automatic PINGPONG (tests ping by hand)."""
    async with Sandbox(
        seed=1,
        real_rate=0,
        mock_rate=0,
        token_interval=0,
        walk_interval=0,
        approval_interval=0,
        ping_interval=0,
        ping_timeout=10,
        clock=clock,
    ) as sb:
        yield sb


@pytest.fixture
async def mock(ws_sandbox: Sandbox) -> AsyncIterator[Kis]:
    """A REST caller of the mock host with the app key the WebSocket tests use."""
    async with httpx.AsyncClient(base_url=ws_sandbox.mock_url) as client:
        yield await Kis(client, MOCK_KEY, MOCK_SECRET).login()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def approval_key(
    http: aiohttp.ClientSession, root: str, appkey: str, secret: str
) -> aiohttp.ClientResponse:
    body = {"grant_type": "client_credentials", "appkey": appkey, "secretkey": secret}
    return await http.post(f"{root}/oauth2/Approval", json=body)


async def connect(
    http: aiohttp.ClientSession,
    sb: Sandbox,
    flavour: str = "mock",
    appkey: str = MOCK_KEY,
    secret: str = MOCK_SECRET,
    path: str = "/tryitout",
) -> Client:
    """A connection with a fresh approval key of `appkey` from the same host."""
    response = await approval_key(http, sb.url(flavour), appkey, secret)  # type: ignore[arg-type]
    assert response.status == 200, await response.text()
    key = (await response.json())["approval_key"]
    root = sb.real_ws_url if flavour == "real" else sb.mock_ws_url
    return Client(await http.ws_connect(f"{root}{path}", autoping=False), key)


async def eventually(condition: Callable[[], bool]) -> None:
    """Wait (real time, bounded) for the server to have read what the client sent."""
    for _ in range(200):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the sandbox never got there")


def decrypt(payload: str, reply: dict[str, Any]) -> list[str]:
    """A notice payload decrypted with the key/iv of its subscribe reply, as fields."""
    output = reply["body"]["output"]
    aes = Cipher(algorithms.AES(output["key"].encode()), modes.CBC(output["iv"].encode()))
    decryptor = aes.decryptor()
    padded = decryptor.update(base64.b64decode(payload)) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return (unpadder.update(padded) + unpadder.finalize()).decode().split("^")


async def notice(client: Client, reply: dict[str, Any], tr_id: str = "H0STCNI9") -> list[str]:
    encrypted, tr, count, payload = (await client.text()).split("|", 3)
    assert (encrypted, tr, count) == ("1", tr_id, "001")
    return decrypt(payload, reply)


def body(reply: dict[str, Any]) -> tuple[str, str, str]:
    return reply["body"]["rt_cd"], reply["body"]["msg_cd"], reply["body"]["msg1"]


# Subscribing.


async def test_subscribe_and_unsubscribe_answer_with_kis_codes(
    ws_sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    client = await connect(http, ws_sandbox)
    first = await client.request("H0STCNT0", "005930")
    assert first["header"] == {"tr_id": "H0STCNT0", "tr_key": "005930", "encrypt": "N"}
    assert body(first) == ("0", "OPSP0000", "SUBSCRIBE SUCCESS")
    assert len(first["body"]["output"]["iv"]) == 16
    assert len(first["body"]["output"]["key"]) == 32
    assert body(await client.request("H0STCNT0", "005930"))[1] == "OPSP0002"
    unsubscribed = await client.request("H0STCNT0", "005930", "2")
    assert body(unsubscribed) == ("0", "OPSP0001", "UNSUBSCRIBE SUCCESS")
    assert body(await client.request("H0STCNT0", "005930", "2"))[:2] == ("1", "OPSP0003")
    again = await client.request("H0STCNT0", "005930")
    assert body(again)[1] == "OPSP0000"
    assert again["body"]["output"] != first["body"]["output"]  # fresh key and iv


async def test_refusals_of_keys_trs_and_messages(
    ws_sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    mock = await connect(http, ws_sandbox)
    mock.approval_key = "00000000-0000-0000-0000-000000000000"
    reply = await mock.request("H0STCNT0", "005930")
    assert body(reply) == ("1", "OPSP0011", "invalid approval : NOT FOUND")
    real_key = await approval_key(http, ws_sandbox.real_url, REAL_KEY, REAL_SECRET)
    mock.approval_key = (await real_key.json())["approval_key"]  # a real host's key on mock
    assert body(await mock.request("H0STCNT0", "005930"))[1] == "OPSP0011"

    mock = await connect(http, ws_sandbox)
    assert body(await mock.request("H0STCNI0", "HTSID1"))[0] == "1"  # the real notice TR
    assert body(await mock.request("H0STXXX0", "005930"))[0] == "1"
    assert body(await mock.request("H0STCNT0", "005930", "7"))[0] == "1"
    await mock.ws.send_str("not json")
    assert body(json.loads(await mock.text()))[0] == "1"
    assert body(await mock.request("H0STCNI9", "HTSID1"))[1] == "OPSP0000"

    real = await connect(http, ws_sandbox, "real", REAL_KEY, REAL_SECRET, path="/")
    assert body(await real.request("H0STCNI9", "HTSID1"))[0] == "1"  # the mock notice TR
    assert body(await real.request("H0STCNI0", "HTSID1"))[1] == "OPSP0000"


async def test_41_registrations_then_max_subscribe_over(
    ws_sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    client = await connect(http, ws_sandbox)
    assert body(await client.request("H0STCNI9", "HTSID1"))[1] == "OPSP0000"
    codes = list(ws_sandbox.state.market.stocks)
    for code in codes[:40]:
        assert body(await client.request("H0STCNT0", code))[1] == "OPSP0000"
    assert body(await client.request("H0STCNT0", codes[40])) == (
        "1",
        "OPSP0008",
        "MAX SUBSCRIBE OVER",
    )
    assert body(await client.request("H0STCNT0", codes[0], "2"))[1] == "OPSP0001"
    assert body(await client.request("H0STCNT0", codes[40]))[1] == "OPSP0000"


async def test_approval_keys_are_limited_to_one_a_second_and_last_a_day(
    make_sandbox: SandboxFactory, clock: ManualClock, http: aiohttp.ClientSession
) -> None:
    async with make_sandbox(approval_interval=1.0, ping_interval=0) as sb:
        assert (await approval_key(http, sb.mock_url, MOCK_KEY, MOCK_SECRET)).status == 200
        too_soon = await approval_key(http, sb.mock_url, MOCK_KEY, MOCK_SECRET)
        assert too_soon.status == 500
        assert (await too_soon.json())["error_code"] == "EGW00201"
        assert (await approval_key(http, sb.mock_url, "OTHERKEY", "S")).status == 200
        assert (await approval_key(http, sb.mock_url, "BADKEY", "S")).status == 403
        await clock.advance(1.0)
        client = await connect(http, sb)
        await clock.advance(24 * 3600)
        assert body(await client.request("H0STCNT0", "005930"))[1] == "OPSP0011"


# One session per app key.


async def test_second_session_of_an_app_key_is_refused_and_the_first_keeps_working(
    ws_sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    first = await connect(http, ws_sandbox)
    assert body(await first.request("H0STCNT0", "005930"))[1] == "OPSP0000"
    second = await connect(http, ws_sandbox)
    refused = await second.request("H0STCNT0", "000660")
    assert body(refused) == ("1", "OPSP8996", "ALREADY IN USE appkey")
    assert await second.closed()

    other = await connect(http, ws_sandbox, appkey="OTHERKEY", secret="S")  # another app key
    assert body(await other.request("H0STCNT0", "005930"))[1] == "OPSP0000"
    ws_sandbox.set_price("005930", 72_000)
    assert (await first.text()).startswith("0|H0STCNT0|001|005930^")
    assert (await other.text()).startswith("0|H0STCNT0|001|005930^")
    assert [s.appkey for s in ws_sandbox.sessions()] == [MOCK_KEY, "OTHERKEY"]


async def test_dropped_sessions_close_abruptly_and_the_app_key_may_connect_again(
    ws_sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    client = await connect(http, ws_sandbox)
    await client.request("H0STCNT0", "005930")
    other = await connect(http, ws_sandbox, appkey="OTHERKEY", secret="S")
    await other.request("H0STCNT0", "005930")
    assert ws_sandbox.drop_sessions(MOCK_KEY) == 1
    assert await client.closed()
    assert client.ws.close_code != 1000  # no clean close: the socket was cut
    assert [s.appkey for s in ws_sandbox.sessions()] == ["OTHERKEY"]
    again = await connect(http, ws_sandbox)
    assert body(await again.request("H0STCNT0", "005930"))[1] == "OPSP0000"


# PINGPONG.


async def test_unanswered_pingpong_closes_the_session(
    make_sandbox: SandboxFactory, clock: ManualClock, http: aiohttp.ClientSession
) -> None:
    async with make_sandbox(approval_interval=0, ping_interval=100, ping_timeout=10) as sb:
        client = await connect(http, sb)
        await client.request("H0STCNT0", "005930")
        await clock.advance(100)
        ping = json.loads(await client.text())
        assert ping == {"header": {"tr_id": "PINGPONG", "datetime": "20261123090140"}}
        assert sb.sessions()[0].unanswered_pings == 1
        await clock.advance(10)
        assert await client.closed()
        await eventually(lambda: not sb.sessions())


@pytest.mark.parametrize("answer", ["echo", "pong"])
async def test_echoed_pingpong_keeps_the_session(
    make_sandbox: SandboxFactory, clock: ManualClock, http: aiohttp.ClientSession, answer: str
) -> None:
    async with make_sandbox(approval_interval=0, ping_interval=100, ping_timeout=10) as sb:
        client = await connect(http, sb)
        await client.request("H0STCNT0", "005930")
        for round_ in range(3):
            await clock.advance(90 if round_ else 100)  # to the next PINGPONG, every 100 s
            ping = await client.text()
            if answer == "echo":
                await client.ws.send_str(ping)  # what mojito and pykis do
            else:
                await client.ws.pong(ping.encode())  # what the official sample does
            await eventually(lambda: sb.sessions()[0].unanswered_pings == 0)
            await clock.advance(10)
        sb.set_price("005930", 72_000)
        assert (await client.text()).startswith("0|H0STCNT0|001|005930^090510^72000^")


async def test_ping_now_pings_at_once_and_the_timeout_applies(
    ws_sandbox: Sandbox, clock: ManualClock, http: aiohttp.ClientSession
) -> None:
    client = await connect(http, ws_sandbox)
    await client.request("H0STCNT0", "005930")
    assert ws_sandbox.ping_sessions() == 1
    assert json.loads(await client.text())["header"]["tr_id"] == "PINGPONG"
    await clock.advance(10)
    assert await client.closed()


# Ticks.


async def test_ticks_made_together_go_out_as_one_frame(
    ws_sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    client = await connect(http, ws_sandbox)
    await client.request("H0STCNT0", "005930")
    await client.request("H0STCNT0", "000660")
    base = ws_sandbox.price("005930")
    for price in (base + 100, base + 200, base - 100):
        ws_sandbox.set_price("005930", price)
    encrypted, tr_id, count, payload = (await client.text()).split("|", 3)
    assert (encrypted, tr_id, count) == ("0", "H0STCNT0", "003")
    fields = payload.split("^")
    assert len(fields) == 3 * 46
    records = [fields[k * 46 : (k + 1) * 46] for k in range(3)]
    assert [r[2] for r in records] == [str(base + 100), str(base + 200), str(base - 100)]
    last = records[2]
    assert last[0] == "005930"
    assert last[1] == "090000"  # STCK_CNTG_HOUR, KST
    assert (last[3], last[4]) == ("5", "-100")  # 하락, against the base
    assert last[33] == "20261123"  # BSOP_DATE
    assert last[13] == str(ws_sandbox.state.market.stocks["005930"].volume)


async def test_the_random_walk_reaches_subscribers_without_rest_calls(
    make_sandbox: SandboxFactory, clock: ManualClock, http: aiohttp.ClientSession
) -> None:
    async with make_sandbox(approval_interval=0, ping_interval=0, walk_interval=1) as sb:
        client = await connect(http, sb)
        await client.request("H0STCNT0", "005930")
        await clock.advance(1)
        frame = await client.text()
        assert frame.startswith("0|H0STCNT0|001|005930^")
        assert frame.split("^")[2] == str(sb.price("005930"))


async def test_fills_send_ticks_with_their_volume(
    ws_sandbox: Sandbox, http: aiohttp.ClientSession, mock: Kis
) -> None:
    client = await connect(http, ws_sandbox)
    await client.request("H0STCNT0", "000660")
    order = (await mock.order("VTTC0012U", "000660", 10, price=150_000)).json()["output"]
    ws_sandbox.fill(order["ODNO"], 4)
    fields = (await client.text()).split("|", 3)[3].split("^")
    assert fields[12] == "4"  # CNTG_VOL
    assert fields[13] == str(ws_sandbox.state.market.stocks["000660"].volume)


async def test_last_frame_is_resent_for_dedupe_tests(
    ws_sandbox: Sandbox, http: aiohttp.ClientSession
) -> None:
    client = await connect(http, ws_sandbox)
    await client.request("H0STCNT0", "005930")
    ws_sandbox.set_price("005930", 72_000)
    frame = await client.text()
    assert ws_sandbox.resend_last_frame(MOCK_KEY) == 1
    assert await client.text() == frame
    assert ws_sandbox.resend_last_frame(MOCK_KEY, tr_id="H0STCNI9") == 0


# Notices.


async def notices_client(
    sb: Sandbox, http: aiohttp.ClientSession, hts_id: str = "HTSID1"
) -> tuple[Client, dict[str, Any]]:
    client = await connect(http, sb)
    reply = await client.request("H0STCNI9", hts_id)
    assert body(reply)[1] == "OPSP0000"
    return client, reply


async def test_notices_of_an_order_decrypt_and_tell_each_step(
    ws_sandbox: Sandbox, http: aiohttp.ClientSession, mock: Kis
) -> None:
    client, reply = await notices_client(ws_sandbox, http)
    order = (await mock.order("VTTC0012U", "000660", 10, price=150_000)).json()["output"]
    odno = order["ODNO"]
    accepted = await notice(client, reply)
    assert len(accepted) == 26
    assert accepted[0] == "HTSID1"
    assert accepted[1] == ACCOUNT["CANO"] + ACCOUNT["ACNT_PRDT_CD"]
    assert (accepted[2], accepted[4], accepted[8]) == (odno, "02", "000660")
    # RCTF_CLS, RFUS_YN, CNTG_YN, ACPT_YN; order qty/price in both places
    assert (accepted[5], accepted[12], accepted[13], accepted[14]) == ("0", "0", "1", "1")
    assert (accepted[9], accepted[10], accepted[16], accepted[25]) == (
        "10",
        "150000",
        "10",
        "150000",
    )
    assert accepted[24] == "SK하이닉스"

    ws_sandbox.fill(odno, 4, price=149_900)
    filled = await notice(client, reply)
    assert (filled[2], filled[13], filled[9], filled[10], filled[16]) == (
        odno,
        "2",
        "4",
        "149900",
        "10",
    )

    revised = (await mock.rvsecncl("VTTC0013U", order, "01", price=149_000)).json()["output"]
    modified = await notice(client, reply)
    assert (modified[2], modified[3], modified[5], modified[13]) == (
        revised["odno"],
        odno,
        "1",
        "1",
    )
    assert (modified[16], modified[25]) == ("6", "149000")

    await mock.rvsecncl("VTTC0013U", {**order, "ODNO": revised["odno"]}, "02")
    cancelled = await notice(client, reply)
    assert (cancelled[3], cancelled[5], cancelled[16]) == (revised["odno"], "2", "6")

    rows = (await mock.daily_ccld("VTTC0081R")).json()["output1"]
    by_odno = {row["odno"]: row for row in rows}
    assert by_odno[odno]["tot_ccld_qty"] == "4"
    assert by_odno[revised["odno"]]["rmn_qty"] == "0"


async def test_rejected_order_is_accepted_by_rest_then_rejected_by_notice(
    ws_sandbox: Sandbox, http: aiohttp.ClientSession, mock: Kis
) -> None:
    client, reply = await notices_client(ws_sandbox, http)
    ws_sandbox.reject_next_order("mock")
    answer = (await mock.order("VTTC0012U", "005930", 3)).json()
    assert answer["rt_cd"] == "0"
    rejected = await notice(client, reply)
    assert (rejected[2], rejected[12], rejected[13]) == (answer["output"]["ODNO"], "1", "1")
    row = (await mock.daily_ccld("VTTC0081R")).json()["output1"][0]
    assert (row["odno"], row["rjct_qty"], row["rmn_qty"], row["tot_ccld_qty"]) == (
        answer["output"]["ODNO"],
        "3",
        "0",
        "0",
    )
    balance = (await mock.balance("VTTC8434R")).json()["output1"]
    assert {h["pdno"]: h["hldg_qty"] for h in balance}["005930"] == "10"  # unchanged
    following = (await mock.order("VTTC0012U", "005930", 1)).json()["output"]["ODNO"]
    assert (await notice(client, reply))[12:14] == ["0", "1"]  # only the one was rejected
    assert (await notice(client, reply))[2] == following  # and it filled at market


async def test_hts_orders_reach_sessions_of_the_bound_hts_id(
    ws_sandbox: Sandbox, http: aiohttp.ClientSession, mock: Kis
) -> None:
    client, reply = await notices_client(ws_sandbox, http, "MYHTS")
    ws_sandbox.bind_hts_id("MYHTS", "77770000-01")
    odno = ws_sandbox.place_hts_order("77770000-01", "005930", "buy", 2, 60_000)
    accepted = await notice(client, reply)
    assert (accepted[0], accepted[1], accepted[2]) == ("MYHTS", "7777000001", odno)
    # An HTS order on an account the app key has used in REST is heard of too, REST shows it.
    assert (await mock.balance("VTTC8434R")).json()["rt_cd"] == "0"
    odno = ws_sandbox.place_hts_order(ACCOUNT_TEXT, "035720", "sell", 5)
    assert (await notice(client, reply))[2:5] == [odno, "", "01"]
    filled = await notice(client, reply)
    assert (filled[2], filled[13], filled[9]) == (odno, "2", "5")
    rows = (await mock.daily_ccld("VTTC0081R")).json()["output1"]
    assert [(r["odno"], r["tot_ccld_qty"]) for r in rows] == [(odno, "5")]
    balance = (await mock.balance("VTTC8434R")).json()["output1"]
    assert {h["pdno"]: h["hldg_qty"] for h in balance}["035720"] == "15"


async def test_notices_do_not_reach_other_app_keys(
    ws_sandbox: Sandbox, http: aiohttp.ClientSession, mock: Kis
) -> None:
    stranger = await connect(http, ws_sandbox, appkey="OTHERKEY", secret="S")
    await stranger.request("H0STCNI9", "HTSID1")
    await stranger.request("H0STCNT0", "000660")
    await mock.order("VTTC0012U", "000660", 1)  # fills at once: a tick, and notices for MOCKKEY
    frame = await stranger.text()
    assert frame.startswith("0|H0STCNT0|")


# The control API over HTTP.


@pytest.fixture
async def control(ws_sandbox: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"{ws_sandbox.mock_url}/_sandbox/") as client:
        yield client


async def test_control_routes_for_the_websocket(
    ws_sandbox: Sandbox,
    http: aiohttp.ClientSession,
    control: httpx.AsyncClient,
    clock: ManualClock,
) -> None:
    client, reply = await notices_client(ws_sandbox, http, "MYHTS")
    await client.request("H0STCNT0", "005930")
    stats = (await control.get("ws/stats")).json()
    assert stats == {
        "sessions": [
            {
                "flavour": "mock",
                "appkey": MOCK_KEY,
                "registrations": [["H0STCNI9", "MYHTS"], ["H0STCNT0", "005930"]],
                "unanswered_pings": 0,
            }
        ],
        "per_appkey": {MOCK_KEY: 1},
    }

    bound = await control.post(
        "ws/hts-id", json={"flavour": "mock", "hts_id": "MYHTS", "account": "77770000-01"}
    )
    assert bound.status_code == 200
    placed = await control.post(
        "hts-order",
        json={"flavour": "mock", "account": "77770000-01", "code": "005930", "side": "buy",
              "qty": 1, "price": 60_000},
    )  # fmt: skip
    assert placed.json()["open_qty"] == 1
    accepted = await notice(client, reply)
    assert accepted[2] == placed.json()["odno"]
    refused = await control.post(
        "hts-order",
        json={"flavour": "mock", "account": "77770000-01", "code": "005930", "side": "hold",
              "qty": 1},
    )  # fmt: skip
    assert refused.status_code == 400

    assert (await control.post("ws/resend", json={"appkey": MOCK_KEY})).json() == {"resent": 1}
    assert (await client.text()).startswith("1|H0STCNI9|001|")

    assert (await control.post("reject-next", json={"flavour": "mock"})).status_code == 200
    rejected = ws_sandbox.place_hts_order("77770000-01", "005930", "buy", 1, 60_000)
    rejection = await notice(client, reply)
    assert (rejection[2], rejection[12]) == (rejected, "1")

    assert (await control.post("ws/ping", json={"appkey": MOCK_KEY})).json() == {"pinged": 1}
    assert json.loads(await client.text())["header"]["tr_id"] == "PINGPONG"
    assert (await control.get("ws/stats")).json()["sessions"][0]["unanswered_pings"] == 1

    assert (await control.post("ws/drop", json={"appkey": MOCK_KEY})).json() == {"dropped": 1}
    assert await client.closed()
    assert (await control.get("ws/stats")).json() == {"sessions": [], "per_appkey": {}}
