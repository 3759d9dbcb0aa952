"""The one confirmation UI: a question with two buttons, every press on them, and expiry.

Features ask with `ask(turn, intent, text)` and describe their kinds once with `register_view`:
what the two buttons say, what the message becomes when the owner declines, when it expires and
when it was carried out. Presses come here as `Confirm` callbacks; whether a press may act is the
engine's (kisbot.confirmations) decision, never this module's.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram.ext import Application

import handlers.texts.confirm  # noqa: F401  (registers the texts)
from handlers.callbacks import Confirm
from handlers.common import Context, Turn, core_of, edit_message_at, locale_of
from handlers.i18n import render
from kisbot.confirmations import REFUSALS, Intent, Press, Verdict
from kisbot.core import Core

logger = logging.getLogger(__name__)

# (core, locale, intent) -> the text the confirmation message ends as
Ending = Callable[[Core, str, Intent], Awaitable[str]]
# (turn, press) -> the text the message becomes, and the toast
Carried = Callable[[Turn, Press], Awaitable[tuple[str, str]]]
OnFailure = Callable[[Application, Intent], None]


@dataclass(frozen=True, slots=True)
class KindView:
    """How one kind of confirmation looks."""

    accept: str  # text keys of the two buttons
    decline: str
    declined_toast: str  # text key of the toast after the owner's decline
    declined: Ending  # the owner pressed decline
    expired: Ending  # nobody pressed in time
    executed: Carried  # the owner's accept was carried out
    on_failure: OnFailure | None = None  # the executor broke after the claim


_views: dict[str, KindView] = {}


def register_view(kind: str, view: KindView) -> None:
    """Describe how confirmations of `kind` look (once per kind, by the feature that owns it)."""
    if kind in _views:
        raise ValueError(f"a view for {kind!r} is registered already")
    _views[kind] = view


async def ask(turn: Turn, intent: Intent, text: str) -> None:
    """Show the confirmation with its two buttons and remember the message to edit later."""
    view = _views[intent.kind]
    buttons = [
        [
            (turn.t(view.accept), Confirm(intent.id, accept=True)),
            (turn.t(view.decline), Confirm(intent.id, accept=False)),
        ]
    ]
    sent = await turn.reply(text, buttons)
    await turn.core.confirmations.attach_message(intent.id, sent.chat_id, sent.message_id)


async def on_press(turn: Turn, callback: Confirm) -> None:
    """확인 or 취소 on any confirmation."""
    confirmations = turn.core.confirmations
    if callback.accept:
        try:
            press = await confirmations.confirm(callback.intent_id, turn.user_id)
        except Exception:
            await _after_failure(turn, callback.intent_id)
            raise
    else:
        press = await confirmations.decline(callback.intent_id, turn.user_id)
    await show_press(turn, press)


async def show_press(turn: Turn, press: Press) -> None:
    """Edit the confirmation to what became of the press (buttons gone); a toast says it too."""
    intent = press.intent
    if press.verdict in REFUSALS or intent is None:
        if press.verdict is Verdict.EXPIRED and intent and intent.user_id == turn.user_id:
            await turn.edit(await _views[intent.kind].expired(turn.core, turn.locale, intent))
        await turn.answer(turn.t(f"confirm.toast_{press.verdict.value}"))
        return
    view = _views[intent.kind]
    if press.verdict is Verdict.DECLINED:
        await turn.edit(await view.declined(turn.core, turn.locale, intent))
        await turn.answer(turn.t(view.declined_toast))
        return
    text, toast = await view.executed(turn, press)
    await turn.edit(text)
    await turn.answer(toast)


async def expire_confirmations(context: Context) -> None:
    """The job: take the buttons off every confirmation that expired unanswered."""
    core = core_of(context)
    for intent in await core.confirmations.expire_due():
        if intent.chat_id is None or intent.message_id is None or intent.kind not in _views:
            continue
        locale = await locale_of(core, intent.user_id)
        text = await _views[intent.kind].expired(core, locale, intent)
        await edit_message_at(context, intent.chat_id, intent.message_id, text)


def plain_ending(key: str) -> Ending:
    """An ending that is one catalogue text."""

    async def ending(core: Core, locale: str, intent: Intent) -> str:
        return render(locale, key)

    return ending


async def _after_failure(turn: Turn, intent_id: str) -> None:
    intent = await turn.core.confirmations.get(intent_id)
    if intent is not None and intent.kind in _views:
        on_failure = _views[intent.kind].on_failure
        if on_failure is not None:
            on_failure(turn.context.application, intent)
