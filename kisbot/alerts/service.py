"""The alerts feature: create, list and remove a user's alerts; check them; deliver what fired.

`/alert` needs the user's registered key: the current quote is read with it (at the user's
priority) to check the code, show where the price stands and, for percent alerts, to keep the
previous close the move is measured from. The stock comes from the one resolver, so an
ambiguous name gives `AlertChoices` to pick from, as /price does.

The background half — a round of checks (`check`) — is a plain async method; what fires waits
in the outbox, which kisbot.delivery sends.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from enum import StrEnum

from kisbot.accounts import Accounts
from kisbot.alerts import rules
from kisbot.alerts.engine import AlertEngine, TickReport
from kisbot.alerts.rules import AlertKind, AlertRequest
from kisbot.clock import KST, Clock
from kisbot.kis import KisClient, PriceFeed, Quote
from kisbot.kis.overseas import OverseasQuote
from kisbot.problems import Problem
from kisbot.securities import Choices, Securities, Security, overseas_key
from kisbot.store.models import Alert
from kisbot.store.repos import AlertRepo, OutboxRepo

MAX_ALERTS_PER_USER = 100


class AlertState(StrEnum):
    ACTIVE = "active"  # watching
    PAUSED = "paused"  # the user blocked the bot; resumes when they write again
    FIRED = "fired"  # a one-shot alert that fired
    REARMING = "rearming"  # a repeating alert that fired; watching again once the price moves back


@dataclass(frozen=True, slots=True)
class AlertView:
    """One of the user's alerts as a reply shows it."""

    number: int  # the short id /unalert takes
    code: str
    name: str | None
    kind: AlertKind
    threshold: Decimal
    repeat: bool
    state: AlertState
    fired_at: datetime | None


@dataclass(frozen=True, slots=True)
class CreatedAlert:
    """A new alert, the quote read when it was made, and whether it already holds."""

    alert: AlertView
    quote: Quote | OverseasQuote
    holds_now: bool


@dataclass(frozen=True, slots=True)
class AlertChoices:
    """`/alert NAME …` where NAME fits several stocks: pick one, then the same alert."""

    choices: Choices
    request: AlertRequest


class Alerts:
    """A user's alerts, the rounds that check them, and the outbox that delivers them."""

    def __init__(
        self,
        repo: AlertRepo,
        outbox: OutboxRepo,
        accounts: Accounts,
        securities: Securities,
        engine: AlertEngine,
        clock: Clock,
    ) -> None:
        self._repo = repo
        self._outbox = outbox
        self._accounts = accounts
        self._securities = securities
        self._engine = engine
        self._clock = clock
        self.on_changed: Callable[[], None] = lambda: None  # an alert was added or removed

    # -- commands ---------------------------------------------------------------------------

    async def create(self, user_id: int, words: Sequence[str]) -> CreatedAlert | AlertChoices:
        """`/alert CODE|NAME condition [repeat]`: store it, or the stocks NAME may mean."""
        request = rules.parse_alert(words)
        client = await self._accounts.client(user_id)  # a key is needed before anything else
        found = await self._securities.resolve(request.target)
        if isinstance(found, Choices):
            return AlertChoices(found, request)
        return await self._create(user_id, client, found.key, request)

    async def create_for(self, user_id: int, code: str, request: AlertRequest) -> CreatedAlert:
        """Store the alert `request` describes on the stock with this code (a picked choice)."""
        return await self._create(user_id, await self._accounts.client(user_id), code, request)

    async def _create(
        self, user_id: int, client: KisClient, code: str, request: AlertRequest
    ) -> CreatedAlert:
        if len(await self._repo.list_for_user(user_id, include_repeating=True)) >= (
            MAX_ALERTS_PER_USER
        ):
            raise Problem("alerts.too_many", limit=MAX_ALERTS_PER_USER)
        abroad = overseas_key(code)
        if abroad is not None:
            return await self._create_abroad(user_id, client, abroad, request)
        if request.kind != AlertKind.PERCENT and request.threshold != int(request.threshold):
            raise Problem("alerts.bad_price", value=str(request.threshold))  # won are whole
        # The price the alert's checks read now (KRX's when none moves), so "already holds"
        # is told of the price that will fire it.
        feed = self._engine.feed(client.environment) or PriceFeed.KRX
        quote = await client.quote(code, feed=feed)
        alert = await self._repo.add(
            user_id,
            quote.code or code,
            request.kind.value,
            request.threshold,
            reference_price=quote.prev_close or quote.price,
            repeat=request.repeat,
            cooldown_seconds=int(rules.REPEAT_COOLDOWN.total_seconds()) if request.repeat else 0,
        )
        self.on_changed()
        holds = rules.condition_holds(alert.kind, alert.threshold, quote.price, quote.prev_close)
        name = quote.name or await self._securities.name(alert.code)
        return CreatedAlert(_view(alert, name), quote, holds)

    async def _create_abroad(
        self, user_id: int, client: KisClient, found: Security, request: AlertRequest
    ) -> CreatedAlert:
        """An alert on a stock abroad: its threshold in the stock's currency, checked while
        its exchange trades (kisbot.alerts.engine)."""
        security = await self._securities.security(found.key)
        assert security.exchange is not None
        quote = await client.overseas.quote(security.exchange, security.code)
        if quote is None:
            raise Problem("quotes.overseas_unknown", code=security.shown_code)
        alert = await self._repo.add(
            user_id,
            security.key,
            request.kind.value,
            request.threshold,
            reference_price=None,  # percent alerts read the quote's previous close each time
            repeat=request.repeat,
            cooldown_seconds=int(rules.REPEAT_COOLDOWN.total_seconds()) if request.repeat else 0,
        )
        self.on_changed()
        holds = rules.condition_holds(alert.kind, alert.threshold, quote.price, quote.prev_close)
        return CreatedAlert(_view(alert, security.name), quote, holds)

    async def list(self, user_id: int) -> list[AlertView]:
        """Active, paused and re-arming alerts, and those that fired today (KST)."""
        alerts = await self._repo.list_for_user(
            user_id, fired_since=self._start_of_day(), include_repeating=True
        )
        return [_view(alert, await self._securities.name(alert.code)) for alert in alerts]

    async def remove(self, user_id: int, words: Sequence[str]) -> int:
        """`/unalert ID`: delete the user's alert with this short id; the id."""
        number = rules.parse_alert_number(words)
        await self.remove_number(user_id, number)
        return number

    async def remove_number(self, user_id: int, number: int) -> None:
        """Delete the user's alert with this short id; Problem alerts.no_such if there is none."""
        if not await self._repo.delete(user_id, number):
            raise Problem("alerts.no_such", number=number)
        self.on_changed()

    # -- the background half ----------------------------------------------------------------

    async def check(self, keep_going: Callable[[], bool] | None = None) -> TickReport:
        """One round of checks over every user's alerts; what fired waits in the outbox."""
        return await self._engine.tick(keep_going)

    def _start_of_day(self) -> datetime:
        today = self._clock.now().astimezone(KST).date()
        return datetime.combine(today, time(0), KST)


def _view(alert: Alert, name: str | None) -> AlertView:
    return AlertView(
        number=alert.number,
        code=alert.code,
        name=name,
        kind=AlertKind(alert.kind),
        threshold=alert.threshold,
        repeat=alert.repeat,
        state=_state(alert),
        fired_at=alert.last_fired_at,
    )


def _state(alert: Alert) -> AlertState:
    if alert.state == "paused":
        return AlertState.PAUSED
    if alert.state == "fired" and alert.last_fired_at is not None:
        return AlertState.REARMING if alert.repeat else AlertState.FIRED
    return AlertState.ACTIVE
