"""The message catalogue: every user-facing sentence, in Korean and English, by key.

Feature modules register their texts (handlers/texts/<feature>.py) under their own prefix, so
no two features edit one file. Texts are `str.format` templates rendered for Telegram's HTML parse
mode. Every plain `str` parameter is external text — what the user typed, a name, KIS's msg1 —
and this is the one place it is made safe to quote: shortened to QUOTE_LIMIT characters (a reply
that quotes a 4,000-character argument stays short) and HTML-escaped, so templates can hold
markup while values cannot. Text the bot built itself is passed as `Markup`, untouched.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

LOCALES = ("ko", "en")
QUOTE_LIMIT = 100  # characters of external text a reply repeats; longer ones end in …
DEFAULT_LOCALE = "ko"

_catalogue: dict[str, dict[str, str]] = {locale: {} for locale in LOCALES}


class Markup(str):
    """Text already safe for HTML (rendered by the catalogue or a formatter); not escaped again."""

    __slots__ = ()


def register(prefix: str, texts: Mapping[str, Mapping[str, str]]) -> None:
    """Add `texts` ({"ko": {key: template}, "en": {...}}) under `prefix.`; both locales required."""
    keys = {locale: set(texts.get(locale, {})) for locale in LOCALES}
    if keys["ko"] != keys["en"]:
        missing = sorted(keys["ko"] ^ keys["en"])
        raise ValueError(f"texts of {prefix!r} differ between ko and en: {missing}")
    for locale in LOCALES:
        for key, template in texts[locale].items():
            _catalogue[locale][f"{prefix}.{key}"] = template


def render(locale: str, key: str, /, **params: Any) -> Markup:
    """The text for `key` in `locale` (falling back to Korean), with parameters escaped."""
    table = _catalogue.get(locale) or _catalogue[DEFAULT_LOCALE]
    template = table.get(key) or _catalogue[DEFAULT_LOCALE].get(key)
    if template is None:
        raise KeyError(f"no text for {key!r}")
    safe = {name: _escape(value) for name, value in params.items()}
    return Markup(template.format(**safe))


def quoted(text: str) -> str:
    """External text as a reply repeats it: long enough to recognise, never a wall of text."""
    return text if len(text) <= QUOTE_LIMIT else text[: QUOTE_LIMIT - 1] + "…"


def has_text(key: str) -> bool:
    return key in _catalogue[DEFAULT_LOCALE]


def _escape(value: Any) -> Any:
    if isinstance(value, Markup):
        return value
    if isinstance(value, str):
        return html.escape(quoted(value), quote=False)
    return value
