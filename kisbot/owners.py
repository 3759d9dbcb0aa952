"""Which app keys this process serves in the background: its WebSocket, alert and fill polling.

Several bot processes may share one PostgreSQL; each app key in use is owned by one of them
(kisbot.store.ownership), and only its owner holds the key's WebSocket session and polls its
alerts and fills — so a key is never polled twice and KIS's one session per key is kept. What
users ask for themselves (/price, /buy, …) is served by whichever process gets the update.
On SQLite there is one process, which owns every key.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from kisbot.kis import Credential
from kisbot.store.ownership import KeyOwnership, SharedOwnership, key_hash
from kisbot.store.repos import CredentialRepo
from kisbot.store.vault import Vault


class KeyOwners(Protocol):
    def owns(self, credential: Credential) -> bool:
        """Whether this process serves the credential's app key in the background."""
        ...

    def owned_keys(self) -> frozenset[str] | None:
        """The store's hashes of the keys this process serves, so a query can leave the others
        out (and not decrypt them); None: every key."""
        ...


class EveryKey:
    """One process: it owns every key."""

    def owns(self, credential: Credential) -> bool:
        return True

    def owned_keys(self) -> frozenset[str] | None:
        return None


class OwnedKeys:
    """This process's share of the app keys in use, kept by `rebalance` every few seconds.

    Over kisbot.store's ownership (advisory locks on PostgreSQL; every key on SQLite): keys are
    compared by the vault's hash of (app key, environment), never the key itself.
    """

    def __init__(
        self,
        ownership: KeyOwnership,
        credentials: CredentialRepo,
        vault: Vault,
        labels: Callable[[], Awaitable[dict[str, str]]],
    ) -> None:
        self._ownership = ownership
        self._credentials = credentials
        self._vault = vault
        self._labels = labels
        self._hashes: dict[tuple[str, str], str] = {}
        self.on_change: Callable[[], None] = lambda: None

    @property
    def shared(self) -> bool:
        """Whether other processes may own keys (PostgreSQL); False: this one owns them all."""
        return isinstance(self._ownership, SharedOwnership)

    def owns(self, credential: Credential) -> bool:
        return self._ownership.owns(self._hash(credential))

    def owned_keys(self) -> frozenset[str] | None:
        return self._ownership.owned() if self.shared else None

    async def rebalance(self) -> bool:
        """Take this process's share of the keys in use now; whether what it owns changed."""
        before = self._ownership.owned()
        owned = await self._ownership.rebalance(await self._credentials.key_hashes())
        if owned == before:
            return False
        self._ownership.announce(await self._labels())
        self.on_change()
        return True

    def _hash(self, credential: Credential) -> str:
        key = (credential.app_key, credential.environment.value)
        found = self._hashes.get(key)
        if found is None:
            found = self._hashes[key] = key_hash(self._vault, credential)
        return found
