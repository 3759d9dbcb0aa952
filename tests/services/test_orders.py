"""kisbot.orders without Telegram: parsing, exactly-once confirmation, reconciliation."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from kisbot.clock import KST, ManualClock
from kisbot.config import load_settings
from kisbot.confirmations import IntentState, Press, Verdict
from kisbot.core import Core, build_core
from kisbot.kis import (
    Account,
    Credential,
    Environment,
    KisOutcomeUnknown,
    KisUnavailable,
    OrderReceipt,
    OrderRecord,
    Side,
    Venue,
)
from kisbot.orders import (
    Reconciler,
    Submission,
    SubmitOutcome,
    parse_order_no,
    parse_price,
    parse_quantity,
    same_order_no,
)
from kisbot.problems import Problem
from kisbot.services import Services
from kisbot.store.database import open_database
from kisbot.store.migrations import upgrade_database
from kisbot.store.ownership import KeyOwnership
from kisbot.store.vault import generate_key
from tests.fakes.symbols import FixedSymbols

USER = 7001
CHAT = 7001


@dataclass
class FakeClient:
    """The KisClient surface orders.py uses, scripted by the test."""

    environment: Environment = Environment.MOCK
    placed: list[tuple[Side, str, int, int | None]] = field(default_factory=list)
    outcome: BaseException | None = None
    records: list[OrderRecord] = field(default_factory=list)
    next_order_no: int = 1

    venues: list[Venue] = field(default_factory=list)

    async def place_order(
        self,
        side: Side,
        code: str,
        quantity: int,
        price: int | None = None,
        venue: Venue = Venue.KRX,
    ) -> OrderReceipt:
        self.placed.append((side, code, quantity, price))
        self.venues.append(venue)
        await asyncio.sleep(0)  # let concurrent presses interleave
        if self.outcome is not None:
            raise self.outcome
        number = f"{self.next_order_no:010d}"
        self.next_order_no += 1
        return OrderReceipt(
            number, "00950", None, "40600000", "모의투자 매수주문이 완료 되었습니다."
        )

    async def todays_orders(self) -> list[OrderRecord]:
        return list(self.records)


@dataclass
class FakeKis:
    clients: dict[Environment, FakeClient]

    def client(self, credential: Credential) -> FakeClient:
        return self.clients[credential.environment]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(autojump=True)  # 09:00 KST on a Monday


@pytest.fixture
def mock_client() -> FakeClient:
    return FakeClient()


@pytest.fixture
async def services(
    tmp_path: Path, clock: ManualClock, mock_client: FakeClient
) -> AsyncIterator[Services]:
    settings = load_settings(
        {
            "KISBOT_DATA_DIR": str(tmp_path),
            "KISBOT_MASTER_KEY": generate_key(),
            "KISBOT_REALTIME": "false",  # the fake KIS has no WebSocket
        }
    )
    await upgrade_database(settings.resolved_database_url)
    database = await open_database(settings, clock)
    kis = FakeKis({Environment.MOCK: mock_client, Environment.REAL: FakeClient(Environment.REAL)})
    services = Services(settings, clock, None, database, kis, FixedSymbols(), None, KeyOwnership())  # type: ignore[arg-type]
    await database.credentials.put(
        USER, Credential("APPKEY", "SECRET", Account.parse("50000001-01"), Environment.MOCK)
    )
    yield services
    await database.close()


@pytest.fixture
def core(services: Services) -> Core:
    return build_core(services)


@pytest.fixture
def reconciler(core: Core, clock: ManualClock) -> Reconciler:
    return Reconciler(core.confirmations, core.accounts, clock, submit_timeout=10)


async def _pending(services: Services, quantity: int = 3, code: str = "005930") -> str:
    row = await services.database.confirmations.create(
        USER, "order", ttl=60, environment="mock", side="buy", code=code,
        quantity=quantity, price=None, order_type="market", chat_id=CHAT,
    )  # fmt: skip
    return row.id


def _record(
    order_no: str, at: datetime, *, quantity: int = 3, code: str = "005930", original: str = ""
) -> OrderRecord:
    return OrderRecord(
        order_no=order_no, org_no="00950", original_order_no=original, code=code, name="삼성전자",
        side=Side.BUY, order_type="01", order_type_name="시장가", quantity=quantity, price=0,
        filled_quantity=quantity, avg_fill_price=Decimal(72000), filled_amount=72000 * quantity,
        remaining_quantity=0, cancelled=False, cancelled_quantity=0, rejected_quantity=0,
        ordered_at=at.astimezone(KST).replace(microsecond=0),
    )  # fmt: skip


def _submission(press: Press) -> Submission:
    assert press.verdict is Verdict.EXECUTED and isinstance(press.result, SubmitOutcome)
    return press.result.submission


async def _unknown(services: Services, client: FakeClient, quantity: int = 3) -> str:
    intent_id = await _pending(services, quantity)
    client.outcome = KisOutcomeUnknown("lost")
    press = await build_core(services).confirmations.confirm(intent_id, USER)
    assert _submission(press) is Submission.UNKNOWN
    client.outcome = None
    return intent_id


# -- what the user typed -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"), [("1", 1), ("1,000", 1000), ("10주", 10), ("1000000", 1_000_000)]
)
def test_quantities_accept_commas_and_the_share_suffix(text: str, expected: int) -> None:
    assert parse_quantity(text) == expected


@pytest.mark.parametrize("text", ["0", "-1", "1.5", "1,00", "abc", "1000001", "", "１０"])
def test_quantities_outside_one_to_a_million_are_problems(text: str) -> None:
    with pytest.raises(Problem) as caught:
        parse_quantity(text)
    assert caught.value.key == "trading.bad_quantity"


def test_prices_read_won_and_market_words() -> None:
    assert parse_price("72,000원") == 72000
    assert parse_price("시장가") is None
    assert parse_price("MARKET") is None
    for bad in ("0", "-100", "7.5", "lots"):
        with pytest.raises(Problem):
            parse_price(bad)


def test_order_numbers_match_with_or_without_leading_zeros() -> None:
    assert parse_order_no("0000012345") == "0000012345"
    assert same_order_no("12345", "0000012345")
    assert not same_order_no("12345", "0000012346")
    for bad in ("0000", "12a", "-5", "1" * 21):
        with pytest.raises(Problem):
            parse_order_no(bad)


# -- exactly once ------------------------------------------------------------------------------


async def test_concurrent_confirms_submit_exactly_once(
    core: Core, services: Services, mock_client: FakeClient
) -> None:
    intent_id = await _pending(services)
    presses = await asyncio.gather(
        *(core.confirmations.confirm(intent_id, USER) for _ in range(20))
    )
    assert len(mock_client.placed) == 1
    verdicts = sorted(press.verdict.value for press in presses)
    assert verdicts == ["already_done"] * 19 + ["executed"]
    row = await services.database.confirmations.get(intent_id)
    assert row is not None and row.state == "submitted" and row.kis_order_no == "0000000001"


async def test_another_users_confirm_or_decline_changes_nothing(
    core: Core, services: Services, mock_client: FakeClient
) -> None:
    intent_id = await _pending(services)
    assert (await core.confirmations.confirm(intent_id, USER + 1)).verdict is Verdict.NOT_YOURS
    assert (await core.confirmations.decline(intent_id, USER + 1)).verdict is Verdict.NOT_YOURS
    assert mock_client.placed == []
    assert _submission(await core.confirmations.confirm(intent_id, USER)) is Submission.SUBMITTED


async def test_a_press_after_expiry_submits_nothing(
    core: Core, services: Services, mock_client: FakeClient, clock: ManualClock
) -> None:
    intent_id = await _pending(services)
    await clock.advance(61)
    assert (await core.confirmations.confirm(intent_id, USER)).verdict is Verdict.EXPIRED
    assert mock_client.placed == []


async def test_a_crash_after_the_claim_leaves_it_unknown_and_never_resends(
    core: Core, services: Services, mock_client: FakeClient
) -> None:
    intent_id = await _pending(services)
    mock_client.outcome = RuntimeError("bug after sending")
    with pytest.raises(RuntimeError):
        await core.confirmations.confirm(intent_id, USER)
    row = await services.database.confirmations.get(intent_id)
    assert row is not None and row.state == "unknown"
    mock_client.outcome = None
    assert (await core.confirmations.confirm(intent_id, USER)).verdict is Verdict.ALREADY_DONE
    assert len(mock_client.placed) == 1


async def test_unreachable_kis_is_recorded_as_not_sent(
    core: Core, services: Services, mock_client: FakeClient
) -> None:
    intent_id = await _pending(services)
    mock_client.outcome = KisUnavailable("connect failed; nothing was sent")
    press = await core.confirmations.confirm(intent_id, USER)
    assert _submission(press) is Submission.NOT_SENT
    row = await services.database.confirmations.get(intent_id)
    assert row is not None and row.state == "failed" and row.msg_cd == "not_sent"


async def test_switching_accounts_before_confirming_sends_nothing(
    core: Core, services: Services, mock_client: FakeClient
) -> None:
    intent_id = await _pending(services)
    real = Credential("REALKEY", "SECRET", Account.parse("60000001-01"), Environment.REAL)
    await services.database.credentials.put(USER, real)
    await services.database.users.set_active_env(USER, Environment.REAL)
    press = await core.confirmations.confirm(intent_id, USER)
    assert _submission(press) is Submission.ENV_CHANGED
    assert mock_client.placed == []
    assert services.kis.client(real).placed == []  # type: ignore[attr-defined]


# -- reconciliation ----------------------------------------------------------------------------


async def test_reconcile_finds_the_order_placed_after_the_claim(
    reconciler: Reconciler, services: Services, mock_client: FakeClient, clock: ManualClock
) -> None:
    intent_id = await _unknown(services, mock_client)
    now = clock.now()
    mock_client.records = [
        _record("0000000007", now - timedelta(minutes=5)),  # an older, identical order
        _record("0000000008", now, quantity=4),  # another quantity
        _record("0000000009", now + timedelta(seconds=1)),
    ]
    (settled,) = await reconciler.reconcile(USER)
    assert settled.found and settled.intent.order_no == "0000000009"
    row = await services.database.confirmations.get(intent_id)
    assert row is not None and row.state == "submitted" and row.kis_order_no == "0000000009"
    assert len(mock_client.placed) == 1


async def test_an_order_not_found_is_called_not_placed_only_after_a_while(
    core: Core, services: Services, mock_client: FakeClient, clock: ManualClock
) -> None:
    intent_id = await _unknown(services, mock_client)
    assert await core.orders.reconcile(intent_id) == ([], True)
    row = await services.database.confirmations.get(intent_id)
    assert row is not None and row.state == "unknown"
    await clock.advance(91)
    (settled,), still_unknown = await core.orders.reconcile(intent_id)
    assert not settled.found and not still_unknown
    row = await services.database.confirmations.get(intent_id)
    assert row is not None and row.state == "failed" and row.msg_cd == "not_found"
    assert len(mock_client.placed) == 1


async def test_two_lost_orders_of_one_shape_match_two_distinct_orders(
    reconciler: Reconciler, services: Services, mock_client: FakeClient, clock: ManualClock
) -> None:
    first = await _unknown(services, mock_client)
    second = await _unknown(services, mock_client)
    now = clock.now()
    mock_client.records = [_record("0000000011", now), _record("0000000012", now)]
    settled = await reconciler.reconcile(USER)
    numbers = {item.intent.id: item.intent.order_no for item in settled}
    assert set(numbers) == {first, second}
    assert sorted(numbers.values()) == ["0000000011", "0000000012"]


async def test_an_order_number_already_owned_is_not_matched_again(
    core: Core,
    reconciler: Reconciler,
    services: Services,
    mock_client: FakeClient,
    clock: ManualClock,
) -> None:
    submitted = await _pending(services)
    press = await core.confirmations.confirm(submitted, USER)
    assert press.intent is not None and press.intent.order_no == "0000000001"
    lost = await _unknown(services, mock_client)
    mock_client.records = [_record("0000000001", clock.now())]
    assert await reconciler.reconcile(USER) == []
    row = await services.database.confirmations.get(lost)
    assert row is not None and row.state == "unknown"


async def test_todays_orders_settles_what_it_can_and_lists_the_rest(
    core: Core, services: Services, mock_client: FakeClient, clock: ManualClock
) -> None:
    found = await _unknown(services, mock_client, quantity=3)
    waiting = await _unknown(services, mock_client, quantity=5)
    mock_client.records = [_record("0000000021", clock.now(), quantity=3)]
    today = await core.orders.todays_orders(USER)
    assert [s.intent.id for s in today.settled] == [found]
    assert [i.id for i in today.unsettled] == [waiting]
    assert [line.record for line in today.lines] == mock_client.records


async def test_expire_due_reports_every_kind_with_its_message(
    core: Core, services: Services, clock: ManualClock
) -> None:
    intent_id = await _pending(services)
    await services.database.confirmations.set_message(intent_id, CHAT, 42)
    await clock.advance(61)
    (expired,) = await core.confirmations.expire_due()
    assert expired.id == intent_id and expired.state is IntentState.EXPIRED
    assert (expired.chat_id, expired.message_id) == (CHAT, 42)
    assert await core.confirmations.expire_due() == []


# -- submissions cut off by a dying process ------------------------------------------------------


async def _cut_off(services: Services) -> str:
    """A confirmation claimed by a process that died before recording anything."""
    intent_id = await _pending(services)
    assert await services.database.confirmations.claim(intent_id, USER)
    return intent_id


async def test_a_fresh_claim_is_left_to_the_process_that_holds_it(
    reconciler: Reconciler, services: Services, clock: ManualClock
) -> None:
    intent_id = await _cut_off(services)
    await clock.advance(14 * 60)
    assert await reconciler.recover_cut_off() == 0
    row = await services.database.confirmations.get(intent_id)
    assert row is not None and row.state == "submitting"


async def test_a_cut_off_submission_placed_late_in_its_waits_is_found(
    core: Core, services: Services, mock_client: FakeClient, clock: ManualClock
) -> None:
    intent_id = await _cut_off(services)
    claimed = clock.now()
    # The dead process had waited for a token for 3 minutes, then sent the order.
    mock_client.records = [_record("0000000021", claimed + timedelta(minutes=3))]
    await clock.advance(16 * 60)

    (settled,) = await core.orders.reconcile_leftovers()

    assert settled.found and settled.intent.order_no == "0000000021"
    row = await services.database.confirmations.get(intent_id)
    assert row is not None and row.state == "submitted"
    assert mock_client.placed == []  # settled by looking, never by sending


async def test_a_cut_off_submission_that_never_left_is_not_placed(
    core: Core, services: Services, mock_client: FakeClient, clock: ManualClock
) -> None:
    intent_id = await _cut_off(services)
    await clock.advance(16 * 60)

    (settled,) = await core.orders.reconcile_leftovers()

    assert not settled.found
    row = await services.database.confirmations.get(intent_id)
    assert row is not None and row.state == "failed" and row.msg_cd == "not_found"
    assert (await core.confirmations.confirm(intent_id, USER)).verdict is Verdict.ALREADY_DONE
    assert mock_client.placed == []
