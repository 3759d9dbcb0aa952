"""WebSocket approval keys (kis-api §2.3): who may open a real-time session, and on which host.

An approval key is bound to the app key and the host (real or mock) that issued it and is valid
24 h on the sandbox clock. Issuance is limited to one per `interval` seconds per app key (KIS:
1/s); 0 lifts the limit. The values are secrets: nothing here logs or shows them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from kisbot.clock import Clock
from kisbot.sandbox.messages import Flavour, TokenError

APPROVAL_LIFETIME = timedelta(hours=24)
# KIS's code for an approval asked too often is not known; its per-second refusal is EGW00201.
APPROVAL_TOO_SOON = TokenError("EGW00201", "초당 거래건수를 초과하였습니다.", status=500)


@dataclass(frozen=True, slots=True)
class Approval:
    """What an approval key stands for."""

    appkey: str
    flavour: Flavour
    expires_at: datetime

    def __repr__(self) -> str:
        return f"Approval(flavour={self.flavour}, expires_at={self.expires_at.isoformat()})"


class ApprovalBook:
    """Issues approval keys and says whose a key is."""

    def __init__(self, clock: Clock, *, interval: float = 1.0) -> None:
        self._clock = clock
        self.interval = interval
        self._approvals: dict[str, Approval] = {}
        self._last_issue: dict[tuple[Flavour, str], float] = {}

    def issue(self, appkey: str, flavour: Flavour) -> str | TokenError:
        """A new approval key, or the refusal when this app key asked less than `interval` ago."""
        now_mono = self._clock.monotonic()
        last = self._last_issue.get((flavour, appkey))
        if self.interval > 0 and last is not None and now_mono - last < self.interval:
            return APPROVAL_TOO_SOON
        self._last_issue[(flavour, appkey)] = now_mono
        key = str(uuid.uuid4())
        self._approvals[key] = Approval(appkey, flavour, self._clock.now() + APPROVAL_LIFETIME)
        return key

    def appkey_of(self, key: str, flavour: Flavour) -> str | None:
        """The app key behind a live approval key issued by this host, else None."""
        approval = self._approvals.get(key)
        if approval is None or approval.flavour != flavour:
            return None
        if self._clock.now() >= approval.expires_at:
            return None
        return approval.appkey

    def reset(self) -> None:
        self._approvals.clear()
        self._last_issue.clear()
