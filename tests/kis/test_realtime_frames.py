"""Reading KIS WebSocket messages: ticks, encrypted notices, control replies, malformed input."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from kisbot.clock import KST
from kisbot.kis import Notice, NoticeKind, PriceFeed, Side, Tick
from kisbot.kis.realtime.frames import ControlReply, FrameReader, NoticeCipher
from tests.kis.fake_kis_ws import encrypt, frame, notice_fields, pingpong, tick_fields

KEY = "k" * 16 + "K" * 16
IV = "i" * 8 + "I" * 8
TODAY = date(2026, 11, 23)


@pytest.fixture
def reader() -> FrameReader:
    reader = FrameReader(lambda: TODAY)
    reader.keys["H0STCNI0"] = NoticeCipher(KEY, IV)
    return reader


def test_a_tick_is_read_by_position(reader):
    events = reader.read(frame("H0STCNT0", [tick_fields(price=71_200, change="700")]))
    assert events == [
        Tick(
            code="005930",
            price=71_200,
            change=700,
            volume=1_234_567,
            at=datetime(2026, 11, 23, 9, 30, 15, tzinfo=KST),
        )
    ]
    assert events[0].prev_close == 70_500


@pytest.mark.parametrize(
    ("sign", "raw", "change"),
    [("5", "300", -300), ("4", "21000", -21000), ("5", "-300", -300), ("2", "-300", -300)],
)
def test_a_fall_carries_a_negative_change(reader, sign, raw, change):
    [tick] = reader.read(frame("H0STCNT0", [tick_fields(sign=sign, change=raw)]))
    assert tick.change == change


def test_every_record_of_a_batched_frame_is_read(reader):
    records = [
        tick_fields(code=code, price=price)
        for code, price in [("005930", 70_000), ("000660", 180_000), ("035720", 45_000)]
    ]
    events = reader.read(frame("H0STCNT0", records))
    assert [(tick.code, tick.price) for tick in events] == [
        ("005930", 70_000),
        ("000660", 180_000),
        ("035720", 45_000),
    ]


def test_records_longer_than_today_s_layout_are_split_by_count(reader):
    records = [tick_fields(code="005930", size=48), tick_fields(code="000660", size=48)]
    events = reader.read(frame("H0STCNT0", records))
    assert [tick.code for tick in events] == ["005930", "000660"]


def test_a_count_that_does_not_divide_falls_back_to_the_known_layout(reader):
    records = [tick_fields(code="005930"), tick_fields(code="000660")]
    text = frame("H0STCNT0", records).replace("|002|", "|003|")
    events = reader.read(text)
    assert [tick.code for tick in events] == ["005930", "000660"]


def test_a_bad_record_is_skipped_and_the_others_kept(reader):
    records = [tick_fields(code="005930"), tick_fields(code="000660", price=0)]
    records[1][2] = "n/a"
    events = reader.read(frame("H0STCNT0", records))
    assert [tick.code for tick in events] == ["005930"]
    assert reader.skipped == 1


def _notice(reader: FrameReader, **fields: object) -> Notice:
    [notice] = reader.read(frame("H0STCNI0", [notice_fields(**fields)], cipher=(KEY, IV)))
    assert isinstance(notice, Notice)
    return notice


def test_an_encrypted_fill_notice_is_decrypted_and_read(reader):
    notice = _notice(reader, quantity="0000000003", price="000070100", order_quantity="10")
    assert notice == Notice(
        account="5001234501",
        order_no="0000012345",
        original_order_no="",
        side=Side.BUY,
        kind=NoticeKind.FILLED,
        code="005930",
        name="삼성전자",
        quantity=3,
        price=70_100,
        order_quantity=10,
        at=datetime(2026, 11, 23, 10, 1, 2, tzinfo=KST),
    )
    assert notice.is_for("50012345")
    assert "5001234501" not in repr(notice)


@pytest.mark.parametrize(
    ("fields", "kind"),
    [
        ({"filled": "1", "acceptance": "1"}, NoticeKind.ACCEPTED),
        ({"filled": "1", "acceptance": "2"}, NoticeKind.ACCEPTED),
        ({"filled": "2"}, NoticeKind.FILLED),
        ({"filled": "1", "refused": "1"}, NoticeKind.REJECTED),
        ({"filled": "1", "revision": "1", "original": "0000012300"}, NoticeKind.MODIFIED),
        ({"filled": "1", "revision": "2", "original": "0000012300"}, NoticeKind.CANCELLED),
        ({"filled": "1", "acceptance": "3"}, NoticeKind.CANCELLED),
    ],
)
def test_the_notice_kind_comes_from_its_flags(reader, fields, kind):
    assert _notice(reader, **fields).kind is kind


def test_an_acknowledgement_without_order_quantity_uses_its_quantity(reader):
    notice = _notice(reader, filled="1", acceptance="1", quantity="10", order_quantity="")
    assert (notice.quantity, notice.order_quantity) == (10, 10)


@pytest.mark.parametrize(("size", "name"), [(23, "삼성전자"), (26, "삼성전자"), (30, "삼성전자")])
def test_old_and_longer_notice_layouts_are_read(reader, size, name):
    records = [notice_fields(size=size, order_no="1"), notice_fields(size=size, order_no="2")]
    events = reader.read(frame("H0STCNI0", records, cipher=(KEY, IV)))
    assert [(notice.order_no, notice.name) for notice in events] == [("1", name), ("2", name)]


def test_a_notice_without_its_key_is_skipped(reader):
    text = frame("H0STCNI9", [notice_fields()], cipher=(KEY, IV))
    assert reader.read(text) == []
    assert reader.skipped == 1


@pytest.mark.parametrize(
    "message",
    [
        "",
        "garbage",
        "0|H0STCNT0|abc|005930^1",
        "0|H0STCNT0|001",
        "0|H0STCNT0|001|005930^093015",
        "1|H0STCNI0|001|not base64!!",
        "1|H0STCNI0|001|" + encrypt("x" * 40, "z" * 32, IV),
        "{not json",
        "[1, 2]",
    ],
)
def test_malformed_messages_are_counted_not_raised(reader, message):
    assert reader.read(message) == []
    assert reader.skipped == 1


def test_a_wrong_key_never_yields_a_notice(reader):
    text = frame("H0STCNI0", [notice_fields()], cipher=("w" * 32, IV))
    assert reader.read(text) == []
    assert reader.skipped == 1


@pytest.mark.parametrize(
    ("tr_id", "feed"), [("H0NXCNT0", PriceFeed.NXT), ("H0UNCNT0", PriceFeed.COMBINED)]
)
def test_nxt_and_combined_ticks_are_read_with_the_krx_layout(reader, tr_id, feed):
    [tick] = reader.read(frame(tr_id, [tick_fields(price=71_200, change="700")]))
    assert (tick.code, tick.price, tick.prev_close, tick.feed) == ("005930", 71_200, 70_500, feed)


def test_a_tr_we_did_not_ask_for_is_ignored(reader):
    assert reader.read("0|H0STASP0|001|" + "^".join(["1"] * 59)) == []
    assert reader.skipped == 0


def test_a_subscribe_reply_carries_the_tr_s_cipher(reader):
    reply = reader.read(
        json.dumps(
            {
                "header": {"tr_id": "H0STCNI0", "tr_key": "myhtsid", "encrypt": "N"},
                "body": {
                    "rt_cd": "0",
                    "msg_cd": "OPSP0000",
                    "msg1": "SUBSCRIBE SUCCESS",
                    "output": {"iv": IV, "key": KEY},
                },
            }
        )
    )
    assert isinstance(reply, ControlReply)
    assert (reply.tr_id, reply.tr_key, reply.ok, reply.msg_cd) == (
        "H0STCNI0",
        "myhtsid",
        True,
        "OPSP0000",
    )
    assert reply.cipher == NoticeCipher(KEY, IV)
    assert KEY not in repr(reply) and IV not in repr(reply) and "myhtsid" not in repr(reply)


def test_pingpong_is_recognised(reader):
    reply = reader.read(pingpong())
    assert isinstance(reply, ControlReply) and reply.is_pingpong
