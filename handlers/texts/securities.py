"""Texts of the stock resolver every command uses: choices and names it cannot place."""

from handlers.i18n import register

register(
    "securities",
    {
        "ko": {
            "unknown_name": "<code>{query}</code>에 해당하는 종목을 찾지 못했습니다.\n"
            "6자리 종목코드(예: 005930)나 종목명(예: 삼성전자)으로 적어 주세요.",
            "names_unavailable": "지금은 종목명 목록을 불러올 수 없어 <code>{query}</code>을(를) "
            "찾을 수 없습니다.\n6자리 종목코드(예: 005930)로 적어 주세요.",
            "choose": "<code>{query}</code>에 해당하는 종목이 여러 개입니다. 하나를 고르세요:",
            "did_you_mean": "<code>{query}</code>과(와) 정확히 맞는 종목이 없습니다. "
            "이 종목을 찾으셨나요?",
            "picked": "선택: <b>{name}</b> <code>{code}</code>",
        },
        "en": {
            "unknown_name": "No stock matches <code>{query}</code>.\n"
            "Give a 6-character code (e.g. 005930) or a name (e.g. 삼성전자).",
            "names_unavailable": "Stock names cannot be loaded right now, so <code>{query}</code> "
            "cannot be looked up.\nUse the 6-character code (e.g. 005930).",
            "choose": "Several stocks match <code>{query}</code>. Pick one:",
            "did_you_mean": "Nothing matches <code>{query}</code> exactly. Did you mean:",
            "picked": "Selected: <b>{name}</b> <code>{code}</code>",
        },
    },
)
