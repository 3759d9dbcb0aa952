"""The KIS service layer: HTTP, auth, limits and typed results. No Telegram, no SQL."""
