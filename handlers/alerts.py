"""/alert, /alerts, /unalert, the alert buttons, and how a fired alert reads.

The round that checks alerts and delivers the outbox is in handlers.delivery.
"""

from __future__ import annotations

import logging
from decimal import Decimal

import handlers.texts.alerts  # noqa: F401  (registers the texts)
from handlers.callbacks import AlertPick, AlertPrice, AlertRemove
from handlers.choices import show_choices, show_picked
from handlers.common import Buttons, Turn
from handlers.format import arrow, escape, feed_label, kst_time, percent, price_of
from handlers.i18n import Markup, render
from kisbot.alerts.messages import FiredAlert
from kisbot.alerts.rules import AlertKind
from kisbot.alerts.service import AlertChoices, AlertState, AlertView, CreatedAlert
from kisbot.securities import overseas_key, shown_code

logger = logging.getLogger(__name__)

_LIST_BUTTONS = 40
_BUTTONS_PER_ROW = 4


# -- commands -----------------------------------------------------------------------------


async def alert(turn: Turn) -> None:
    """Create a price alert: /alert CODE above|below PRICE [repeat], /alert CODE +N% [repeat]."""
    resumed = await _resumed_note(turn)
    found = await turn.core.alerts.create(turn.user_id, turn.args)
    if isinstance(found, AlertChoices):
        request = found.request
        await show_choices(turn, found.choices, lambda s: AlertPick(s.key, request))
        return
    await turn.reply(resumed + created_text(turn, found))


async def alerts(turn: Turn) -> None:
    """List the user's alerts with their state and a remove button each."""
    resumed = await _resumed_note(turn)
    listed = await turn.core.alerts.list(turn.user_id)
    if not listed:
        await turn.reply(resumed + turn.t("alerts.list_empty"))
        return
    lines = [turn.t("alerts.list_title")]
    lines += [_list_line(turn, item) for item in listed]
    numbers = [item.number for item in listed][:_LIST_BUTTONS]
    buttons: Buttons = [
        [
            (turn.t("alerts.remove_button", number=n), AlertRemove(n))
            for n in numbers[start : start + _BUTTONS_PER_ROW]
        ]
        for start in range(0, len(numbers), _BUTTONS_PER_ROW)
    ]
    await turn.reply(resumed + "\n".join(lines), buttons)


async def unalert(turn: Turn) -> None:
    """Remove one alert by its short id: /unalert ID."""
    resumed = await _resumed_note(turn)
    number = await turn.core.alerts.remove(turn.user_id, turn.args)
    await turn.reply(resumed + turn.t("alerts.removed", number=number))


async def alert_picked(turn: Turn, callback: AlertPick) -> None:
    """The stock picked from /alert's choices: the same alert on it."""
    created = await turn.core.alerts.create_for(turn.user_id, callback.code, callback.request)
    await show_picked(turn, await turn.core.securities.security(callback.code))
    await turn.reply(created_text(turn, created))


async def alert_removed(turn: Turn, callback: AlertRemove) -> None:
    """A remove button (of /alerts or of a fired alert)."""
    await turn.core.alerts.remove_number(turn.user_id, callback.number)
    await turn.say(turn.t("alerts.removed", number=callback.number))


async def _resumed_note(turn: Turn) -> Markup:
    """The user is writing to the bot again: alerts paused while they had blocked it resume."""
    count = await turn.core.delivery.resume(turn.user_id)
    return Markup(f"{turn.t('alerts.resumed', count=count)}\n\n") if count else Markup("")


def created_text(turn: Turn, created: CreatedAlert) -> Markup:
    view, quote = created.alert, created.quote
    text = turn.t(
        "alerts.created",
        number=view.number,
        name=view.name or view.code,
        code=shown_code(view.code),
        condition=condition_text(turn.locale, view.kind, view.threshold, view.code),
        repeat=turn.t("alerts.repeat_suffix") if view.repeat else "",
        price=price_of(turn.locale, view.code, quote.price),
        change=Markup(f"{arrow(quote.change)} {percent(quote.change_rate)}"),
    )
    if created.holds_now:
        text = Markup(f"{text}\n{turn.t('alerts.holds_now')}")
    return text


def _list_line(turn: Turn, item: AlertView) -> str:
    code = shown_code(item.code)
    name = Markup(f"<b>{escape(item.name)}</b> ({code})") if item.name else Markup(code)
    condition = condition_text(turn.locale, item.kind, item.threshold, item.code)
    repeat = turn.t("alerts.repeat_suffix") if item.repeat else ""
    return f"#{item.number} {name} {condition}{repeat} · {_state_text(turn, item)}"


def _state_text(turn: Turn, item: AlertView) -> Markup:
    if item.state in (AlertState.FIRED, AlertState.REARMING) and item.fired_at is not None:
        return turn.t(f"alerts.state_{item.state.value}", time=kst_time(item.fired_at))
    return turn.t(f"alerts.state_{item.state.value}")


def condition_text(locale: str, kind: str, threshold: Decimal, code: str) -> Markup:
    """'72,000원 이상', '$200.00 이상', '+5.00% from the previous close', in the user's
    language and the stock's currency."""
    if kind == AlertKind.PERCENT:
        return render(locale, "alerts.percent", percent=percent(threshold))
    return render(locale, f"alerts.{kind}", price=price_of(locale, code, threshold))


# -- the round: check, then deliver -------------------------------------------------------


def _source(locale: str, fired: FiredAlert) -> str:
    """Whose price the alert saw: KRX, NXT, 통합, or the exchange abroad."""
    if fired.feed is not None:
        return feed_label(locale, fired.feed)
    security = overseas_key(fired.code)
    market = security.exchange if security is not None else None
    if market is None:
        return ""
    return market.name if locale == "ko" else market.english


def fired_text(locale: str, fired: FiredAlert) -> tuple[Markup, Buttons]:
    """The alert message and its buttons (price again, remove the alert)."""
    text = render(
        locale,
        "alerts.fired",
        name=fired.name or fired.code,
        code=shown_code(fired.code),
        price=price_of(locale, fired.code, fired.price),
        feed=_source(locale, fired),
        arrow=arrow(fired.price - fired.prev_close),
        change=percent(fired.change_rate),
        condition=condition_text(locale, fired.kind, fired.threshold, fired.code),
        number=fired.number,
        repeat=render(locale, "alerts.repeat_suffix") if fired.repeat else "",
        time=kst_time(fired.fired_at, with_date=True),
    )
    buttons: Buttons = [
        [
            (render(locale, "alerts.button_price"), AlertPrice(fired.code)),
            (render(locale, "alerts.button_remove"), AlertRemove(fired.number)),
        ]
    ]
    return text, buttons
