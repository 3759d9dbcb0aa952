"""Everything a running bot needs besides Telegram, opened and closed as one.

`open_services` migrates the database, checks the master key, and opens the one httpx client
that the KIS layer and the symbol downloads share. Feature services (accounts, quotes, orders,
alerts) are thin objects over this container and are made where they are used.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import httpx

from kisbot.clock import Clock, SystemClock
from kisbot.config import Settings
from kisbot.kis import KisService, SharedBudget, TokenStore
from kisbot.kis.overseas.symbols import OverseasSymbolSource
from kisbot.kis.realtime.approval import ApprovalStore
from kisbot.kis.symbols import SymbolSource
from kisbot.kis.transport import new_http_client
from kisbot.market_hours import KrxCalendar
from kisbot.overseas_hours import OverseasHours
from kisbot.store.database import Database, open_database
from kisbot.store.migrations import upgrade_database
from kisbot.store.ownership import KeyOwnership

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class Services:
    settings: Settings
    clock: Clock
    http: httpx.AsyncClient
    database: Database
    kis: KisService
    symbols: SymbolSource
    calendar: KrxCalendar
    ownership: KeyOwnership
    overseas_symbols: OverseasSymbolSource | None = None
    overseas_hours: OverseasHours | None = None

    async def aclose(self) -> None:
        """Release this process's app keys, close the KIS service, the database and the shared
        HTTP client, in that order."""
        await self.ownership.stop()
        await self.kis.aclose()
        await self.database.close()
        await self.http.aclose()


async def open_services(
    settings: Settings,
    *,
    clock: Clock | None = None,
    http: httpx.AsyncClient | None = None,
    migrate: bool = True,
) -> Services:
    """Open the database (migrated to head) and the KIS service for these settings."""
    clock = clock or SystemClock()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if migrate:
        await upgrade_database(settings.resolved_database_url)
    database = await open_database(settings, clock)
    http = http or new_http_client(settings.kis_timeout)
    kis = kis_service(
        settings,
        token_store=database.tokens,
        approval_store=database.approval_keys,
        shared_budget=database.kis_key_budget(),
        clock=clock,
        http=http,
    )
    symbols = SymbolSource(http, settings.symbols_url, settings.data_dir, clock)
    overseas_symbols = OverseasSymbolSource(http, settings.symbols_url, settings.data_dir, clock)
    logger.info("services open: database %s", _database_kind(settings))
    ownership = database.key_ownership()
    await ownership.start()
    return Services(
        settings,
        clock,
        http,
        database,
        kis,
        symbols,
        KrxCalendar(clock, wait_for_build=False),
        ownership,
        overseas_symbols,
        OverseasHours(clock),
    )


def kis_service(
    settings: Settings,
    *,
    token_store: TokenStore | None = None,
    approval_store: ApprovalStore | None = None,
    shared_budget: SharedBudget | None = None,
    clock: Clock | None = None,
    http: httpx.AsyncClient | None = None,
) -> KisService:
    """The KIS service configured by the KISBOT_KIS_* settings."""
    return KisService(
        real_url=settings.kis_real_url,
        mock_url=settings.kis_mock_url,
        real_rate=settings.kis_real_rate,
        mock_rate=settings.kis_mock_rate,
        timeout=settings.kis_timeout,
        token_store=token_store,
        approval_store=approval_store,
        shared_budget=shared_budget,
        real_ws_url=settings.kis_real_ws_url,
        mock_ws_url=settings.kis_mock_ws_url,
        clock=clock,
        http=http,
    )


def _database_kind(settings: Settings) -> str:
    return settings.resolved_database_url.split(":", 1)[0]
