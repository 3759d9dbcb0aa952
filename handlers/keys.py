"""/setkey, /mode and /forget, and the 확인/취소 buttons of /mode real and /forget.

/setkey deletes the user's message before anything else (it holds the key), refuses group chats,
and never repeats what was typed. Buttons carry `acct:ok:<id>` / `acct:no:<id>`; the service
decides each press exactly once.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
)

import handlers.texts.keys  # noqa: F401  (registers the texts)
from handlers.common import Turn, button, command
from handlers.i18n import Markup
from kisbot.accounts import (
    FORGET,
    Accounts,
    AccountStatus,
    ConfirmResult,
    Decision,
    ForgetReport,
    PendingConfirmation,
    RegisterOutcome,
    Verification,
)
from kisbot.kis import Account, Credential, Environment
from kisbot.problems import Problem

logger = logging.getLogger(__name__)

PREFIX = "acct"
_ENVIRONMENT_WORDS = {
    "mock": Environment.MOCK,
    "모의": Environment.MOCK,
    "모의투자": Environment.MOCK,
    "real": Environment.REAL,
    "실전": Environment.REAL,
    "실전투자": Environment.REAL,
}


@command("setkey")
async def setkey(turn: Turn) -> None:
    """Check and store the user's KIS key; the message holding it is deleted first."""
    deleted = await _delete_command_message(turn) if turn.args else True
    if not turn.is_private:
        await _refuse_in_group(turn, exposed=bool(turn.args), deleted=deleted)
        return
    accounts = Accounts(turn.services)
    try:
        credential = parse_setkey(turn.args)
    except Problem as problem:
        await turn.reply(_with_deletion_note(turn, turn.t(problem.key), turn.args, deleted))
        return
    await accounts.remember_chat(turn.user_id, turn.chat_id)
    outcome = await accounts.register_key(turn.user_id, credential)
    await turn.reply(_with_deletion_note(turn, _registered_text(turn, outcome), True, deleted))


@command("mode")
async def mode(turn: Turn) -> None:
    """Show the accounts, switch to mock at once, or ask to confirm a switch to real."""
    accounts = Accounts(turn.services)
    if not turn.args:
        await turn.reply(mode_status_text(turn, await accounts.status(turn.user_id)))
        return
    if len(turn.args) > 1:
        raise Problem("keys.mode_usage")
    environment = parse_environment(turn.args[0])
    if environment is None:
        raise Problem("keys.mode_unknown")
    status = await accounts.status(turn.user_id)
    key = status.key(environment)
    env = env_name(turn, environment)
    if key is not None and status.active is environment:
        await turn.reply(turn.t("keys.mode_already", env=env, account=key.masked_account))
    elif environment is Environment.MOCK:
        switched = await accounts.switch_to_mock(turn.user_id)
        await turn.reply(turn.t("keys.mode_switched", env=env, account=switched.masked_account))
    else:
        pending = await accounts.ask_switch_real(turn.user_id, turn.chat_id)
        text = turn.t("keys.mode_confirm", account=pending.masked_account, ttl=pending.ttl_seconds)
        await _ask(turn, accounts, pending, text)


@command("forget")
async def forget(turn: Turn) -> None:
    """Ask to confirm deleting everything stored for the user."""
    if turn.args:
        raise Problem("keys.forget_usage")
    accounts = Accounts(turn.services)
    pending = await accounts.ask_forget(turn.user_id, turn.chat_id)
    text = turn.t(
        "keys.forget_confirm",
        keys=_key_summary(turn, tuple(k.environment for k in pending.keys)),
        alerts=pending.alerts,
        ttl=pending.ttl_seconds,
    )
    await _ask(turn, accounts, pending, text)


@button(PREFIX)
async def on_button(turn: Turn) -> None:
    """확인 or 취소 on a /mode real or /forget confirmation."""
    query = turn.update.callback_query
    parts = (query.data or "").split(":") if query else []
    if len(parts) != 3 or parts[1] not in ("ok", "no"):
        await turn.answer(turn.t("common.stale_button"))
        return
    accounts = Accounts(turn.services)
    if parts[1] == "ok":
        result = await accounts.confirm(parts[2], turn.user_id)
    else:
        result = await accounts.cancel(parts[2], turn.user_id)
    await _show_result(turn, result)


# -- parsing ---------------------------------------------------------------------------------


def parse_environment(word: str) -> Environment | None:
    return _ENVIRONMENT_WORDS.get(word.strip().lower())


def parse_setkey(words: Sequence[str]) -> Credential:
    """The credential in `/setkey APP_KEY APP_SECRET 12345678-01 [mock|real]`.

    Problems never repeat what was typed: any word may be a secret in the wrong place.
    """
    if not words:
        raise Problem("keys.setkey_usage")
    if len(words) < 3:
        raise Problem("keys.setkey_missing")
    if len(words) > 4:
        raise Problem("keys.setkey_too_many")
    try:
        account = Account.parse(words[2])
    except ValueError:
        raise Problem("keys.setkey_account") from None
    environment = parse_environment(words[3]) if len(words) == 4 else Environment.MOCK
    if environment is None:
        raise Problem("keys.setkey_environment")
    return Credential(words[0], words[1], account, environment)


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
    return Markup(f"{text}\n{follow}")


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


# -- steps --------------------------------------------------------------------------------


async def _delete_command_message(turn: Turn) -> bool:
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


async def _ask(turn: Turn, accounts: Accounts, pending: PendingConfirmation, text: str) -> None:
    """Show the confirmation with its two buttons and remember the message to edit later."""
    buttons = [
        [
            (turn.t("keys.button_confirm"), f"{PREFIX}:ok:{pending.id}"),
            (turn.t("keys.button_cancel"), f"{PREFIX}:no:{pending.id}"),
        ]
    ]
    sent = await turn.reply(text, buttons)
    await accounts.attach_message(pending.id, sent.chat_id, sent.message_id)


# What a press that did not go through shows: the text the confirmation becomes (None: leave the
# message alone, it is not this presser's or the winner already edited it) and the toast.
_NOT_DONE = {
    Decision.FAILED: ("keys.switch_failed", "keys.switch_failed"),
    Decision.CANCELLED: ("keys.{kind}_cancelled", "keys.toast_cancelled"),
    Decision.EXPIRED: ("keys.{kind}_expired", "keys.toast_expired"),
    Decision.NOT_OWNER: (None, "keys.toast_not_owner"),
    Decision.NOT_PENDING: (None, "keys.toast_not_pending"),
    Decision.GONE: (None, "common.stale_button"),
}


async def _show_result(turn: Turn, result: ConfirmResult) -> None:
    """Edit the confirmation to its outcome (buttons gone); a toast says what happened."""
    if result.decision is Decision.DONE:
        if result.forgotten is not None:
            await turn.edit(_forgotten_text(turn, result.forgotten))
        else:
            await turn.edit(turn.t("keys.switched_real", account=result.masked_account))
        await turn.answer(turn.t("keys.toast_done"))
        return
    edit, toast = _NOT_DONE[result.decision]
    if edit is not None:
        await turn.edit(turn.t(edit.format(kind="forget" if result.kind == FORGET else "switch")))
    await turn.answer(turn.t(toast))


def register(application: Application) -> None:
    """Add this feature's handlers."""
    application.add_handler(CommandHandler("setkey", setkey))
    application.add_handler(CommandHandler("mode", mode))
    application.add_handler(CommandHandler("forget", forget))
    application.add_handler(CallbackQueryHandler(on_button, pattern=rf"^{PREFIX}:"))
