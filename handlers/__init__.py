"""Telegram-facing code only: parse a command, call the core, render the reply.

Nothing under `kisbot/` imports this package except `kisbot/app.py`, the composition root, which
calls `register_handlers`. The commands and buttons are tables in handlers/commands.py; the
repeating jobs are scheduled in handlers/jobs.py.
"""

from __future__ import annotations

from telegram.ext import Application

from handlers import commands, errors, fallback, gate, jobs


def register_handlers(application: Application) -> None:
    """Add every handler: the gate first, the commands and buttons, the fallbacks, the error
    handler; then schedule the jobs."""
    gate.register(application)
    commands.register(application)
    fallback.register(application)
    errors.register(application)
    jobs.register(application)
