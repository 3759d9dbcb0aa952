"""Texts of /price and /daily: prices, daily tables, name lookups and their mistakes."""

from handlers.i18n import register

register(
    "quotes",
    {
        "ko": {
            "price_usage": (
                "종목코드나 종목명을 적어 주세요.\n"
                "사용법: <code>/price 종목코드|종목명</code>\n"
                "예: <code>/price 005930</code>, <code>/price 삼성전자</code>"
            ),
            "daily_usage": (
                "종목코드나 종목명을 적어 주세요.\n"
                "사용법: <code>/daily 종목코드|종목명 [일수]</code> (일수는 1–100, 기본 10)\n"
                "예: <code>/daily 005930</code>, <code>/daily 삼성전자 20</code>"
            ),
            "bad_days": (
                "일수 <code>{given}</code>은(는) 쓸 수 없습니다: 1부터 {most}까지의 정수로 "
                "적어 주세요.\n예: <code>/daily 005930 20</code>"
            ),
            "unknown_name": (
                "<code>{query}</code>에 해당하는 종목을 찾지 못했습니다.\n"
                "6자리 종목코드(예: 005930)나 정확한 종목명(예: 삼성전자)으로 적어 주세요.\n{form}"
            ),
            "names_unavailable": (
                "지금은 종목명 목록을 불러올 수 없어 <code>{query}</code>을(를) 찾을 수 없습니다.\n"
                "6자리 종목코드(예: 005930)로 적어 주세요.\n{form}"
            ),
            "price_form": "사용법: <code>/price 종목코드|종목명</code>",
            "daily_form": "사용법: <code>/daily 종목코드|종목명 [일수]</code>",
            "choose": "<code>{query}</code>에 해당하는 종목이 여러 개입니다. 하나를 고르세요:",
            "picked": "선택: <b>{name}</b> <code>{code}</code>",
            "refresh": "🔄 새로고침",
            "heading": "{badge} <b>{name}</b> <code>{code}</code>",
            "heading_code": "{badge} <code>{code}</code>",
            "price": (
                "{heading}\n"
                "<b>{price}</b> {arrow} {change} ({rate})\n"
                "거래량 {volume}주\n"
                "일중 범위 {low} – {high}\n"
                "{time}"
            ),
            "daily": "{heading}\n최근 {count}거래일 ({first} ~ {last})\n{table}",
            "daily_empty": "{heading}\n일별 시세가 없습니다.",
            "col_date": "일자",
            "col_close": "종가",
            "col_change": "대비",
            "col_volume": "거래량",
            "chart_caption": "{name} ({code}) 최근 {count}거래일",
        },
        "en": {
            "price_usage": (
                "Give a stock code or name.\n"
                "Usage: <code>/price CODE|NAME</code>\n"
                "Example: <code>/price 005930</code>, <code>/price 삼성전자</code>"
            ),
            "daily_usage": (
                "Give a stock code or name.\n"
                "Usage: <code>/daily CODE|NAME [N]</code> (N days, 1–100, default 10)\n"
                "Example: <code>/daily 005930</code>, <code>/daily 삼성전자 20</code>"
            ),
            "bad_days": (
                "<code>{given}</code> is not a number of days: give a whole number from 1 to "
                "{most}.\nExample: <code>/daily 005930 20</code>"
            ),
            "unknown_name": (
                "No stock matches <code>{query}</code>.\n"
                "Give a 6-character code (e.g. 005930) or the exact name (e.g. 삼성전자).\n{form}"
            ),
            "names_unavailable": (
                "Stock names cannot be loaded right now, so <code>{query}</code> cannot be "
                "looked up.\nUse the 6-character code (e.g. 005930).\n{form}"
            ),
            "price_form": "Usage: <code>/price CODE|NAME</code>",
            "daily_form": "Usage: <code>/daily CODE|NAME [N]</code>",
            "choose": "Several stocks match <code>{query}</code>. Pick one:",
            "picked": "Selected: <b>{name}</b> <code>{code}</code>",
            "refresh": "🔄 Refresh",
            "heading": "{badge} <b>{name}</b> <code>{code}</code>",
            "heading_code": "{badge} <code>{code}</code>",
            "price": (
                "{heading}\n"
                "<b>{price}</b> {arrow} {change} ({rate})\n"
                "Volume {volume}\n"
                "Day range {low} – {high}\n"
                "{time}"
            ),
            "daily": "{heading}\nLast {count} trading days ({first} to {last})\n{table}",
            "daily_empty": "{heading}\nNo daily prices.",
            "col_date": "Date",
            "col_close": "Close",
            "col_change": "Change",
            "col_volume": "Volume",
            "chart_caption": "{name} ({code}), last {count} trading days",
        },
    },
)
