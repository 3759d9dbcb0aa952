"""Texts of /start, /help and /lang."""

from handlers.i18n import register

register(
    "start",
    {
        "ko": {
            "greeting": "안녕하세요! 한국투자증권(KIS) Open API 계좌를 텔레그램에서 쓰는 봇입니다. "
            "시세와 일별 차트, 잔고, 매수·매도(확인 버튼을 누르는 두 단계), 주문 취소·정정, "
            "가격 알림을 제공합니다.",
            "commands": "<b>명령</b>\n"
            "<code>/price 삼성전자</code> — 현재가, 등락, 거래량 (코드 005930 도 됩니다)\n"
            "<code>/daily 005930 20</code> — 최근 20거래일 시세표와 차트 (기본 10, 최대 100)\n"
            "<code>/balance</code> — 보유 종목, 평가손익, 예수금\n"
            "<code>/buy 005930 10 72000</code> — 지정가 매수 (가격을 빼면 시장가)\n"
            "<code>/sell 005930 10</code> — 시장가 매도\n"
            "<code>/orders</code> — 오늘의 주문과 체결 상태\n"
            "<code>/cancel 0000012345</code> — 주문 취소\n"
            "<code>/modify 0000012345 71500</code> — 주문 가격 정정\n"
            "<code>/alert 005930 above 75000</code> — 가격 알림 (below, &gt;, &lt;, 이상, 이하, "
            "+5%, -3%, 끝에 repeat 이면 반복)\n"
            "<code>/alerts</code> — 알림 목록, <code>/unalert 3</code> — 알림 삭제\n"
            "<code>/setkey APP_KEY APP_SECRET 12345678-01 mock</code> — KIS 키 등록 "
            "(개인 대화에서만, mock 또는 real)\n"
            "<code>/mode real</code> — 모의/실전 계좌 전환 (<code>/mode</code> 만 쓰면 상태)\n"
            "<code>/lang en</code> — 언어 (ko 또는 en)\n"
            "<code>/forget</code> — 내 키, 토큰, 알림을 모두 삭제\n"
            "<code>/help</code>, <code>/start</code> — 이 도움말",
            "no_key": "🔑 등록된 키가 없습니다. 개인 대화에서 등록하세요:\n"
            "<code>/setkey APP_KEY APP_SECRET 12345678-01 mock</code>",
            "keys": "🔑 등록된 키\n{keys}",
            "lang_show": "현재 언어: 한국어{default}\n바꾸기: <code>/lang ko</code> 또는 "
            "<code>/lang en</code>",
            "lang_default": " (기본값)",
            "lang_set": "언어를 한국어로 설정했습니다.",
            "lang_unknown": "지원하는 언어는 ko(한국어)와 en(English)입니다.\n"
            "사용법: <code>/lang ko</code> 또는 <code>/lang en</code>",
            "lang_usage": "단어가 너무 많습니다.\n사용법: <code>/lang</code>, "
            "<code>/lang ko</code> 또는 <code>/lang en</code>",
        },
        "en": {
            "greeting": "Hello! This bot puts your Korea Investment & Securities (KIS) Open API "
            "account in Telegram: quotes and daily charts, balance, buy and sell (two steps, "
            "with a confirm button), cancel and modify orders, and price alerts.",
            "commands": "<b>Commands</b>\n"
            "<code>/price 005930</code> — current price, change, volume (names work too)\n"
            "<code>/daily 005930 20</code> — the last 20 trading days, table and chart "
            "(default 10, at most 100)\n"
            "<code>/balance</code> — holdings, P/L and cash\n"
            "<code>/buy 005930 10 72000</code> — limit buy (leave out the price for market)\n"
            "<code>/sell 005930 10</code> — market sell\n"
            "<code>/orders</code> — today's orders and their state\n"
            "<code>/cancel 0000012345</code> — cancel an order\n"
            "<code>/modify 0000012345 71500</code> — change an order's price\n"
            "<code>/alert 005930 above 75000</code> — price alert (below, &gt;, &lt;, +5%, -3%; "
            "add repeat to keep it)\n"
            "<code>/alerts</code> — list alerts, <code>/unalert 3</code> — remove one\n"
            "<code>/setkey APP_KEY APP_SECRET 12345678-01 mock</code> — register a KIS key "
            "(private chat only; mock or real)\n"
            "<code>/mode real</code> — switch between mock and real (<code>/mode</code> shows)\n"
            "<code>/lang ko</code> — language (ko or en)\n"
            "<code>/forget</code> — delete your keys, tokens and alerts\n"
            "<code>/help</code>, <code>/start</code> — this help",
            "no_key": "🔑 No key registered. Register one in a private chat:\n"
            "<code>/setkey APP_KEY APP_SECRET 12345678-01 mock</code>",
            "keys": "🔑 Registered keys\n{keys}",
            "lang_show": "Language: English{default}\nChange: <code>/lang ko</code> or "
            "<code>/lang en</code>",
            "lang_default": " (default)",
            "lang_set": "Language set to English.",
            "lang_unknown": "The languages are ko (한국어) and en (English).\n"
            "Usage: <code>/lang ko</code> or <code>/lang en</code>",
            "lang_usage": "Too many words.\nUsage: <code>/lang</code>, <code>/lang ko</code> or "
            "<code>/lang en</code>",
        },
    },
)
