"""Texts of /start, /help and /lang."""

from handlers.i18n import register

register(
    "start",
    {
        "ko": {
            "greeting": "안녕하세요! 한국투자증권(KIS) Open API 계좌를 텔레그램에서 쓰는 봇입니다. "
            "시세와 일별 차트, 잔고, 매수·매도(확인 버튼을 누르는 두 단계), 주문 취소·정정, "
            "가격 알림을 제공합니다.",
            "commands_title": "<b>명령</b>",
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
            "commands_title": "<b>Commands</b>",
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

# The command menu (setMyCommands, plain text) and the /help line of this feature's commands.
register(
    "commands",
    {
        "ko": {
            "start.menu": "시작하기",
            "start.help": "<code>/start</code> — 인사와 이 도움말",
            "help.menu": "도움말과 명령 목록",
            "help.help": "<code>/help</code> — 이 도움말",
            "lang.menu": "언어 — /lang ko|en",
            "lang.help": "<code>/lang en</code> — 언어 (ko 또는 en)",
        },
        "en": {
            "start.menu": "Start",
            "start.help": "<code>/start</code> — a greeting and this help",
            "help.menu": "Help and the command list",
            "help.help": "<code>/help</code> — this help",
            "lang.menu": "Language — /lang ko|en",
            "lang.help": "<code>/lang ko</code> — language (ko or en)",
        },
    },
)
