"""Who is calling KIS: an app key pair, an account and the environment they belong to."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

_ACCOUNT = re.compile(r"^(\d{8})-?(\d{2})$")


class Environment(StrEnum):
    """KIS runs two separate worlds with separate keys, accounts and hosts."""

    REAL = "real"
    MOCK = "mock"

    @property
    def is_mock(self) -> bool:
        return self is Environment.MOCK


@dataclass(frozen=True, slots=True)
class Account:
    """A KIS account number: 8 digits (CANO) and a 2-digit product code (ACNT_PRDT_CD)."""

    cano: str
    product_code: str

    @classmethod
    def parse(cls, text: str) -> Account:
        """Read `12345678-01` (or `1234567801`); raise ValueError for anything else."""
        match = _ACCOUNT.match(text.strip())
        if not match:
            raise ValueError("account number must look like 12345678-01")
        return cls(match.group(1), match.group(2))

    @property
    def masked(self) -> str:
        """The account as shown to users: 5000****-01."""
        return f"{self.cano[:4]}****-{self.product_code}"

    def __str__(self) -> str:
        return self.masked

    def __repr__(self) -> str:
        return f"Account({self.masked})"

    @property
    def full(self) -> str:
        """The unmasked number, for KIS requests and the vault only."""
        return f"{self.cano}-{self.product_code}"


@dataclass(frozen=True, slots=True)
class Credential:
    """One KIS app key pair bound to one account and environment.

    The repr and str never show the secret or the full account number.
    """

    app_key: str
    app_secret: str
    account: Account
    environment: Environment = Environment.MOCK
    # The KIS (HTS) login ID: the WebSocket's key for this customer's fill notices.
    hts_id: str | None = field(default=None, repr=False)

    @property
    def key_id(self) -> str:
        """A short, non-secret label for the app key, safe for logs."""
        return f"{self.app_key[:4]}…{self.environment}"

    def __repr__(self) -> str:
        return f"Credential(app_key={self.key_id}, account={self.account.masked})"

    __str__ = __repr__
