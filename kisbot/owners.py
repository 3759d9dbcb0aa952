"""Which app keys this process serves in the background: its WebSocket, alert and fill polling.

Several bot processes may share one PostgreSQL; each app key in use is owned by one of them
(kisbot.store.ownership), and only its owner holds the key's WebSocket session and polls its
alerts and fills — so a key is never polled twice and KIS's one session per key is kept. What
users ask for themselves (/price, /buy, …) is served by whichever process gets the update.
On SQLite there is one process, which owns every key.
"""

from __future__ import annotations

from typing import Protocol

from kisbot.kis import Credential


class KeyOwners(Protocol):
    def owns(self, credential: Credential) -> bool:
        """Whether this process serves the credential's app key in the background."""
        ...


class EveryKey:
    """One process: it owns every key."""

    def owns(self, credential: Credential) -> bool:
        return True
