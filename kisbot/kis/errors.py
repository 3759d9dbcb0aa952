"""Everything that can go wrong talking to KIS, as one small hierarchy.

    KisError                      any failure of a KIS call; carries method, path and tr_id
    ├── KisRefusal                KIS answered and said no: msg_cd, msg1 (shown to users)
    │   ├── KisAuthError          the key, secret or token was refused (EGW00103, EGW00121, ...)
    │   └── KisRateLimited        too many calls or token issuances (EGW00201, EGW00133)
    ├── KisUnavailable            no usable answer: timeout, connection error, HTTP 5xx without a
    │                             KIS body; for an order, only when nothing was sent
    ├── KisNotSupportedInMock     the API does not exist for mock accounts; nothing was sent
    └── KisOutcomeUnknown         an order, cancel or modify was sent and its answer was lost;
                                  it may or may not have been executed (check today's orders)

Every error names the request it came from (method, path without the query, tr_id) and nothing
secret: no app key or secret, no token, no account number.
"""

from __future__ import annotations


class KisError(Exception):
    """A KIS call failed; `method`, `path` and `tr_id` say which call."""

    def __init__(self, message: str, *, method: str = "", path: str = "", tr_id: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.method = method
        self.path = path
        self.tr_id = tr_id

    @property
    def request_label(self) -> str:
        """`GET /uapi/... [FHKST01010100]`, safe to log."""
        label = f"{self.method} {self.path}".strip()
        return f"{label} [{self.tr_id}]" if self.tr_id else label

    def __str__(self) -> str:
        where = self.request_label
        return f"{self.message} ({where})" if where else self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"


class KisRefusal(KisError):
    """KIS answered with a refusal (`rt_cd` not "0", or a token error body)."""

    def __init__(
        self,
        msg_cd: str,
        msg1: str,
        *,
        rt_cd: str = "",
        http_status: int | None = None,
        method: str = "",
        path: str = "",
        tr_id: str = "",
    ) -> None:
        self.msg_cd = msg_cd
        self.msg1 = msg1.strip()
        self.rt_cd = rt_cd
        self.http_status = http_status
        text = f"{self.msg1} [{msg_cd}]" if msg_cd else self.msg1 or "refused by KIS"
        super().__init__(text, method=method, path=path, tr_id=tr_id)


class KisAuthError(KisRefusal):
    """KIS refused the app key, the secret or the access token."""


class KisRateLimited(KisRefusal):
    """KIS kept refusing for too many calls (or token issuances) after our bounded waits."""


class KisUnavailable(KisError):
    """KIS could not be reached or gave no usable answer (after retries, for reads)."""


class KisNotSupportedInMock(KisError):
    """The operation exists only for real accounts; no request was sent."""


class KisOutcomeUnknown(KisError):
    """An order, cancel or modify was sent but its answer was lost; it was not resent."""
