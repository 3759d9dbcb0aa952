"""The alert commands as plain async calls: create, list and remove a user's alerts.

`/alert` needs the user's registered key: the current quote is read with it (at the user's
priority) to check the code, show where the price stands and, for percent alerts, to keep the
previous close the move is measured from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time

from kisbot.alerts import rules
from kisbot.alerts.delivery import resume_user
from kisbot.clock import KST
from kisbot.kis import Quote, is_stock_code, normalize_code
from kisbot.kis.symbols import SymbolDirectory
from kisbot.problems import Problem
from kisbot.services import Services
from kisbot.store.models import Alert

MAX_ALERTS_PER_USER = 100


@dataclass(frozen=True, slots=True)
class CreatedAlert:
    """A new alert, the quote read when it was made, and whether it already holds."""

    alert: Alert
    name: str | None
    quote: Quote
    holds_now: bool


@dataclass(frozen=True, slots=True)
class ListedAlert:
    alert: Alert
    name: str | None


class AlertService:
    """A user's alerts, over the services container."""

    def __init__(self, services: Services) -> None:
        self._services = services

    async def create(self, user_id: int, args: Sequence[str]) -> CreatedAlert:
        """Store the alert `args` describe; raise Problem for anything the user can fix."""
        request = rules.parse_alert(args)
        credential = await self._services.database.credentials.get_active(user_id)
        if credential is None:
            raise Problem("common.no_credential")
        code, name = await self._resolve(request.target)
        alerts = self._services.database.alerts
        if len(await alerts.list_for_user(user_id, include_repeating=True)) >= MAX_ALERTS_PER_USER:
            raise Problem("alerts.too_many", limit=MAX_ALERTS_PER_USER)
        quote = await self._services.kis.client(credential).quote(code)
        alert = await alerts.add(
            user_id,
            code,
            request.kind.value,
            request.threshold,
            reference_price=quote.prev_close or quote.price,
            repeat=request.repeat,
            cooldown_seconds=int(rules.REPEAT_COOLDOWN.total_seconds()) if request.repeat else 0,
        )
        holds = rules.condition_holds(alert.kind, alert.threshold, quote.price, quote.prev_close)
        return CreatedAlert(alert, name or quote.name, quote, holds)

    async def list_alerts(self, user_id: int) -> list[ListedAlert]:
        """Active, paused and re-arming alerts, and those that fired today (KST)."""
        alerts = await self._services.database.alerts.list_for_user(
            user_id, fired_since=self._start_of_day(), include_repeating=True
        )
        directory = await self._directory()
        return [ListedAlert(alert, _name(directory, alert.code)) for alert in alerts]

    async def remove(self, user_id: int, number: int) -> None:
        """Delete the user's alert with this short id; Problem if there is none."""
        if not await self._services.database.alerts.delete(user_id, number):
            raise Problem("alerts.no_such", number=number)

    async def resume(self, user_id: int) -> int:
        """Re-activate alerts paused while the user had blocked the bot; how many."""
        return await resume_user(self._services.database, user_id)

    async def _resolve(self, text: str) -> tuple[str, str | None]:
        """The code (and name, if known) for a code or an exactly matching name."""
        directory = await self._directory()
        if is_stock_code(text.strip()):
            code = normalize_code(text)
            return code, _name(directory, code)
        if directory is None or not directory.available:
            raise Problem("alerts.names_unavailable", text=text)
        match = directory.lookup(text)
        if match.exact is not None:
            return match.exact.code, match.exact.name
        if match.candidates:
            names = ", ".join(f"{s.name}({s.code})" for s in match.candidates[:5])
            raise Problem("alerts.ambiguous", text=text, candidates=names)
        raise Problem("alerts.unknown_symbol", text=text)

    async def _directory(self) -> SymbolDirectory | None:
        try:
            return await self._services.symbols.get()
        except Exception:  # names are optional; codes always work
            return None

    def _start_of_day(self) -> datetime:
        today = self._services.clock.now().astimezone(KST).date()
        return datetime.combine(today, time(0), KST)


def _name(directory: SymbolDirectory | None, code: str) -> str | None:
    symbol = directory.by_code(code) if directory is not None else None
    return symbol.name if symbol is not None else None
