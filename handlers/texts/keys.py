"""Texts of /setkey, /mode and /forget, and of their confirmation buttons."""

from handlers.i18n import register

_KO_FORM = (
    "\n올바른 형식 (개인 대화에서):\n<code>/setkey APP_KEY APP_SECRET 12345678-01 mock</code>\n"
    "넷째 단어는 mock(모의투자, 생략 시 기본값) 또는 real(실전투자)입니다. "
    "HTS/MTS 주문까지 실시간 체결 알림을 받으려면 그 뒤에 HTS ID(한국투자증권 로그인 ID)를 붙입니다: "
    "<code>/setkey APP_KEY APP_SECRET 12345678-01 mock HTS_ID</code>"
)
_EN_FORM = (
    "\nThe right form (in a private chat):\n<code>/setkey APP_KEY APP_SECRET 12345678-01 mock</code>\n"
    "The fourth word is mock (the default when left out) or real. For real-time fill notices, "
    "including orders placed in the HTS/MTS apps, add your HTS ID (your KIS login ID) after it: "
    "<code>/setkey APP_KEY APP_SECRET 12345678-01 mock HTS_ID</code>"
)
_KO_MODE = (
    "\n사용법: <code>/mode</code> (현재 상태), <code>/mode mock</code>, <code>/mode real</code>"
)
_EN_MODE = "\nUsage: <code>/mode</code> (show), <code>/mode mock</code>, <code>/mode real</code>"

register(
    "keys",
    {
        "ko": {
            "setkey_usage": "한국투자증권 Open API 키를 등록합니다." + _KO_FORM,
            "setkey_missing": "빠진 부분이 있습니다: 앱키, 앱시크릿, 계좌번호가 모두 필요합니다."
            + _KO_FORM,
            "setkey_too_many": "단어가 너무 많습니다." + _KO_FORM,
            "setkey_account": "계좌번호는 12345678-01 처럼 숫자 8자리와 2자리로 적습니다."
            + _KO_FORM,
            "setkey_environment": "환경은 mock 또는 real 이어야 합니다." + _KO_FORM,
            "setkey_hts_id": "HTS ID는 한국투자증권 로그인 ID입니다 (영문과 숫자, 2~20자)."
            + _KO_FORM,
            "notices_realtime": "🔔 체결 알림: 실시간 (HTS ID 등록). HTS/MTS에서 낸 주문도 알려드립니다.",
            "notices_polling": "🔔 체결 알림: kisbot으로 낸 주문은 몇 초마다 확인해 알려드립니다. "
            "HTS/MTS 주문까지 실시간으로 받으려면 HTS ID를 붙여 다시 등록하세요.",
            "notices_polling_only": "🔔 체결 알림: 이 봇은 실시간 연결을 쓰지 않아 (KISBOT_REALTIME=false) "
            "kisbot으로 낸 주문만 몇 초마다 확인해 알려드립니다.",
            "deleted_note": "🔒 키가 담긴 메시지는 삭제했습니다.",
            "not_deleted": "⚠️ 키가 담긴 메시지를 삭제하지 못했습니다. 직접 삭제해 주세요.",
            "group_refused": "🔒 키는 봇과의 개인 대화에서만 등록할 수 있습니다: @{bot}\n"
            "여기서는 아무것도 저장하지 않았습니다.",
            "group_exposed": "그룹에 보낸 키는 노출되었을 수 있으니 KIS 포털에서 재발급을 권합니다.",
            "verified": "✅ {env} 키를 등록했습니다. 계좌 <code>{account}</code>\n"
            "토큰 발급으로 키를 확인했습니다.",
            "unverified": "✅ {env} 키를 저장했습니다. 계좌 <code>{account}</code>\n"
            "⚠️ 지금은 한국투자증권에 연결할 수 없어 키를 확인하지 못했습니다. "
            "처음 사용할 때 확인합니다.",
            "refused": "❌ 한국투자증권이 키를 거부했습니다: {msg1}\n"
            "아무것도 저장하지 않았습니다. 앱키, 앱시크릿과 mock/real 을 확인하세요.",
            "now_active": "이제 이 계좌를 사용합니다.",
            "real_warning": "⚠️ 실전투자 계좌입니다: 주문은 실제 계좌에서 체결됩니다.",
            "not_active": "지금 사용 중인 계좌는 {active}입니다. 이 계좌로 바꾸려면 "
            "<code>/mode {word}</code>",
            "env_mock": "모의투자",
            "env_real": "실전투자",
            "key_line": "• {env} <code>{account}</code>{mark}",
            "active_mark": " ← 사용 중",
            "mode_status": "계좌 상태\n{keys}\n바꾸기: <code>/mode mock</code> 또는 "
            "<code>/mode real</code>",
            "mode_none": "등록된 키가 없습니다. 개인 대화에서 등록하세요:\n"
            "<code>/setkey APP_KEY APP_SECRET 12345678-01 mock</code>",
            "mode_no_key": "{environment} 키가 등록되어 있지 않습니다. 먼저 등록하세요:\n"
            "<code>/setkey APP_KEY APP_SECRET 12345678-01 {environment}</code>",
            "mode_unknown": "모르는 환경입니다. mock 또는 real 중 하나를 적으세요." + _KO_MODE,
            "mode_usage": "단어가 너무 많습니다." + _KO_MODE,
            "mode_already": "이미 {env} 계좌를 사용하고 있습니다: <code>{account}</code>",
            "mode_switched": "✅ 이제 {env} 계좌를 사용합니다: <code>{account}</code>",
            "mode_confirm": "⚠️ 실전투자 계좌로 바꿀까요? <code>{account}</code>\n"
            "이후 주문은 실제 계좌에서 체결됩니다. {ttl}초 안에 확인을 누르세요.",
            "switched_real": "✅ 이제 실전투자 계좌를 사용합니다: <code>{account}</code>",
            "switch_failed": "실전투자 키가 더 이상 없습니다. /setkey 로 다시 등록하세요.",
            "switch_cancelled": "취소했습니다. 사용 중인 계좌는 그대로입니다.",
            "switch_expired": "시간이 지나 취소되었습니다. 계좌는 그대로입니다. 다시 하려면 "
            "<code>/mode real</code>",
            "button_confirm": "확인",
            "button_cancel": "취소",
            "toast_done": "완료했습니다.",
            "toast_cancelled": "취소했습니다.",
            "forget_usage": "/forget 은 단어 없이 보냅니다: <code>/forget</code>",
            "forget_nothing": "저장된 내 정보가 없습니다.",
            "forget_confirm": "⚠️ 내 정보를 모두 삭제할까요?\n• 키: {keys}\n• 가격 알림 {alerts}개\n"
            "• 대기 중인 주문 확인과 언어 설정\n한국투자증권 접근 토큰도 폐기합니다. "
            "되돌릴 수 없습니다. {ttl}초 안에 확인을 누르세요.",
            "forget_done": "🗑 삭제했습니다: 키 {keys}, 가격 알림 {alerts}개, 대기 중인 확인 요청, "
            "언어 설정.",
            "revoked": "한국투자증권 접근 토큰 {count}개를 폐기했습니다.",
            "revoke_failed": "한국투자증권에 연결할 수 없어 토큰 {count}개는 폐기하지 못했습니다 "
            "(키가 지워져 봇은 더 이상 쓰지 않습니다).",
            "forget_cancelled": "취소했습니다. 아무것도 삭제하지 않았습니다.",
            "forget_expired": "시간이 지나 취소되었습니다. 아무것도 삭제하지 않았습니다.",
            "none": "없음",
        },
        "en": {
            "setkey_usage": "Register your Korea Investment & Securities Open API key." + _EN_FORM,
            "setkey_missing": "Something is missing: the app key, the app secret and the account "
            "number are all needed." + _EN_FORM,
            "setkey_too_many": "Too many words." + _EN_FORM,
            "setkey_account": "The account number is 8 digits and 2 digits, like 12345678-01."
            + _EN_FORM,
            "setkey_environment": "The environment must be mock or real." + _EN_FORM,
            "setkey_hts_id": "The HTS ID is your KIS login ID (letters and digits, 2 to 20)."
            + _EN_FORM,
            "notices_realtime": "🔔 Fill notices: real time (HTS ID given), also for orders placed in the HTS/MTS apps.",
            "notices_polling": "🔔 Fill notices: orders placed through kisbot are checked every few seconds. "
            "For real-time notices of every order, register again with your HTS ID at the end.",
            "notices_polling_only": "🔔 Fill notices: this bot runs without real time (KISBOT_REALTIME=false), "
            "so orders placed through kisbot are checked every few seconds.",
            "deleted_note": "🔒 I deleted the message with your key.",
            "not_deleted": "⚠️ I could not delete the message with your key. Please delete it.",
            "group_refused": "🔒 Keys can only be registered in a private chat with me: @{bot}\n"
            "Nothing was stored here.",
            "group_exposed": "A key sent to a group may be exposed: consider issuing a new one "
            "on the KIS portal.",
            "verified": "✅ {env} key registered. Account <code>{account}</code>\n"
            "KIS issued a token, so the key works.",
            "unverified": "✅ {env} key stored. Account <code>{account}</code>\n"
            "⚠️ KIS cannot be reached right now, so the key was not checked. "
            "It will be checked on first use.",
            "refused": "❌ KIS refused the key: {msg1}\n"
            "Nothing was stored. Check the app key, the app secret and mock/real.",
            "now_active": "This account is now in use.",
            "real_warning": "⚠️ This is a real account: orders trade real money.",
            "not_active": "The account in use is still {active}. To use this one: "
            "<code>/mode {word}</code>",
            "env_mock": "mock",
            "env_real": "real",
            "key_line": "• {env} <code>{account}</code>{mark}",
            "active_mark": " ← in use",
            "mode_status": "Accounts\n{keys}\nSwitch: <code>/mode mock</code> or "
            "<code>/mode real</code>",
            "mode_none": "No key registered. Register one in a private chat:\n"
            "<code>/setkey APP_KEY APP_SECRET 12345678-01 mock</code>",
            "mode_no_key": "No {environment} key is registered. Register one first:\n"
            "<code>/setkey APP_KEY APP_SECRET 12345678-01 {environment}</code>",
            "mode_unknown": "Unknown environment: write mock or real." + _EN_MODE,
            "mode_usage": "Too many words." + _EN_MODE,
            "mode_already": "Already using the {env} account <code>{account}</code>.",
            "mode_switched": "✅ Now using the {env} account <code>{account}</code>.",
            "mode_confirm": "⚠️ Switch to the real account <code>{account}</code>?\n"
            "Orders will then trade real money. Press Confirm within {ttl} seconds.",
            "switched_real": "✅ Now using the real account <code>{account}</code>.",
            "switch_failed": "The real key is gone. Register it again with /setkey.",
            "switch_cancelled": "Cancelled. The account in use is unchanged.",
            "switch_expired": "Expired. The account in use is unchanged. To try again: "
            "<code>/mode real</code>",
            "button_confirm": "Confirm",
            "button_cancel": "Cancel",
            "toast_done": "Done.",
            "toast_cancelled": "Cancelled.",
            "forget_usage": "/forget takes no words: <code>/forget</code>",
            "forget_nothing": "Nothing is stored about you.",
            "forget_confirm": "⚠️ Delete all your data?\n• Keys: {keys}\n• {alerts} price alert(s)\n"
            "• Pending confirmations and your language setting\nYour KIS access tokens will be "
            "revoked too. This cannot be undone. Press Confirm within {ttl} seconds.",
            "forget_done": "🗑 Deleted: keys {keys}, {alerts} price alert(s), pending "
            "confirmations, language setting.",
            "revoked": "Revoked {count} KIS access token(s).",
            "revoke_failed": "KIS could not be reached, so {count} token(s) were not revoked "
            "(the key is deleted; the bot will not use them).",
            "forget_cancelled": "Cancelled. Nothing was deleted.",
            "forget_expired": "Expired. Nothing was deleted.",
            "none": "none",
        },
    },
)

# The command menu (setMyCommands, plain text) and the /help line of this feature's commands.
register(
    "commands",
    {
        "ko": {
            "setkey.menu": "KIS 키 등록 (개인 대화에서만)",
            "setkey.help": "<code>/setkey APP_KEY APP_SECRET 12345678-01 mock [HTS_ID]</code> — KIS 키 등록 (개인 대화에서만, mock 또는 real; HTS ID를 붙이면 실시간 체결 알림)",
            "mode.menu": "모의/실전 계좌 전환",
            "mode.help": "<code>/mode real</code> — 모의/실전 계좌 전환 (<code>/mode</code> 만 쓰면 상태)",
            "forget.menu": "내 정보 모두 삭제",
            "forget.help": "<code>/forget</code> — 내 키, 토큰, 알림을 모두 삭제",
        },
        "en": {
            "setkey.menu": "Register a KIS key (private chat only)",
            "setkey.help": "<code>/setkey APP_KEY APP_SECRET 12345678-01 mock [HTS_ID]</code> — register a KIS key (private chat only; mock or real; with your HTS ID, real-time fill notices)",
            "mode.menu": "Switch between mock and real",
            "mode.help": "<code>/mode real</code> — switch between mock and real (<code>/mode</code> shows)",
            "forget.menu": "Delete all my data",
            "forget.help": "<code>/forget</code> — delete your keys, tokens and alerts",
        },
    },
)
