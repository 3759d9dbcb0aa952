"""What each part of the trading service works with: the services, the store, the accounts."""

from __future__ import annotations

from kisbot.accounts import Accounts
from kisbot.services import Services


class OrdersBase:
    """Holds the services; `Orders` combines the parts built on it (drafts, desk, reconcile)."""

    def __init__(self, services: Services) -> None:
        self._services = services
        self._repo = services.database.confirmations
        self._accounts = Accounts(services)
