"""Real time over KIS's WebSocket: a session per app key, typed events out. No SQL, no Telegram."""

from kisbot.kis.realtime.events import Notice, NoticeKind, RealtimeEvent, Tick

__all__ = ["Notice", "NoticeKind", "RealtimeEvent", "Tick"]
