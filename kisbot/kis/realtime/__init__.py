"""Real time over KIS's WebSocket: a session per app key, typed events out. No SQL, no Telegram."""

from kisbot.kis.realtime.approval import (
    ApprovalKey,
    ApprovalKeys,
    ApprovalStore,
    MemoryApprovalStore,
)
from kisbot.kis.realtime.events import Notice, NoticeKind, RealtimeEvent, Tick
from kisbot.kis.realtime.hub import Realtime, SessionStatus
from kisbot.kis.realtime.session import SessionState, Sink

__all__ = [
    "ApprovalKey",
    "ApprovalKeys",
    "ApprovalStore",
    "MemoryApprovalStore",
    "Notice",
    "NoticeKind",
    "Realtime",
    "RealtimeEvent",
    "SessionState",
    "SessionStatus",
    "Sink",
    "Tick",
]
