"""Texts every confirmation shares: what a press that changed nothing is told."""

from handlers.i18n import register

register(
    "confirm",
    {
        "ko": {
            "toast_not_yours": "본인의 요청만 확인하거나 취소할 수 있습니다.",
            "toast_expired": "시간이 지났습니다 — 더 이상 유효하지 않습니다. 다시 요청하세요.",
            "toast_already_declined": "이미 취소된 요청입니다.",
            "toast_already_done": "이미 처리된 요청입니다.",
            "toast_gone": "이 버튼은 더 이상 유효하지 않습니다.",
        },
        "en": {
            "toast_not_yours": "Only the person who asked can confirm or cancel this.",
            "toast_expired": "Too late: this is no longer valid (timed out). Ask again.",
            "toast_already_declined": "This was already cancelled.",
            "toast_already_done": "This was already handled.",
            "toast_gone": "This button is no longer valid.",
        },
    },
)
