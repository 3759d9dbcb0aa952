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
            "title_abroad": "{badge} <b>해외 잔고</b> ({account})",
            "no_holdings_abroad": "해외 보유 종목이 없습니다.",
            "currency_summary": "<b>{currency}</b> 평가 {total} · 손익 {arrow} {pnl} ({rate})",
            "currency_won": "원화 환산 약 {total} · 손익 {pnl} (환율 {rate})",
            "abroad_won_total": "<b>원화 합계</b> 평가 약 {total} · 손익 {arrow} {pnl}",
            "abroad_no_won": "원화 환산은 실전 계좌에서만 보입니다 (모의투자에는 환율 API가 없습니다).",
            "balance_usage": (
                "<code>{word}</code>은(는) 알 수 없는 시장입니다. 사용법: <code>/balance</code> "
                "(국내), <code>/balance us</code>, hk, cn, jp, vn, 또는 <code>/balance 해외</code> (전체)"
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
            "title_abroad": "{badge} <b>Holdings abroad</b> ({account})",
            "no_holdings_abroad": "No holdings abroad.",
            "currency_summary": "<b>{currency}</b> value {total} · P/L {arrow} {pnl} ({rate})",
            "currency_won": "In won about {total} · P/L {pnl} (rate {rate})",
            "abroad_won_total": "<b>Total in won</b> value about {total} · P/L {arrow} {pnl}",
            "abroad_no_won": "Won totals are shown for real accounts only (mock has no rate API).",
            "balance_usage": (
                "<code>{word}</code> is not a market. Usage: <code>/balance</code> (Korea), "
                "<code>/balance us</code>, hk, cn, jp, vn, or <code>/balance overseas</code> (all)"
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
            "balance.help": "<code>/balance [us|hk|cn|jp|vn|해외]</code> — 보유 종목, 평가손익, 예수금 (해외 잔고는 시장을 적어서)",
        },
        "en": {
            "balance.menu": "Holdings and P/L",
            "balance.help": "<code>/balance [us|hk|cn|jp|vn|overseas]</code> — holdings, P/L and cash (abroad: name the market)",
        },
    },
)
