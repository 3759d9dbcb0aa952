"""Texts of /balance: holdings and the account summary."""

from handlers.i18n import register

register(
    "account",
    {
        "ko": {
            "title": "{badge} <b>잔고</b> ({account})",
            "no_holdings": "보유 종목이 없습니다.",
            "holding": (
                "<b>{name}</b> <code>{code}</code>\n"
                "{quantity}주 · 평균 {avg_price} · 현재 {price}\n"
                "평가손익 {arrow} {pnl} ({rate})"
            ),
            "summary": (
                "<b>요약</b>\n"
                "예수금(D+2) {cash}\n"
                "총평가금액 {total}\n"
                "총평가손익 {arrow} {pnl} ({rate})\n"
                "{time}"
            ),
        },
        "en": {
            "title": "{badge} <b>Balance</b> ({account})",
            "no_holdings": "No holdings.",
            "holding": (
                "<b>{name}</b> <code>{code}</code>\n"
                "{quantity} sh · avg {avg_price} · now {price}\n"
                "P/L {arrow} {pnl} ({rate})"
            ),
            "summary": (
                "<b>Summary</b>\n"
                "Cash (D+2) {cash}\n"
                "Total evaluation {total}\n"
                "Total P/L {arrow} {pnl} ({rate})\n"
                "{time}"
            ),
        },
    },
)

# The command menu (setMyCommands, plain text) and the /help line of this feature's commands.
register(
    "commands",
    {
        "ko": {
            "balance.menu": "잔고와 평가손익",
            "balance.help": "<code>/balance</code> — 보유 종목, 평가손익, 예수금",
        },
        "en": {
            "balance.menu": "Holdings and P/L",
            "balance.help": "<code>/balance</code> — holdings, P/L and cash",
        },
    },
)
