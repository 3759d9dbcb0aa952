"""Texts of /alert, /alerts, /unalert and the alert messages themselves."""

from handlers.i18n import register

_FORM_KO = (
    "형식: <code>/alert 종목 above|below 가격 [repeat]</code> (또는 &gt; &lt; 이상 이하), "
    "<code>/alert 종목 +N%|-N% [repeat]</code>\n"
    "예: <code>/alert 005930 above 72000</code>, <code>/alert 삼성전자 -3%</code>"
)
_FORM_EN = (
    "Form: <code>/alert CODE above|below PRICE [repeat]</code> (also &gt; &lt; 이상 이하), "
    "<code>/alert CODE +N%|-N% [repeat]</code>\n"
    "e.g. <code>/alert 005930 above 72000</code>, <code>/alert 005930 -3%</code>"
)

register(
    "alerts",
    {
        "ko": {
            "usage": "알림 조건을 알 수 없습니다.\n" + _FORM_KO,
            "missing_condition": "above(이상) 또는 below(이하)가 빠졌습니다.\n" + _FORM_KO,
            "unknown_word": "<code>{word}</code> 은(는) 알 수 없는 조건입니다.\n" + _FORM_KO,
            "bad_price": "<code>{value}</code> 은(는) 가격이 아닙니다. 원 단위 양의 정수로 "
            "쓰세요.\n" + _FORM_KO,
            "price_range": "가격 <code>{value}</code> 은(는) 1원에서 {limit:,}원 사이여야 합니다.",
            "bad_percent": "<code>{value}</code> 은(는) 등락률이 아닙니다. 예: +5%, -3.5%\n"
            + _FORM_KO,
            "percent_sign": "<code>{value}</code> 에 방향을 붙이세요: +{value} (상승) 또는 "
            "-{value} (하락)",
            "percent_range": "등락률 <code>{value}</code> 은(는) 0%보다 크고 {limit}% 이하여야 "
            "합니다 (가격제한폭).",
            "too_many": "알림은 {limit}개까지 만들 수 있습니다. /alerts 에서 정리하세요.",
            "unalert_usage": "형식: <code>/unalert 번호</code> — 번호는 /alerts 에서 확인하세요.",
            "bad_number": "<code>{value}</code> 은(는) 알림 번호가 아닙니다. 형식: "
            "<code>/unalert 번호</code> (예: <code>/unalert 3</code>)",
            "no_such": "#{number} 알림이 없습니다. /alerts 로 목록을 보세요.",
            "created": "🔔 알림 #{number} 등록: <b>{name}</b> ({code}) {condition}{repeat}\n"
            "현재가 {price} ({change})",
            "holds_now": "⚠️ 지금 이미 조건을 만족합니다 — 다음 확인 때 알림이 갑니다.",
            "repeat_suffix": " [반복]",
            "above": "{price} 이상",
            "below": "{price} 이하",
            "percent": "전일 종가 대비 {percent}",
            "list_title": "🔔 <b>알림 목록</b>",
            "list_empty": "등록된 알림이 없습니다. 예: <code>/alert 005930 above 72000</code>",
            "state_active": "감시 중",
            "state_paused": "일시 중지",
            "state_fired": "{time} 발생",
            "state_rearming": "{time} 발생 · 가격이 되돌아오면 다시 감시",
            "resumed": "차단 중 멈췄던 알림 {count}개를 다시 감시합니다.",
            "removed": "알림 #{number} 을(를) 삭제했습니다.",
            "remove_button": "🗑 #{number}",
            "fired": "🔔 <b>{name}</b> ({code})\n"
            "현재가({feed}) <b>{price}</b> {arrow} {change}\n"
            "조건: {condition} (알림 #{number}){repeat}\n"
            "{time}",
            "possible_repeat": "⚠️ 재전송: 앞선 전송이 도착했는지 확인하지 못해 다시 보냅니다. 이미 받은 알림일 수 있습니다.",
            "button_price": "현재가 보기",
            "button_remove": "알림 삭제",
        },
        "en": {
            "usage": "I could not read that alert.\n" + _FORM_EN,
            "missing_condition": "above or below is missing.\n" + _FORM_EN,
            "unknown_word": "<code>{word}</code> is not a condition I know.\n" + _FORM_EN,
            "bad_price": "<code>{value}</code> is not a price. Write a positive whole number "
            "of won.\n" + _FORM_EN,
            "price_range": "The price <code>{value}</code> must be between 1 and {limit:,} won.",
            "bad_percent": "<code>{value}</code> is not a move in percent. e.g. +5%, -3.5%\n"
            + _FORM_EN,
            "percent_sign": "Give <code>{value}</code> a direction: +{value} (up) or "
            "-{value} (down)",
            "percent_range": "The move <code>{value}</code> must be above 0% and at most "
            "{limit}% (the daily price limit).",
            "too_many": "You can have at most {limit} alerts. Remove some (see /alerts).",
            "unalert_usage": "Form: <code>/unalert ID</code> — see /alerts for the ids.",
            "bad_number": "<code>{value}</code> is not an alert id. Form: "
            "<code>/unalert ID</code> (e.g. <code>/unalert 3</code>)",
            "no_such": "There is no alert #{number}. See /alerts.",
            "created": "🔔 Alert #{number} set: <b>{name}</b> ({code}) {condition}{repeat}\n"
            "Now {price} ({change})",
            "holds_now": "⚠️ This already holds — it will fire at the next check.",
            "repeat_suffix": " [repeat]",
            "above": "at or above {price}",
            "below": "at or below {price}",
            "percent": "{percent} from the previous close",
            "list_title": "🔔 <b>Your alerts</b>",
            "list_empty": "No alerts yet. e.g. <code>/alert 005930 above 72000</code>",
            "state_active": "watching",
            "state_paused": "paused",
            "state_fired": "fired {time}",
            "state_rearming": "fired {time} · watching again once the price moves back",
            "resumed": "{count} alerts paused while you had blocked the bot are active again.",
            "removed": "Alert #{number} removed.",
            "remove_button": "🗑 #{number}",
            "fired": "🔔 <b>{name}</b> ({code})\n"
            "Price ({feed}) <b>{price}</b> {arrow} {change}\n"
            "Condition: {condition} (alert #{number}){repeat}\n"
            "{time}",
            "possible_repeat": "⚠️ Sent again: whether the earlier send arrived is unknown, so you "
            "may have this already.",
            "button_price": "Price now",
            "button_remove": "Remove alert",
        },
    },
)

# The command menu (setMyCommands, plain text) and the /help line of this feature's commands.
register(
    "commands",
    {
        "ko": {
            "alert.menu": "가격 알림 — /alert 005930 above 72000",
            "alert.help": "<code>/alert 종목 above|below 가격 [repeat]</code>, <code>/alert 종목 +N%|-N%</code> — 가격 알림 (이상, 이하, &gt;, &lt; 도 됩니다; 예: <code>/alert 005930 above 75000</code>)",
            "alerts.menu": "알림 목록",
            "alerts.help": "<code>/alerts</code> — 알림 목록",
            "unalert.menu": "알림 삭제 — /unalert 번호",
            "unalert.help": "<code>/unalert 3</code> — 알림 삭제",
        },
        "en": {
            "alert.menu": "Price alert — /alert 005930 above 72000",
            "alert.help": "<code>/alert STOCK above|below PRICE [repeat]</code>, <code>/alert STOCK +N%|-N%</code> — price alert (also &gt; &lt;; e.g. <code>/alert 005930 above 75000</code>)",
            "alerts.menu": "List alerts",
            "alerts.help": "<code>/alerts</code> — list your alerts",
            "unalert.menu": "Remove an alert — /unalert ID",
            "unalert.help": "<code>/unalert 3</code> — remove an alert",
        },
    },
)
