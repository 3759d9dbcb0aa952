"""Reading what KIS's WebSocket sends: control replies (JSON) and data frames (`enc|tr|n|data`).

A data frame may batch several records (`count` > 1): every one is read, not just the first
(parsers that read one lose ticks when the market is busy). A record's length is the field
count divided by `count`, so fields KIS appends later are tolerated; when that division does
not work out, the known layout length is used. Execution notices arrive AES-256-CBC encrypted
with the key/iv of their TR's subscribe reply (kis-api.md §7.4). Nothing malformed raises out
of `FrameReader.read`: the record (or message) is skipped and counted in `skipped`.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from kisbot.clock import KST
from kisbot.kis.models import PriceFeed, Side
from kisbot.kis.parsing import kst_datetime
from kisbot.kis.realtime.events import Notice, NoticeKind, RealtimeEvent, Tick

logger = logging.getLogger(__name__)

TICK_TR = "H0STCNT0"
# The trade streams of each price feed. H0NXCNT0 (NXT) and H0UNCNT0 (combined) are real only;
# their frames are read with H0STCNT0's layout (UNCONFIRMED: kis-api §7.1 lists the TRs only).
TICK_TRS = {PriceFeed.KRX: TICK_TR, PriceFeed.NXT: "H0NXCNT0", PriceFeed.COMBINED: "H0UNCNT0"}
_FEED_OF_TR = {tr_id: feed for feed, tr_id in TICK_TRS.items()}
NOTICE_TRS = frozenset({"H0STCNI0", "H0STCNI9"})
PINGPONG = "PINGPONG"

TICK_FIELDS = 46  # the H0STCNT0 layout
TICK_MIN_FIELDS = 14  # up to ACML_VOL
NOTICE_FIELDS = 26  # the H0STCNI0 layout since ~2025-03 (23 before)
NOTICE_MIN_FIELDS = 17  # up to ODER_QTY
_OLD_NOTICE_FIELDS = 23
_FALLING_SIGNS = frozenset({"4", "5"})  # 하한, 하락


@dataclass(frozen=True, slots=True)
class NoticeCipher:
    """The AES key and iv a notice TR's subscribe reply gave; never shown."""

    key: str = field(repr=False)
    iv: str = field(repr=False)

    def decrypt(self, payload: str) -> str:
        """The plain text of a Base64, AES-256-CBC, PKCS#7-padded payload; ValueError if not."""
        try:
            sealed = base64.b64decode(payload, validate=True)
            decryptor = Cipher(
                algorithms.AES(self.key.encode()), modes.CBC(self.iv.encode())
            ).decryptor()
            padded = decryptor.update(sealed) + decryptor.finalize()
            unpadder = padding.PKCS7(algorithms.AES.block_size).unpadder()
            return (unpadder.update(padded) + unpadder.finalize()).decode()
        except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
            raise ValueError(f"undecryptable payload ({type(exc).__name__})") from None


@dataclass(frozen=True, slots=True)
class ControlReply:
    """A JSON message from KIS: a subscribe/unsubscribe answer or a PINGPONG."""

    tr_id: str
    tr_key: str = field(default="", repr=False)  # the HTS ID for notices: never shown
    rt_cd: str = ""
    msg_cd: str = ""
    msg1: str = ""
    cipher: NoticeCipher | None = None

    @property
    def is_pingpong(self) -> bool:
        return self.tr_id == PINGPONG

    @property
    def ok(self) -> bool:
        return self.rt_cd == "0"


Message = ControlReply | list[RealtimeEvent]


class FrameReader:
    """Turns each text message into a ControlReply or the events it carries.

    Holds the notice keys of one connection (`keys`, by TR ID) and counts what it had to skip.
    """

    def __init__(self, today: Callable[[], date]) -> None:
        self.keys: dict[str, NoticeCipher] = {}
        self.skipped = 0
        self._today = today

    def read(self, message: str) -> Message:
        """A control reply, or the events of a data frame (an empty list if nothing readable)."""
        try:
            if message.startswith("{"):
                return self._control(message)
            return self._events(message)
        except Exception:  # the promise: nothing the server sends escapes as an error
            self.skipped += 1
            logger.warning("skipped an unreadable WebSocket message")
            return []

    def _control(self, message: str) -> Message:
        document = json.loads(message)
        header = _object(document.get("header"))
        body = _object(document.get("body"))
        output = _object(body.get("output"))
        key, iv = _text(output, "key"), _text(output, "iv")
        return ControlReply(
            tr_id=_text(header, "tr_id"),
            tr_key=_text(header, "tr_key"),
            rt_cd=_text(body, "rt_cd"),
            msg_cd=_text(body, "msg_cd"),
            msg1=_text(body, "msg1"),
            cipher=NoticeCipher(key, iv) if key and iv else None,
        )

    def _events(self, message: str) -> list[RealtimeEvent]:
        parts = message.split("|", 3)
        if len(parts) != 4 or not parts[2].strip().isdigit():
            self.skipped += 1
            return []
        encrypted, tr_id, count, payload = parts[0], parts[1], int(parts[2]), parts[3]
        if encrypted == "1":
            cipher = self.keys.get(tr_id)
            if cipher is None:
                self.skipped += 1
                logger.warning("skipped a %s frame: no key from its subscribe reply", tr_id)
                return []
            payload = cipher.decrypt(payload)
        feed = _FEED_OF_TR.get(tr_id)
        if feed is not None:
            return self._records(
                payload, count, TICK_FIELDS, TICK_MIN_FIELDS, lambda f: self._tick(f, feed)
            )
        if tr_id in NOTICE_TRS:
            return self._records(payload, count, NOTICE_FIELDS, NOTICE_MIN_FIELDS, self._notice)
        return []  # a TR we did not ask for: nothing to say

    def _records(
        self,
        payload: str,
        count: int,
        layout: int,
        minimum: int,
        build: Callable[[Sequence[str]], RealtimeEvent],
    ) -> list[RealtimeEvent]:
        events: list[RealtimeEvent] = []
        for record in _split_records(payload.split("^"), count, layout, minimum):
            if len(record) < minimum:
                self.skipped += 1
                continue
            try:
                events.append(build(record))
            except (ValueError, IndexError):
                self.skipped += 1
        return events

    def _tick(self, fields: Sequence[str], feed: PriceFeed) -> Tick:
        change = int(fields[4])
        if fields[3].strip() in _FALLING_SIGNS or change < 0:
            change = -abs(change)
        day = _yyyymmdd(fields[33]) if len(fields) > 33 else None
        return Tick(
            code=_code(fields[0]),
            price=int(fields[2]),
            change=change,
            volume=int(fields[13]),
            at=kst_datetime(day, fields[1]),
            feed=feed,
        )

    def _notice(self, fields: Sequence[str]) -> Notice:
        kind = notice_kind(
            refused=fields[12], filled=fields[13], revision=fields[5], acceptance=fields[14]
        )
        quantity, price = int(fields[9] or 0), int(fields[10] or 0)
        ordered = fields[16].strip()
        # An acknowledgement may leave ODER_QTY blank; its CNTG_QTY is then the order's quantity.
        order_quantity = int(ordered) if ordered else (0 if kind is NoticeKind.FILLED else quantity)
        return Notice(
            account=fields[1].strip(),
            order_no=fields[2].strip(),
            original_order_no=fields[3].strip(),
            side=Side.from_code(fields[4]),
            kind=kind,
            code=_code(fields[8]),
            name=_notice_name(fields),
            quantity=quantity,
            price=price,
            order_quantity=order_quantity,
            at=kst_datetime(self._today(), fields[11]),
        )


def notice_kind(*, refused: str, filled: str, revision: str, acceptance: str) -> NoticeKind:
    """What a notice says happened, from RFUS_YN, CNTG_YN, RCTF_CLS and ACPT_YN."""
    if refused.strip() == "1":
        return NoticeKind.REJECTED
    if filled.strip() == "2":
        return NoticeKind.FILLED
    if revision.strip() == "1":
        return NoticeKind.MODIFIED
    if revision.strip() == "2" or acceptance.strip() == "3":
        return NoticeKind.CANCELLED
    return NoticeKind.ACCEPTED


def kst_today(now: Callable[[], datetime]) -> Callable[[], date]:
    """Today's date in Seoul, read from a clock's `now` (for notices that carry only a time)."""
    return lambda: now().astimezone(KST).date()


def _split_records(fields: list[str], count: int, layout: int, minimum: int) -> list[Sequence[str]]:
    if count >= 1 and len(fields) % count == 1 and fields[-1] == "":
        fields = fields[:-1]  # a trailing separator
    if count >= 1 and len(fields) % count == 0 and len(fields) // count >= minimum:
        size = len(fields) // count
    else:
        size = layout
    return [fields[start : start + size] for start in range(0, len(fields), size)]


def _notice_name(fields: Sequence[str]) -> str:
    # 26+ fields: CNTG_ISNM40 at 24. The older 23-field layout had it at 21.
    if len(fields) >= NOTICE_FIELDS:
        return fields[24].strip()
    if len(fields) == _OLD_NOTICE_FIELDS:
        return fields[21].strip()
    return ""


def _code(raw: str) -> str:
    code = raw.strip()
    if not code:
        raise ValueError("no stock code")
    return code


@functools.lru_cache(maxsize=8)  # one business date a day: strptime was 40% of a tick's read
def _yyyymmdd(raw: str) -> date | None:
    try:
        return datetime.strptime(raw.strip(), "%Y%m%d").date()
    except ValueError:
        return None


def _object(value: object) -> dict[str, object]:
    return value if isinstance(value, dict) else {}


def _text(mapping: dict[str, object], key: str) -> str:
    value = mapping.get(key)
    return "" if value is None else str(value).strip()
