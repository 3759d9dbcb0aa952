"""The codes and texts the sandbox answers with, and the shapes of KIS answers.

Codes and texts come from kis-api.md where it has them. Where KIS's code for a situation is not
known, the sandbox uses a code starting with `SBX` so nobody mistakes it for a KIS fact; clients
should show `msg1` for those as for any refusal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Flavour = Literal["real", "mock"]
FLAVOURS: tuple[Flavour, Flavour] = ("real", "mock")


@dataclass(frozen=True, slots=True)
class Message:
    """rt_cd / msg_cd / msg1, and the HTTP status KIS sends them with."""

    msg_cd: str
    msg1: str
    rt_cd: str = "1"
    status: int = 200

    def body(self, **outputs: Any) -> dict[str, Any]:
        return {"rt_cd": self.rt_cd, "msg_cd": self.msg_cd, "msg1": self.msg1, **outputs}


# Successes.
QUERY_OK = Message("MCA00000", "정상처리 되었습니다.", "0")
# KIS pads mock messages with spaces; clients must strip msg1.
MOCK_QUERY_OK = Message("20310000", "모의투자 조회가 완료되었습니다." + " " * 49, "0")
ORDER_OK = Message("APBK0013", "주문 전송 완료 되었습니다.", "0")
MOCK_BUY_OK = Message("40600000", "모의투자 매수주문이 완료 되었습니다.", "0")
MOCK_SELL_OK = Message("40600000", "모의투자 매도주문이 완료 되었습니다.", "0")
MOCK_REVISE_OK = Message("40600000", "모의투자 정정주문이 완료 되었습니다.", "0")
MOCK_CANCEL_OK = Message("40630000", "모의투자 취소주문이 완료 되었습니다.", "0")

# Gateway refusals (HTTP 500 with a KIS body).
RATE_LIMITED = Message("EGW00201", "초당 거래건수를 초과하였습니다.", status=500)
INVALID_TOKEN = Message("EGW00121", "유효하지 않은 token 입니다.", status=500)
EXPIRED_TOKEN = Message("EGW00123", "기간이 만료된 token 입니다.", status=500)
INVALID_APPKEY = Message("EGW00103", "유효하지 않은 AppKey입니다.", status=500)
INVALID_APPSECRET = Message("EGW00105", "유효하지 않은 AppSecret입니다.", status=500)
NOT_BEARER = Message("EGW00205", "credentials_type이 유효하지 않습니다.(Bearer)", status=500)
BAD_TR_ID = Message("EGW00202", "GW라우팅 중 오류가 발생했습니다.", status=500)
NOT_MOCK_TR = Message("EGW02006", "모의투자 TR 이 아닙니다.", status=500)
NOT_REAL_TR = Message("EGW02006", "실전투자 TR 이 아닙니다.", status=500)
NO_SERVICE = Message("MCA00124", "해당 서비스를 찾을수 없습니다.", status=500)

# Application refusals (HTTP 200).
BAD_ACCOUNT = Message("APAC0081", "계좌번호 입력 오류입니다", rt_cd="7")
UNKNOWN_QUOTE = Message("SBX00001", "종목코드가 존재하지 않습니다.")


def invalid_input(field: str) -> Message:
    """OPSQ2001 as KIS words it for a rejected query/body field (rt_cd 2)."""
    return Message("OPSQ2001", f"ERROR : INPUT INVALID_CHECK_{field}", rt_cd="2")


Refusal = Literal[
    "unknown_stock",
    "no_cash",
    "no_shares",
    "bad_price",
    "bad_order_type",
    "no_order",
    "nothing_left",
]

_REAL_REFUSALS: dict[Refusal, Message] = {
    "unknown_stock": Message("APBK0656", "해당 종목정보가 없습니다."),
    "no_cash": Message("APBK0952", "주문가능금액을 초과 했습니다"),
    "no_shares": Message("SBX00011", "주문가능수량을 초과 했습니다"),
    "bad_price": Message("SBX00012", "주문단가가 호가단위 또는 가격제한폭에 맞지 않습니다."),
    "bad_order_type": Message("SBX00013", "샌드박스에서 지원하지 않는 주문구분입니다."),
    "no_order": Message("SBX00014", "원주문번호가 존재하지 않습니다."),
    "nothing_left": Message("SBX00015", "정정/취소할 수량이 없습니다."),
}
_MOCK_REFUSALS: dict[Refusal, Message] = {
    "unknown_stock": Message("40070000", "모의투자 주문처리가 안되었습니다(매매불가 종목)"),
    "no_cash": Message("SBX40001", "모의투자 주문가능금액을 초과 했습니다"),
    "no_shares": Message("SBX40002", "모의투자 주문가능수량을 초과 했습니다"),
    "bad_price": Message(
        "SBX40003", "모의투자 주문단가가 호가단위 또는 가격제한폭에 맞지 않습니다."
    ),
    "bad_order_type": Message("SBX40004", "모의투자에서는 해당 주문구분이 제공되지 않습니다."),
    "no_order": Message("SBX40005", "모의투자 원주문번호가 존재하지 않습니다."),
    "nothing_left": Message("40330000", "모의투자 정정/취소할 수량이 없습니다."),
}


def refusal(reason: Refusal, flavour: Flavour) -> Message:
    """The refusal of an order request, worded like the host it came from."""
    return (_REAL_REFUSALS if flavour == "real" else _MOCK_REFUSALS)[reason]


def query_ok(flavour: Flavour) -> Message:
    """Success of an account inquiry (quotations answer QUERY_OK on both hosts)."""
    return QUERY_OK if flavour == "real" else MOCK_QUERY_OK


# tokenP / revokeP refusals use another shape: HTTP 403 {"error_code", "error_description"}.
@dataclass(frozen=True, slots=True)
class TokenError:
    error_code: str
    error_description: str
    status: int = 403

    def body(self) -> dict[str, str]:
        return {"error_code": self.error_code, "error_description": self.error_description}


TOKEN_TOO_SOON = TokenError("EGW00133", "접근토큰 발급 잠시 후 다시 시도하세요(1분당 1회)")
TOKEN_BAD_APPKEY = TokenError("EGW00103", "유효하지 않은 AppKey입니다.")
TOKEN_BAD_APPSECRET = TokenError("EGW00105", "유효하지 않은 AppSecret입니다.")
TOKEN_BAD_GRANT = TokenError("EGW00101", "유효하지 않은 grant_type 입니다.")
TOKEN_UNKNOWN = TokenError("EGW00121", "유효하지 않은 token 입니다.")
