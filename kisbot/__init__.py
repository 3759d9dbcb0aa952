"""kisbot: a self-hosted Telegram bot for the Korea Investment & Securities Open API."""

__version__ = "0.1.0"
