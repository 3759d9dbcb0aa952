"""/setkey, /mode and /forget, and how their confirmations (/mode real, /forget) look.

/setkey deletes the user's message before anything else (it holds the key), refuses group chats,
and never repeats what was typed.
"""

from __future__ import annotations

import logging

from telegram.error import TelegramError

import handlers.texts.keys  # noqa: F401  (registers the texts)
from handlers.common import Turn
from handlers.confirm import KindView, ask, plain_ending, register_view
from handlers.i18n import Markup
from kisbot.accounts import (
    FORGET,
    SWITCH_REAL,
    AccountStatus,
    ForgetReport,
    ModeChange,
    RegisterOutcome,
    SwitchedReal,
    Verification,
)
from kisbot.confirmations import Press
from kisbot.kis import Environment
from kisbot.problems import Problem

logger = logging.getLogger(__name__)


async def setkey(turn: Turn) -> None:
    """Check and store the user's KIS key; the message holding it is deleted first."""
    deleted = await delete_command_message(turn) if turn.args else True
    if not turn.is_private:
        await _refuse_in_group(turn, exposed=bool(turn.args), deleted=deleted)
        return
    accounts = turn.core.accounts
    await accounts.remember_chat(turn.user_id, turn.chat_id)
    try:
        outcome = await accounts.register_key(turn.user_id, turn.args)
    except Problem as problem:
        await turn.reply(_with_deletion_note(turn, turn.t(problem.key), turn.args, deleted))
        return
    await turn.reply(_with_deletion_note(turn, _registered_text(turn, outcome), True, deleted))


async def mode(turn: Turn) -> None:
    """Show the accounts, switch to mock at once, or ask to confirm a switch to real."""
    accounts = turn.core.accounts
    if not turn.args:
        await turn.reply(mode_status_text(turn, await accounts.status(turn.user_id)))
        return
    outcome = await accounts.change_mode(turn.user_id, turn.chat_id, turn.args)
    env = env_name(turn, outcome.key.environment)
    account = outcome.key.masked_account
    if outcome.change is ModeChange.ALREADY:
        await turn.reply(turn.t("keys.mode_already", env=env, account=account))
    elif outcome.change is ModeChange.SWITCHED:
        await turn.reply(turn.t("keys.mode_switched", env=env, account=account))
    else:
        assert outcome.intent is not None
        ttl = int(turn.core.confirmations.ttl_seconds)
        await ask(turn, outcome.intent, turn.t("keys.mode_confirm", account=account, ttl=ttl))


async def forget(turn: Turn) -> None:
    """Ask to confirm deleting everything stored for the user."""
    if turn.args:
        raise Problem("keys.forget_usage")
    request = await turn.core.accounts.ask_forget(turn.user_id, turn.chat_id)
    text = turn.t(
        "keys.forget_confirm",
        keys=_key_summary(turn, tuple(k.environment for k in request.keys)),
        alerts=request.alerts,
        ttl=int(turn.core.confirmations.ttl_seconds),
    )
    await ask(turn, request.intent, text)


async def delete_command_message(turn: Turn) -> bool:
    """Delete the message that carried the command; False if Telegram would not."""
    message = turn.update.effective_message
    if message is None:
        return False
    try:
        await turn.context.bot.delete_message(message.chat_id, message.message_id)
    except TelegramError as error:
        logger.warning(
            "user=%s /setkey message not deleted: %s", turn.user_id, type(error).__name__
        )
        return False
    return True


# -- rendering ----------------------------------------------------------------------------


def env_name(turn: Turn, environment: Environment) -> str:
    return turn.t(f"keys.env_{environment.value}")


def key_lines(turn: Turn, status: AccountStatus) -> Markup:
    """One line per registered key: environment, masked account, and which one is in use."""
    lines = [
        turn.t(
            "keys.key_line",
            env=env_name(turn, key.environment),
            account=key.masked_account,
            mark=turn.t("keys.active_mark") if key.environment is status.active else "",
        )
        for key in status.keys
    ]
    return Markup("\n".join(lines))


def mode_status_text(turn: Turn, status: AccountStatus) -> Markup:
    if not status.keys:
        return turn.t("keys.mode_none")
    return turn.t("keys.mode_status", keys=key_lines(turn, status))


def _registered_text(turn: Turn, outcome: RegisterOutcome) -> Markup:
    if outcome.verification is Verification.REFUSED:
        return turn.t("keys.refused", msg1=outcome.msg1 or outcome.msg_cd)
    env = env_name(turn, outcome.environment)
    text = turn.t(f"keys.{outcome.verification.value}", env=env, account=outcome.masked_account)
    if outcome.active:
        follow = turn.t("keys.now_active")
        if outcome.environment is Environment.REAL:
            follow = Markup(f"{follow}\n{turn.t('keys.real_warning')}")
    else:
        active = outcome.active_environment
        follow = turn.t(
            "keys.not_active",
            active=env_name(turn, active) if active else "",
            word=outcome.environment.value,
        )
    notices = turn.t(f"keys.notices_{outcome.notices.value}")
    return Markup(f"{text}\n{follow}\n{notices}")


def _key_summary(turn: Turn, environments: tuple[Environment, ...]) -> str:
    return ", ".join(env_name(turn, env) for env in environments) or turn.t("keys.none")


def _forgotten_text(turn: Turn, report: ForgetReport) -> Markup:
    lines = [
        turn.t(
            "keys.forget_done", keys=_key_summary(turn, report.environments), alerts=report.alerts
        )
    ]
    if report.revoked:
        lines.append(turn.t("keys.revoked", count=report.revoked))
    if report.revoke_failed:
        lines.append(turn.t("keys.revoke_failed", count=report.revoke_failed))
    return Markup("\n".join(lines))


async def _refuse_in_group(turn: Turn, *, exposed: bool, deleted: bool) -> None:
    lines = [turn.t("keys.group_refused", bot=turn.context.bot.username or "")]
    if exposed:
        lines.append(turn.t("keys.group_exposed"))
        if not deleted:
            lines.append(turn.t("keys.not_deleted"))
    await turn.reply("\n".join(lines))


def _with_deletion_note(turn: Turn, text: str, had_secret: object, deleted: bool) -> Markup:
    if not had_secret:
        return Markup(text)
    note = turn.t("keys.deleted_note" if deleted else "keys.not_deleted")
    return Markup(f"{text}\n\n{note}")


# -- how the confirmations look --------------------------------------------------------------


async def _switched(turn: Turn, press: Press) -> tuple[str, str]:
    if isinstance(press.result, SwitchedReal):
        text = turn.t("keys.switched_real", account=press.result.masked_account)
        return text, turn.t("keys.toast_done")
    return turn.t("keys.switch_failed"), turn.t("keys.switch_failed")


async def _forgotten(turn: Turn, press: Press) -> tuple[str, str]:
    assert isinstance(press.result, ForgetReport)
    return _forgotten_text(turn, press.result), turn.t("keys.toast_done")


register_view(
    SWITCH_REAL,
    KindView(
        accept="keys.button_confirm",
        decline="keys.button_cancel",
        declined_toast="keys.toast_cancelled",
        declined=plain_ending("keys.switch_cancelled"),
        expired=plain_ending("keys.switch_expired"),
        executed=_switched,
    ),
)
register_view(
    FORGET,
    KindView(
        accept="keys.button_confirm",
        decline="keys.button_cancel",
        declined_toast="keys.toast_cancelled",
        declined=plain_ending("keys.forget_cancelled"),
        expired=plain_ending("keys.forget_expired"),
        executed=_forgotten,
    ),
)
