"""What the control API can make go wrong, and the log of what clients asked for.

A fault applies to the next `count` calls of a path on one host or both: an HTTP 500 with no KIS
body (a gateway crash), a delay before the normal answer, EGW00201, or any rt_cd / msg_cd / msg1
with any status (40910000 "모의투자 주문이 불가한 계좌입니다." for example). The request log holds
method, path, tr_id, host, time and status; never headers, tokens, keys or bodies.
"""

from __future__ import annotations

from collections import deque
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Literal

from kisbot.sandbox.messages import Flavour

FaultKind = Literal["http500", "delay", "rate_limit", "kis_error"]
FAULT_KINDS: tuple[str, ...] = ("http500", "delay", "rate_limit", "kis_error")
LOG_LIMIT = 10_000


@dataclass(slots=True)
class Fault:
    """One injected misbehaviour; `path` is a full path, a path suffix, or "*" for any."""

    path: str
    kind: FaultKind = "http500"
    count: int = 1
    delay: float = 0.0
    rt_cd: str = "1"
    msg_cd: str = ""
    msg1: str = ""
    status: int = 200
    flavour: Flavour | None = None

    def matches(self, path: str, flavour: Flavour) -> bool:
        if self.flavour is not None and self.flavour != flavour:
            return False
        if self.path == "*":
            return True
        return path == self.path if self.path.startswith("/") else path.endswith(self.path)


class FaultBook:
    """Faults waiting for their calls, first injected first used."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        if fault.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {fault.kind!r}; one of {', '.join(FAULT_KINDS)}")
        if fault.count < 1:
            raise ValueError("count must be at least 1")
        self._faults.append(fault)

    def take(self, path: str, flavour: Flavour) -> Fault | None:
        """The fault for this call, if any, counting it as used."""
        for fault in self._faults:
            if fault.matches(path, flavour):
                fault.count -= 1
                if fault.count <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def pending(self) -> list[dict[str, Any]]:
        return [asdict(fault) for fault in self._faults]

    def clear(self) -> None:
        self._faults.clear()


@dataclass(frozen=True, slots=True)
class LoggedRequest:
    """One call as the sandbox saw it (no secrets)."""

    flavour: Flavour
    method: str
    path: str
    tr_id: str
    time: datetime
    status: int

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "time": self.time.isoformat()}


class RequestLog:
    """The most recent LOG_LIMIT calls, oldest first."""

    def __init__(self) -> None:
        self._entries: deque[LoggedRequest] = deque(maxlen=LOG_LIMIT)

    def append(self, entry: LoggedRequest) -> None:
        self._entries.append(entry)

    def entries(
        self, path: str | None = None, *, flavour: Flavour | None = None, tr_id: str | None = None
    ) -> list[LoggedRequest]:
        """Calls filtered by path (full or suffix), host and tr_id."""
        return [
            entry
            for entry in self._entries
            if (path is None or entry.path == path or entry.path.endswith(path))
            and (flavour is None or entry.flavour == flavour)
            and (tr_id is None or entry.tr_id == tr_id)
        ]

    def clear(self) -> None:
        self._entries.clear()
