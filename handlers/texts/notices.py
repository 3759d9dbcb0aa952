"""Texts of order notices (체결통보) and of the progress line on a confirmation."""

from handlers.i18n import register

register(
    "notices",
    {
        "ko": {
            "accepted": "📥 {badge} 주문 접수 · <b>{name}</b> ({code}) {side} {qty}주 {price}\n"
            "주문번호 <code>{order_no}</code> · {time}",
            "partial": "🟡 {badge} 부분체결 {filled}/{total}주 · <b>{name}</b> ({code}) {side}\n"
            "평균 체결가 {price} · 주문번호 <code>{order_no}</code> · {time}",
            "filled": "✅ {badge} 체결완료 {filled}/{total}주 · <b>{name}</b> ({code}) {side}\n"
            "평균 체결가 {price} · 주문번호 <code>{order_no}</code> · {time}",
            "rejected": "❌ {badge} 주문 거부 · <b>{name}</b> ({code}) {side} {qty}주 {price}\n"
            "주문번호 <code>{order_no}</code> · {time}",
            "modified": "✏️ {badge} 정정 확인 · <b>{name}</b> ({code}) {side} {qty}주 {price}\n"
            "원주문 <code>{order_no}</code> · {time}",
            "cancelled": "↩️ {badge} 취소 확인 · <b>{name}</b> ({code}) {side} {qty}주\n"
            "원주문 <code>{order_no}</code> · {time}",
            "progress_accepted": "📊 상태: 접수",
            "progress_partial": "📊 상태: 부분체결 {filled}/{total}주",
            "progress_filled": "📊 상태: 체결완료 {filled}/{total}주",
            "progress_rejected": "📊 상태: 거부",
            "progress_cancelled": "📊 상태: 취소됨 (체결 {filled}/{total}주)",
            "progress_modified": "📊 상태: 정정됨",
            "market": "시장가",
        },
        "en": {
            "accepted": "📥 {badge} Order accepted · <b>{name}</b> ({code}) {side} {qty} sh {price}\n"
            "Order no. <code>{order_no}</code> · {time}",
            "partial": "🟡 {badge} Partly filled {filled}/{total} sh · <b>{name}</b> ({code}) {side}\n"
            "Average price {price} · order no. <code>{order_no}</code> · {time}",
            "filled": "✅ {badge} Filled {filled}/{total} sh · <b>{name}</b> ({code}) {side}\n"
            "Average price {price} · order no. <code>{order_no}</code> · {time}",
            "rejected": "❌ {badge} Order rejected · <b>{name}</b> ({code}) {side} {qty} sh {price}\n"
            "Order no. <code>{order_no}</code> · {time}",
            "modified": "✏️ {badge} Change confirmed · <b>{name}</b> ({code}) {side} {qty} sh {price}\n"
            "Original order <code>{order_no}</code> · {time}",
            "cancelled": "↩️ {badge} Cancel confirmed · <b>{name}</b> ({code}) {side} {qty} sh\n"
            "Original order <code>{order_no}</code> · {time}",
            "progress_accepted": "📊 State: accepted",
            "progress_partial": "📊 State: partly filled {filled}/{total} sh",
            "progress_filled": "📊 State: filled {filled}/{total} sh",
            "progress_rejected": "📊 State: rejected",
            "progress_cancelled": "📊 State: cancelled ({filled}/{total} sh filled)",
            "progress_modified": "📊 State: changed",
            "market": "market",
        },
    },
)
