"""The one error the services raise for things a user can put right.

Services are transport-neutral: they do not know Telegram or a language. When a request cannot be
done as asked (no key registered, a price off the tick, an unknown name), they raise `Problem`
with a catalogue key and parameters; the Telegram side renders the key in the user's language.
KIS's own refusals stay `kisbot.kis.KisError`s, which carry msg1 for the user.
"""

from __future__ import annotations

from typing import Any


class Problem(Exception):
    """A request that cannot be done as asked; `key` names its text in the catalogue."""

    def __init__(self, key: str, /, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params

    def __repr__(self) -> str:
        return f"Problem({self.key!r}, {self.params!r})"
