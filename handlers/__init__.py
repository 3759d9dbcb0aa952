"""Telegram-facing code only: parse a command, call a kisbot service, render the reply.

Nothing under `kisbot/` imports this package except `kisbot/app.py`, the composition root.
"""
