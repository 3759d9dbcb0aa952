"""Telegram-facing code only: parse a command, call a kisbot service, render the reply.

Nothing under `kisbot/` imports this package except `kisbot/app.py`, the composition root, which
calls `register_handlers`. Each feature module exposes `register(application)`.
"""

from __future__ import annotations

from telegram.ext import Application

from handlers import account, alerts, errors, fallback, gate, keys, quotes, start, trading


def register_handlers(application: Application) -> None:
    """Add every handler: the gate first, the features, then the fallbacks and error handler."""
    gate.register(application)
    for feature in (start, keys, quotes, account, trading, alerts):
        feature.register(application)
    fallback.register(application)
    errors.register(application)
