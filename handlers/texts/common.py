"""Texts every feature uses: KIS failures, refusals, the fallbacks."""

from handlers.i18n import register

register(
    "common",
    {
        "ko": {
            "outcome_unknown": "⚠️ 결과 확인 불가 — /orders 로 확인하세요",
            "not_in_mock": "모의투자 계좌에서는 제공되지 않는 기능입니다.",
            "kis_unavailable": "한국투자증권 서버에 연결할 수 없습니다. 잠시 후 다시 시도하세요.",
            "kis_auth": "한국투자증권이 키를 거부했습니다: {msg1}\n/setkey 로 키를 다시 등록하세요.",
            "kis_busy": "한국투자증권 호출 한도를 넘었습니다. 잠시 후 다시 시도하세요.",
            "kis_refusal": "한국투자증권: {msg1}",
            "internal_error": "처리 중 오류가 발생했습니다. 잠시 후 다시 시도하세요.",
            "not_allowed": "이 봇을 사용할 권한이 없습니다.",
            "unknown_command": "알 수 없는 명령입니다. /help 로 명령 목록을 보세요.",
            "plain_text_hint": "명령은 /로 시작합니다. 예: /price 삼성전자 — 전체 목록은 /help",
            "no_credential": "먼저 KIS 키를 등록하세요: /setkey APP_KEY APP_SECRET 12345678-01 mock",
            "stale_button": "이 버튼은 더 이상 유효하지 않습니다.",
            "working": "⏳ 처리 중입니다…",
            "usage": "사용법: {line}",
            "private_only": "🔒 /{command} 은(는) 계좌 정보를 보여 주므로 봇과의 개인 대화에서만 쓸 수 있습니다: @{bot}",
            "token_wait": "⏳ 한국투자증권 접근토큰 발급을 기다리는 중입니다 (1분에 한 번만 발급됩니다). 약 {seconds}초 뒤에 결과를 보여 드립니다.",
            "badge_mock": "[모의]",
            "badge_real": "[실전]",
        },
        "en": {
            "outcome_unknown": "⚠️ Outcome unknown — check /orders",
            "not_in_mock": "This is not available for mock (모의투자) accounts.",
            "kis_unavailable": "Cannot reach Korea Investment & Securities. Try again shortly.",
            "kis_auth": "KIS refused the key: {msg1}\nRegister it again with /setkey.",
            "kis_busy": "Too many calls to KIS right now. Try again shortly.",
            "kis_refusal": "KIS: {msg1}",
            "internal_error": "Something went wrong. Please try again shortly.",
            "not_allowed": "You are not allowed to use this bot.",
            "unknown_command": "Unknown command. See /help for the list.",
            "plain_text_hint": "Commands start with /. Example: /price 005930 — see /help",
            "no_credential": "Register a KIS key first: /setkey APP_KEY APP_SECRET 12345678-01 mock",
            "stale_button": "This button is no longer valid.",
            "working": "⏳ Working on it…",
            "usage": "Usage: {line}",
            "private_only": "🔒 /{command} shows your account, so it works only in a private chat with the bot: @{bot}",
            "token_wait": "⏳ Waiting for KIS to issue an access token (it issues one a minute). The result follows in about {seconds} s.",
            "badge_mock": "[mock]",
            "badge_real": "[real]",
        },
    },
)
