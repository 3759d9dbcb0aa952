"""The application core: every feature service, built once, each from what it needs.

    handlers/ (Telegram) ──► Core ──► accounts · securities · confirmations · market
                                      · orders · alerts
                                  ──► kisbot.kis (KIS) · kisbot.store (database)

`build_core` wires the services over the opened infrastructure (`kisbot.services.Services`:
settings, clock, database, KIS service, symbols, calendar). Each service gets its dependencies
explicitly — repositories, the KIS service, the resolver, the clock — never the container. The
Telegram side holds one `Core` per process and calls it; it never constructs a service, touches
a database row or compares a state string.

Where to find a behaviour:
    which stock a text means, a stock's name     kisbot/securities.py   Securities
    any 확인/취소 (claim once, expire)             kisbot/confirmations.py Confirmations
    keys, /mode, /forget, a user's KIS client    kisbot/accounts/        Accounts
    /price, /daily, /balance                     kisbot/market.py        Market
    /buy, /sell, /cancel, /modify, /orders       kisbot/orders/          Orders
    /alert, /alerts, /unalert, checks, outbox    kisbot/alerts/          Alerts
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from kisbot.accounts import Accounts
from kisbot.alerts.engine import AlertEngine
from kisbot.alerts.service import Alerts
from kisbot.confirmations import Confirmations
from kisbot.market import Market
from kisbot.orders import Orders, Reconciler
from kisbot.securities import Securities
from kisbot.services import Services

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Core:
    """The feature services of one bot process."""

    accounts: Accounts
    securities: Securities
    confirmations: Confirmations
    market: Market
    orders: Orders
    alerts: Alerts
    default_locale: str


def build_core(services: Services) -> Core:
    """Every feature service, wired once over the opened infrastructure."""
    settings, database, clock = services.settings, services.database, services.clock
    securities = Securities(services.symbols)
    confirmations = Confirmations(database.confirmations, clock, settings.confirm_ttl)
    accounts = Accounts(
        database.users,
        database.credentials,
        database.alerts,
        services.kis,
        confirmations,
        database.forget_user,
    )
    reconciler = Reconciler(confirmations, accounts, clock, submit_timeout=settings.kis_timeout)
    engine = AlertEngine(
        database.alerts,
        accounts,
        securities,
        services.calendar,
        clock,
        market_hours_only=settings.market_hours_only,
    )
    return Core(
        accounts=accounts,
        securities=securities,
        confirmations=confirmations,
        market=Market(accounts, securities),
        orders=Orders(accounts, securities, confirmations, reconciler),
        alerts=Alerts(database.alerts, database.outbox, accounts, securities, engine, clock),
        default_locale=settings.locale,
    )
