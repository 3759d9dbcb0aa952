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
    /alert, /alerts, /unalert, checks            kisbot/alerts/          Alerts
    fill notices (WebSocket or polling)          kisbot/notices/         Notices
    what each key's WebSocket subscribes to      kisbot/subscriptions.py Subscriptions
    which app keys this process serves           kisbot/owners.py        OwnedKeys
    sending what the outbox holds                kisbot/delivery.py      Delivery, Doorbell
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from kisbot.accounts import Accounts
from kisbot.alerts.engine import AlertEngine
from kisbot.alerts.service import Alerts
from kisbot.confirmations import Confirmations
from kisbot.delivery import Delivery, Doorbell
from kisbot.market import Market
from kisbot.notices import Notices
from kisbot.orders import Orders, Reconciler
from kisbot.owners import OwnedKeys
from kisbot.securities import Securities
from kisbot.services import Services
from kisbot.subscriptions import Subscriptions

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
    notices: Notices
    realtime: Subscriptions
    owners: OwnedKeys
    delivery: Delivery
    doorbell: Doorbell  # rung when a message was queued that should go out now
    default_locale: str


def build_core(services: Services) -> Core:
    """Every feature service, wired once over the opened infrastructure."""
    settings, database, clock = services.settings, services.database, services.clock
    securities = Securities(services.symbols, services.overseas_symbols)
    owners = OwnedKeys(
        services.ownership, database.credentials, database.vault, database.stored_key_labels
    )
    confirmations = Confirmations(database.confirmations, clock, settings.confirm_ttl)
    accounts = Accounts(
        database.users,
        database.credentials,
        database.alerts,
        services.kis,
        confirmations,
        database.forget_user,
        realtime=settings.realtime,
    )
    reconciler = Reconciler(confirmations, accounts, clock, submit_timeout=settings.kis_timeout)
    engine = AlertEngine(
        database.alerts,
        accounts,
        securities,
        services.calendar,
        clock,
        market_hours_only=settings.market_hours_only,
        owners=owners,
        overseas_hours=services.overseas_hours,
    )
    doorbell = Doorbell()
    notices = Notices(
        database.outbox,
        confirmations,
        accounts,
        database.alerts.chat_ids,
        services.calendar,
        clock,
        market_hours_only=settings.market_hours_only,
        owners=owners,
        on_queued=doorbell.ring,
    )
    hub_factory = services.kis.realtime if settings.realtime else None
    realtime = Subscriptions(hub_factory, accounts, engine, notices, owners=owners)
    alerts = Alerts(database.alerts, database.outbox, accounts, securities, engine, clock)

    def alert_fired() -> None:  # deliver it now; the codes worth ticks may have changed
        doorbell.ring()
        realtime.nudge()

    engine.on_fired = alert_fired
    alerts.on_changed = realtime.nudge
    accounts.on_keys_changed(realtime.nudge)
    owners.on_change = lambda: realtime.nudge(reload=False)  # sessions follow ownership
    return Core(
        accounts=accounts,
        securities=securities,
        confirmations=confirmations,
        market=Market(accounts, securities, services.calendar, services.overseas_hours, clock),
        orders=Orders(
            accounts,
            securities,
            confirmations,
            reconciler,
            services.calendar,
            clock,
            services.overseas_hours,
        ),
        alerts=alerts,
        notices=notices,
        realtime=realtime,
        owners=owners,
        delivery=Delivery(database.outbox, database.alerts, clock),
        doorbell=doorbell,
        default_locale=settings.locale,
    )
