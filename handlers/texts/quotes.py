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
            "refresh": "🔄 새로고침",
            "heading": "{badge} <b>{name}</b> <code>{code}</code>",
            "heading_code": "{badge} <code>{code}</code>",
            "price": (
                "{heading}\n"
                "<b>{price}</b>{source} {arrow} {change} ({rate})\n"
                "거래량 {volume}주\n"
                "일중 범위 {low} – {high}"
            ),
            "venue_line": "{feed} {price} {arrow} {rate}",
            "nxt_not_in_mock": "NXT 가격은 모의투자에서 제공되지 않습니다 (KRX 가격만 표시).",
            "overseas_heading": "{badge} <b>{name}</b> <code>{code}</code> · {exchange}",
            "overseas_price": (
                "{heading}\n<b>{price}</b> {arrow} {change} ({rate})\n거래량 {volume}주"
            ),
            "overseas_krw": "≈ {krw} (한국투자증권 환율 {rate})",
            "overseas_open": "{exchange} 현지 {local} · 장중",
            "overseas_closed": "{exchange} 현지 {local} · 장 마감 (정규장 기준)",
            "overseas_delayed": "미국 외 시세는 15분 지연입니다.",
            "overseas_unknown": (
                "<code>{code}</code>의 시세가 없습니다: 그 거래소에 상장된 종목인지 확인해 "
                "주세요.\n예: <code>/price NAS:AAPL</code>, <code>/price 애플</code>"
            ),
            "daily": "{heading}\n최근 {count}거래일 ({first} ~ {last})\n{table}",
            "daily_empty": "{heading}\n일별 시세가 없습니다.",
            "col_date": "일자",
            "col_close": "종가",
            "col_change": "대비",
            "col_volume": "거래량",
            "chart_caption": "{name} ({code}) 최근 {count}거래일",
            "price_toast": "{name} ({code}) {price} {arrow} {change} · {time}",
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
            "refresh": "🔄 Refresh",
            "heading": "{badge} <b>{name}</b> <code>{code}</code>",
            "heading_code": "{badge} <code>{code}</code>",
            "price": (
                "{heading}\n"
                "<b>{price}</b>{source} {arrow} {change} ({rate})\n"
                "Volume {volume}\n"
                "Day range {low} – {high}"
            ),
            "venue_line": "{feed} {price} {arrow} {rate}",
            "nxt_not_in_mock": "NXT prices are not available for mock accounts (KRX only).",
            "overseas_heading": "{badge} <b>{name}</b> <code>{code}</code> · {exchange}",
            "overseas_price": (
                "{heading}\n<b>{price}</b> {arrow} {change} ({rate})\nVolume {volume}"
            ),
            "overseas_krw": "≈ {krw} (KIS rate {rate})",
            "overseas_open": "{exchange} local time {local} · open",
            "overseas_closed": "{exchange} local time {local} · closed (regular session)",
            "overseas_delayed": "Prices outside the US are 15 minutes delayed.",
            "overseas_unknown": (
                "No price for <code>{code}</code>: check that the exchange lists it.\n"
                "Example: <code>/price NAS:AAPL</code>, <code>/price 애플</code>"
            ),
            "daily": "{heading}\nLast {count} trading days ({first} to {last})\n{table}",
            "daily_empty": "{heading}\nNo daily prices.",
            "col_date": "Date",
            "col_close": "Close",
            "col_change": "Change",
            "col_volume": "Volume",
            "chart_caption": "{name} ({code}), last {count} trading days",
            "price_toast": "{name} ({code}) {price} {arrow} {change} · {time}",
        },
    },
)

# The command menu (setMyCommands, plain text) and the /help line of this feature's commands.
register(
    "commands",
    {
        "ko": {
            "price.menu": "현재가 — /price 삼성전자",
            "price.help": "<code>/price 종목코드|종목명</code> — 현재가, 등락, 거래량 (예: <code>/price 삼성전자</code>)",
            "daily.menu": "일별 시세와 차트 — /daily 005930 20",
            "daily.help": "<code>/daily 종목코드|종목명 [일수]</code> — 최근 거래일 시세표와 차트 (일수 1–100, 기본 10; 예: <code>/daily 005930 20</code>)",
        },
        "en": {
            "price.menu": "Current price — /price 005930",
            "price.help": "<code>/price CODE|NAME</code> — current price, change, volume (e.g. <code>/price 005930</code>)",
            "daily.menu": "Daily prices and chart — /daily 005930 20",
            "daily.help": "<code>/daily CODE|NAME [N]</code> — the last N trading days, table and chart (1–100, default 10; e.g. <code>/daily 005930 20</code>)",
        },
    },
)
