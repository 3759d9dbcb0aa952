"""The accounts service against the KIS sandbox and a migrated SQLite database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from kisbot.accounts import Accounts, ForgetReport, ModeChange, Verification
from kisbot.clock import ManualClock
from kisbot.config import load_settings
from kisbot.confirmations import Confirmations, Verdict
from kisbot.kis import Account, Credential, Environment
from kisbot.problems import Problem
from kisbot.sandbox import Sandbox
from kisbot.services import Services, open_services
from kisbot.store.vault import generate_key

USER = 4001
OTHER = 4002


def credential(
    app_key: str = "PSserviceKey01", environment: Environment = Environment.MOCK
) -> Credential:
    return Credential(app_key, "ServiceSecret01", Account.parse("50012345-01"), environment)


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(real_rate=0, mock_rate=0, token_interval=60, seed=3) as running:
        yield running


@pytest.fixture
def manual_clock() -> ManualClock:
    # Tokens from the sandbox expire a day from the machine's now; start the clock there too.
    return ManualClock(datetime.now(UTC))


@pytest.fixture
async def services(
    tmp_path: Path, sandbox: Sandbox, manual_clock: ManualClock
) -> AsyncIterator[Services]:
    settings = load_settings(
        {
            "KISBOT_DATA_DIR": str(tmp_path),
            "KISBOT_MASTER_KEY": generate_key(),
            "KISBOT_KIS_REAL_URL": sandbox.real_url,
            "KISBOT_KIS_MOCK_URL": sandbox.mock_url,
            "KISBOT_KIS_REAL_RATE": "0",
            "KISBOT_KIS_MOCK_RATE": "0",
            "KISBOT_CONFIRM_TTL": "30",
        }
    )
    opened = await open_services(settings, clock=manual_clock)
    yield opened
    await opened.aclose()


@pytest.fixture
def confirmations(services: Services) -> Confirmations:
    return Confirmations(services.database.confirmations, services.clock, 30)


@pytest.fixture
def accounts(services: Services, confirmations: Confirmations) -> Accounts:
    database = services.database
    return Accounts(
        database.users, database.credentials, database.alerts, services.kis, confirmations,
        database.forget_user, verify_timeout=0.5,
    )  # fmt: skip


def words(key: Credential) -> list[str]:
    """What /setkey is typed with for this credential."""
    return [key.app_key, key.app_secret, key.account.full, key.environment.value]


# -- registering ------------------------------------------------------------------------------


async def test_a_key_kis_accepts_is_stored_verified_and_active(
    accounts: Accounts, services: Services, sandbox: Sandbox
) -> None:
    outcome = await accounts.register_key(USER, words(credential()))
    assert outcome.verification is Verification.VERIFIED
    assert outcome.active and outcome.masked_account == "5001****-01"
    assert len(sandbox.requests("/oauth2/tokenP")) == 1
    assert await services.database.credentials.get_active(USER) == credential()


async def test_a_refused_key_is_not_stored(accounts: Accounts, services: Services) -> None:
    outcome = await accounts.register_key(USER, words(credential("BADkey")))
    assert outcome.verification is Verification.REFUSED
    assert outcome.msg_cd == "EGW00103" and "AppKey" in outcome.msg1
    assert not outcome.active and outcome.active_environment is None
    assert await services.database.credentials.environments(USER) == []


async def test_a_throttled_key_is_stored_unverified_after_the_timeout(
    accounts: Accounts, sandbox: Sandbox, services: Services
) -> None:
    # Someone else just issued a token for this key: KIS answers EGW00133 and the token layer
    # would wait a minute (this clock never moves by itself), so the check gives up.
    async with httpx.AsyncClient(base_url=sandbox.mock_url) as http:
        body = {"grant_type": "client_credentials", "appkey": "PSbusy", "appsecret": "s"}
        assert (await http.post("/oauth2/tokenP", json=body)).status_code == 200
    busy = Credential("PSbusy", "s", Account.parse("50012345-01"))
    outcome = await accounts.register_key(USER, words(busy))
    assert outcome.verification is Verification.UNVERIFIED
    assert outcome.active
    assert await services.database.credentials.get_active(USER) == busy


async def test_a_later_environment_does_not_become_active(accounts: Accounts) -> None:
    await accounts.register_key(USER, words(credential()))
    outcome = await accounts.register_key(USER, words(credential("PSrealKey", Environment.REAL)))
    assert not outcome.active and outcome.active_environment is Environment.MOCK
    status = await accounts.status(USER)
    assert status.active is Environment.MOCK
    assert [key.environment for key in status.keys] == [Environment.MOCK, Environment.REAL]


async def test_client_needs_a_key_and_uses_the_active_one(
    accounts: Accounts, services: Services
) -> None:
    with pytest.raises(Problem) as raised:
        await accounts.client(USER)
    assert raised.value.key == "common.no_credential"
    await services.database.credentials.put(USER, credential())
    client = await accounts.client(USER)
    assert client.credential == credential()
    assert (await client.quote("005930")).price > 0


# -- switching and confirming ----------------------------------------------------------------


async def test_switch_to_mock_needs_a_mock_key(accounts: Accounts, services: Services) -> None:
    await services.database.credentials.put(USER, credential("PSreal", Environment.REAL))
    with pytest.raises(Problem) as raised:
        await accounts.change_mode(USER, USER, ["mock"])
    assert raised.value.key == "keys.mode_no_key"
    assert raised.value.params == {"environment": "mock"}


async def test_mode_words_are_checked(accounts: Accounts) -> None:
    for typed, key in ((["paper"], "keys.mode_unknown"), (["mock", "now"], "keys.mode_usage")):
        with pytest.raises(Problem) as raised:
            await accounts.change_mode(USER, USER, typed)
        assert raised.value.key == key


async def test_switch_to_real_happens_once_for_the_owner_only(
    accounts: Accounts, confirmations: Confirmations, services: Services
) -> None:
    await services.database.credentials.put(USER, credential())
    await services.database.credentials.put(USER, credential("PSreal", Environment.REAL))
    asked = await accounts.change_mode(USER, USER, ["real"])
    assert asked.change is ModeChange.ASKED and asked.intent is not None
    assert asked.key.masked_account == "5001****-01"
    intent_id = asked.intent.id

    assert (await confirmations.confirm(intent_id, OTHER)).verdict is Verdict.NOT_YOURS
    assert (await confirmations.decline(intent_id, OTHER)).verdict is Verdict.NOT_YOURS
    assert (await accounts.status(USER)).active is Environment.MOCK

    presses = await asyncio.gather(*(confirmations.confirm(intent_id, USER) for _ in range(20)))
    verdicts = [press.verdict for press in presses]
    assert verdicts.count(Verdict.EXECUTED) == 1
    assert verdicts.count(Verdict.ALREADY_DONE) == 19
    assert (await accounts.status(USER)).active is Environment.REAL
    row = await services.database.confirmations.get(intent_id)
    assert row is not None and row.state == "submitted"
    assert (await accounts.change_mode(USER, USER, ["real"])).change is ModeChange.ALREADY


async def test_an_expired_or_cancelled_switch_changes_nothing(
    accounts: Accounts,
    confirmations: Confirmations,
    services: Services,
    manual_clock: ManualClock,
) -> None:
    await services.database.credentials.put(USER, credential())
    await services.database.credentials.put(USER, credential("PSreal", Environment.REAL))
    late = (await accounts.change_mode(USER, USER, ["real"])).intent
    cancelled = (await accounts.change_mode(USER, USER, ["실전"])).intent
    assert late is not None and cancelled is not None
    assert (await confirmations.decline(cancelled.id, USER)).verdict is Verdict.DECLINED
    assert (await confirmations.confirm(cancelled.id, USER)).verdict is Verdict.ALREADY_DECLINED
    await manual_clock.advance(31)
    assert (await confirmations.confirm(late.id, USER)).verdict is Verdict.EXPIRED
    assert (await confirmations.decline(late.id, USER)).verdict is Verdict.EXPIRED
    assert (await confirmations.confirm("no-such-id", USER)).verdict is Verdict.GONE
    assert (await accounts.status(USER)).active is Environment.MOCK


# -- forgetting and language -----------------------------------------------------------------


async def test_forget_revokes_and_deletes_everything(
    accounts: Accounts, confirmations: Confirmations, services: Services, sandbox: Sandbox
) -> None:
    await accounts.register_key(USER, words(credential()))
    await services.database.alerts.add(USER, "005930", "below", 50_000)
    await accounts.register_key(OTHER, words(credential("PSotherUser")))
    request = await accounts.ask_forget(USER, USER)
    assert request.alerts == 1 and [k.environment for k in request.keys] == [Environment.MOCK]

    press = await confirmations.confirm(request.intent.id, USER)
    assert press.verdict is Verdict.EXECUTED and isinstance(press.result, ForgetReport)
    assert press.result.revoked == 1 and press.result.alerts == 1
    assert len(sandbox.requests("/oauth2/revokeP")) == 1
    assert await services.database.credentials.environments(USER) == []
    assert await services.database.confirmations.get(request.intent.id) is None
    assert await services.database.credentials.environments(OTHER) == [Environment.MOCK]
    with pytest.raises(Problem):
        await accounts.ask_forget(USER, USER)


async def test_forget_goes_ahead_when_kis_is_down(
    accounts: Accounts, services: Services, sandbox: Sandbox
) -> None:
    await accounts.register_key(USER, words(credential()))
    sandbox.inject_fault("/oauth2/revokeP", "http500")
    report = await accounts.forget(USER)
    assert report.revoke_failed == 1 and report.revoked == 0
    assert await services.database.credentials.environments(USER) == []


async def test_set_locale_accepts_ko_and_en_only(accounts: Accounts) -> None:
    assert await accounts.set_locale(USER, ["English"]) == "en"
    assert (await accounts.status(USER)).locale == "en"
    with pytest.raises(Problem) as raised:
        await accounts.set_locale(USER, ["fr"])
    assert raised.value.key == "start.lang_unknown"
    assert (await accounts.status(USER)).locale == "en"
