"""Logging set-up: one line per event, quiet HTTP libraries, and secrets masked on the way out.

The code never logs secrets on purpose; the filter here is the second line of defence for the
ones that hide in other libraries' messages: a Telegram bot token inside a URL, a KIS access token
(a JWT) inside an exception.
"""

from __future__ import annotations

import logging
import re

# Shapes of secrets that may pass through third-party log messages.
_SECRET_SHAPES = [
    re.compile(r"(?<!\d)\d{5,}:[A-Za-z0-9_-]{30,}"),  # Telegram bot token, also inside /bot<token>/
    re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),  # JWT (KIS token)
    re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._-]{16,}"),
    # A /setkey command's words (app key, secret, account), e.g. in PTB's DEBUG dump of an update.
    re.compile(r"/setkey(?:@\w+)?[^\S\n]+(?!outcome=)[^'\"\n]*"),
]
_MASK = "[REDACTED]"


class RedactingFilter(logging.Filter):
    """Replaces known secrets and secret-shaped strings in every record's final message."""

    def __init__(self) -> None:
        super().__init__()
        self._literals: set[str] = set()

    def add(self, secret: str) -> None:
        """Mask this exact string wherever it appears (e.g. the configured bot token)."""
        if len(secret) >= 8:
            self._literals.add(secret)

    def redact(self, text: str) -> str:
        for literal in self._literals:
            text = text.replace(literal, _MASK)
        for shape in _SECRET_SHAPES:
            text = shape.sub(_MASK, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        clean = self.redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


redactor = RedactingFilter()


def configure_logging(level: int = logging.INFO) -> None:
    """Log to stderr with the redacting filter on the handler, HTTP libraries at WARNING."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(redactor)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO, and the Bot API's URLs contain the bot token.
    for noisy in ("httpx", "httpcore", "aiohttp.access", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
