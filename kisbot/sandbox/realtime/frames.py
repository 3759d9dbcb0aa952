"""The texts the sandbox's WebSocket sends (kis-api §7.2–7.4): control replies, PINGPONG, tick
records (H0STCNT0, 46 fields) and execution notice records (H0STCNI0/H0STCNI9, 26 fields,
AES-256-CBC with the key/iv of the subscribe reply, Base64)."""

from __future__ import annotations

import base64
import json
import secrets
import string
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from kisbot.clock import KST
from kisbot.sandbox import krx
from kisbot.sandbox.broker import OrderEvent
from kisbot.sandbox.formats import change_sign, rate, ymd
from kisbot.sandbox.market import Stock

TICK_FIELDS = 46
NOTICE_FIELDS = 26
MAX_RECORDS_PER_FRAME = 999  # the count is three digits
_KEY_ALPHABET = string.ascii_letters + string.digits


@dataclass(frozen=True, slots=True)
class Reply:
    """A control reply (kis-api §7.2): rt_cd, msg_cd and msg1."""

    msg_cd: str
    msg1: str
    rt_cd: str = "1"


SUBSCRIBED = Reply("OPSP0000", "SUBSCRIBE SUCCESS", "0")
UNSUBSCRIBED = Reply("OPSP0001", "UNSUBSCRIBE SUCCESS", "0")
ALREADY_SUBSCRIBED = Reply("OPSP0002", "ALREADY IN SUBSCRIBE")
NOT_SUBSCRIBED = Reply("OPSP0003", "UNSUBSCRIBE ERROR(not found!)")
MAX_SUBSCRIBE_OVER = Reply("OPSP0008", "MAX SUBSCRIBE OVER")
APPROVAL_NOT_FOUND = Reply("OPSP0011", "invalid approval : NOT FOUND")
APPKEY_IN_USE = Reply("OPSP8996", "ALREADY IN USE appkey")
# The sandbox's own codes (SBX…), for situations whose KIS answer is not known.
UNKNOWN_TR = Reply("SBXW0001", "invalid tr_id : NOT FOUND")
BAD_MESSAGE = Reply("SBXW0002", "invalid message : JSON with header and body.input expected")
OTHER_APPKEY = Reply("SBXW0003", "approval key of another appkey in this session")


@dataclass(frozen=True, slots=True)
class Cipher256:
    """The AES-256-CBC key and iv one subscribe reply hands out."""

    key: str  # 32 characters
    iv: str  # 16 characters

    @classmethod
    def fresh(cls) -> Cipher256:
        return cls(_random_text(32), _random_text(16))

    def encrypt(self, text: str) -> str:
        """Base64 of the PKCS#7-padded AES-256-CBC ciphertext of `text` (UTF-8)."""
        padder = padding.PKCS7(128).padder()
        data = padder.update(text.encode()) + padder.finalize()
        aes = Cipher(algorithms.AES(self.key.encode()), modes.CBC(self.iv.encode()))
        encryptor = aes.encryptor()
        return base64.b64encode(encryptor.update(data) + encryptor.finalize()).decode()

    def __repr__(self) -> str:
        return "Cipher256(...)"


def control_reply(tr_id: str, tr_key: str, reply: Reply, cipher: Cipher256 | None = None) -> str:
    """A control reply's JSON text; `cipher` (a subscribe success) goes in output.iv/key."""
    body: dict[str, Any] = {"rt_cd": reply.rt_cd, "msg_cd": reply.msg_cd, "msg1": reply.msg1}
    if cipher is not None:
        body["output"] = {"iv": cipher.iv, "key": cipher.key}
    header = {"tr_id": tr_id, "tr_key": tr_key, "encrypt": "N"}
    return json.dumps({"header": header, "body": body}, ensure_ascii=False)


def pingpong(now: datetime) -> str:
    stamp = now.astimezone(KST).strftime("%Y%m%d%H%M%S")
    return json.dumps({"header": {"tr_id": "PINGPONG", "datetime": stamp}})


def data_frames(encrypted: bool, tr_id: str, records: list[str]) -> list[str]:
    """`enc|tr_id|NNN|payload` frames carrying `records` (at most 999 to a frame)."""
    flag = "1" if encrypted else "0"
    return [
        f"{flag}|{tr_id}|{len(chunk):03d}|{'^'.join(chunk)}"
        for chunk in (
            records[i : i + MAX_RECORDS_PER_FRAME]
            for i in range(0, len(records), MAX_RECORDS_PER_FRAME)
        )
    ]


def tick_record(
    stock: Stock, volume: int, day: date, now: datetime, price: int | None = None
) -> str:
    """One H0STCNT0 record of `stock` as it is now, after a trade of `volume` shares (at
    `price` when it is another venue's; H0NXCNT0 and H0UNCNT0 take the same layout here)."""
    price = stock.price if price is None else price
    base, etf = stock.base, stock.etf
    diff = price - base
    tick = krx.tick_size(price, etf=etf)
    average = stock.turnover // stock.volume if stock.volume else price
    fields = [
        stock.listing.code,  # 0 MKSC_SHRN_ISCD
        now.astimezone(KST).strftime("%H%M%S"),  # 1 STCK_CNTG_HOUR
        str(price),  # 2 STCK_PRPR
        change_sign(price, base, stock.band),  # 3 PRDY_VRSS_SIGN
        str(diff),  # 4 PRDY_VRSS
        rate(diff, base),  # 5 PRDY_CTRT
        str(average),  # 6 WGHN_AVRG_STCK_PRC
        str(stock.open),  # 7 STCK_OPRC
        str(stock.high),  # 8 STCK_HGPR
        str(stock.low),  # 9 STCK_LWPR
        str(price + tick),  # 10 ASKP1
        str(price),  # 11 BIDP1
        str(volume),  # 12 CNTG_VOL
        str(stock.volume),  # 13 ACML_VOL
        str(stock.turnover),  # 14 ACML_TR_PBMN
        "0",  # 15 SELN_CNTG_CSNU
        "0",  # 16 SHNU_CNTG_CSNU
        "0",  # 17 NTBY_CNTG_CSNU
        "100.00",  # 18 CTTR
        "0",  # 19 SELN_CNTG_SMTN
        "0",  # 20 SHNU_CNTG_SMTN
        "1",  # 21 CCLD_DVSN
        "50.00",  # 22 SHNU_RATE
        "0.00",  # 23 PRDY_VOL_VRSS_ACML_VOL_RATE
        "090000",  # 24 OPRC_HOUR
        *_against(price, stock.open),  # 25, 26 OPRC_VRSS_PRPR_SIGN / _PRPR
        "090000",  # 27 HGPR_HOUR
        *_against(price, stock.high),  # 28, 29
        "090000",  # 30 LWPR_HOUR
        *_against(price, stock.low),  # 31, 32
        ymd(day),  # 33 BSOP_DATE
        "20",  # 34 NEW_MKOP_CLS_CODE: 장중
        "N",  # 35 TRHT_YN
        "100",  # 36 ASKP_RSQN1
        "100",  # 37 BIDP_RSQN1
        "1000",  # 38 TOTAL_ASKP_RSQN
        "1000",  # 39 TOTAL_BIDP_RSQN
        "0.00",  # 40 VOL_TNRT
        "0",  # 41 PRDY_SMNS_HOUR_ACML_VOL
        "0.00",  # 42 PRDY_SMNS_HOUR_ACML_VOL_RATE
        "0",  # 43 HOUR_CLS_CODE
        "",  # 44 MRKT_TRTM_CLS_CODE
        str(base),  # 45 VI_STND_PRC
    ]
    assert len(fields) == TICK_FIELDS
    return "^".join(fields)


_NOTICE_FLAGS = {  # kind: (RCTF_CLS, RFUS_YN, CNTG_YN, ACPT_YN)
    "accepted": ("0", "0", "1", "1"),
    "filled": ("0", "0", "2", "2"),
    "rejected": ("0", "1", "1", "1"),
    "modified": ("1", "0", "1", "1"),
    "cancelled": ("2", "0", "1", "1"),
}


def notice_record(event: OrderEvent, hts_id: str) -> str:
    """One H0STCNI0/H0STCNI9 record (plain text, before encryption) telling `event`."""
    order, account = event.order, event.account
    rctf, rfus, cntg, acpt = _NOTICE_FLAGS[event.kind]
    fields = [
        hts_id,  # 0 CUST_ID
        account.cano + account.product,  # 1 ACNT_NO
        order.odno,  # 2 ODER_NO
        order.original_odno,  # 3 OODER_NO
        order.side,  # 4 SELN_BYOV_CLS
        rctf,  # 5 RCTF_CLS
        order.dvsn,  # 6 ODER_KIND
        "0",  # 7 ODER_COND
        order.code,  # 8 STCK_SHRN_ISCD
        str(event.qty),  # 9 CNTG_QTY (the order's in acknowledgements)
        str(event.price),  # 10 CNTG_UNPR
        event.time,  # 11 STCK_CNTG_HOUR
        rfus,  # 12 RFUS_YN
        cntg,  # 13 CNTG_YN
        acpt,  # 14 ACPT_YN
        order.orgno,  # 15 BRNC_NO
        str(order.qty),  # 16 ODER_QTY
        "샌드박스",  # 17 ACNT_NAME
        "0",  # 18 ORD_COND_PRC
        "1",  # 19 ORD_EXG_GB: KRX
        "Y",  # 20 POPUP_YN
        "",  # 21 FILLER
        "10",  # 22 CRDT_CLS: 현금
        "",  # 23 CRDT_LOAN_DATE
        order.name,  # 24 CNTG_ISNM40
        str(order.price),  # 25 ODER_PRC
    ]
    assert len(fields) == NOTICE_FIELDS
    return "^".join(fields)


def _against(price: int, reference: int) -> tuple[str, str]:
    diff = price - reference
    return ("2" if diff > 0 else "5" if diff < 0 else "3"), str(diff)


def _random_text(length: int) -> str:
    return "".join(secrets.choice(_KEY_ALPHABET) for _ in range(length))
