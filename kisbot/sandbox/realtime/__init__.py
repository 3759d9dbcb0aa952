"""KIS's real-time WebSocket in the sandbox (kis-api §7): sessions, ticks and notices."""

from kisbot.sandbox.realtime.hub import Realtime, SessionStats

__all__ = ["Realtime", "SessionStats"]
