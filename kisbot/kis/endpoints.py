"""The KIS endpoints kisbot calls, with their current real and mock TR IDs (kis-api §5).

The order TR IDs are the 2024+ ones (0011U/0012U/0013U/0084R/0081R); the older ones may be cut
off without notice. `mock_tr_id` None means the API does not exist for mock accounts.
"""

from __future__ import annotations

from dataclasses import dataclass

from kisbot.kis.credentials import Environment

_QUOTATIONS = "/uapi/domestic-stock/v1/quotations"
_TRADING = "/uapi/domestic-stock/v1/trading"


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One KIS API: method, path, TR IDs, and whether it changes orders (never resent)."""

    method: str
    path: str
    real_tr_id: str
    mock_tr_id: str | None
    is_order: bool = False

    def tr_id(self, environment: Environment) -> str | None:
        """The TR ID for this environment, or None when mock does not offer the API."""
        return self.mock_tr_id if environment.is_mock else self.real_tr_id


QUOTE = Endpoint("GET", f"{_QUOTATIONS}/inquire-price", "FHKST01010100", "FHKST01010100")
DAILY_PRICE = Endpoint(
    "GET", f"{_QUOTATIONS}/inquire-daily-price", "FHKST01010400", "FHKST01010400"
)
PERIOD_CHART = Endpoint(
    "GET", f"{_QUOTATIONS}/inquire-daily-itemchartprice", "FHKST03010100", "FHKST03010100"
)
MULTI_QUOTE = Endpoint("GET", f"{_QUOTATIONS}/intstock-multprice", "FHKST11300006", None)
BALANCE = Endpoint("GET", f"{_TRADING}/inquire-balance", "TTTC8434R", "VTTC8434R")
BUYING_POWER = Endpoint("GET", f"{_TRADING}/inquire-psbl-order", "TTTC8908R", "VTTC8908R")
OPEN_ORDERS = Endpoint("GET", f"{_TRADING}/inquire-psbl-rvsecncl", "TTTC0084R", None)
DAILY_EXECUTIONS = Endpoint("GET", f"{_TRADING}/inquire-daily-ccld", "TTTC0081R", "VTTC0081R")
BUY = Endpoint("POST", f"{_TRADING}/order-cash", "TTTC0012U", "VTTC0012U", is_order=True)
SELL = Endpoint("POST", f"{_TRADING}/order-cash", "TTTC0011U", "VTTC0011U", is_order=True)
REVISE_CANCEL = Endpoint(
    "POST", f"{_TRADING}/order-rvsecncl", "TTTC0013U", "VTTC0013U", is_order=True
)
HASHKEY_PATH = "/uapi/hashkey"
