"""The KIS service layer: HTTP, auth, limits and typed results. No Telegram, no SQL."""

from kisbot.kis.client import KisClient
from kisbot.kis.codes import (
    PriceProblem,
    is_stock_code,
    nearest_valid_prices,
    normalize_code,
    price_problem,
    tick_size,
)
from kisbot.kis.credentials import Account, Credential, Environment
from kisbot.kis.errors import (
    KisAuthError,
    KisError,
    KisNotSupportedInMock,
    KisOutcomeUnknown,
    KisRateLimited,
    KisRefusal,
    KisUnavailable,
)
from kisbot.kis.limiter import RateLimiter, SharedBudget
from kisbot.kis.models import (
    Balance,
    BalanceSummary,
    BuyingPower,
    DailyBar,
    Direction,
    Holding,
    OpenOrder,
    OrderReceipt,
    OrderRecord,
    OrderState,
    Priority,
    Quote,
    Side,
)
from kisbot.kis.realtime import (
    ApprovalKey,
    ApprovalStore,
    MemoryApprovalStore,
    Notice,
    NoticeKind,
    Realtime,
    Tick,
)
from kisbot.kis.service import KisService
from kisbot.kis.tokens import AccessToken, MemoryTokenStore, TokenAccess, TokenStore
from kisbot.kis.waits import TokenWait, TokenWaitListener, notify_token_waits

__all__ = [
    "AccessToken",
    "Account",
    "ApprovalKey",
    "ApprovalStore",
    "Balance",
    "BalanceSummary",
    "BuyingPower",
    "Credential",
    "DailyBar",
    "Direction",
    "Environment",
    "Holding",
    "KisAuthError",
    "KisClient",
    "KisError",
    "KisNotSupportedInMock",
    "KisOutcomeUnknown",
    "KisRateLimited",
    "KisRefusal",
    "KisService",
    "KisUnavailable",
    "MemoryApprovalStore",
    "MemoryTokenStore",
    "Notice",
    "NoticeKind",
    "OpenOrder",
    "OrderReceipt",
    "OrderRecord",
    "OrderState",
    "PriceProblem",
    "Priority",
    "Quote",
    "RateLimiter",
    "Realtime",
    "SharedBudget",
    "Side",
    "Tick",
    "TokenAccess",
    "TokenStore",
    "TokenWait",
    "TokenWaitListener",
    "is_stock_code",
    "nearest_valid_prices",
    "normalize_code",
    "notify_token_waits",
    "price_problem",
    "tick_size",
]
