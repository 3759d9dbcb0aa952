"""What the user typed to /setkey, /mode and /lang: environments, locales, a credential."""

from __future__ import annotations

import re
from collections.abc import Sequence

from kisbot.kis import Account, Credential, Environment
from kisbot.problems import Problem

_ENVIRONMENT_WORDS = {
    "mock": Environment.MOCK,
    "모의": Environment.MOCK,
    "모의투자": Environment.MOCK,
    "real": Environment.REAL,
    "실전": Environment.REAL,
    "실전투자": Environment.REAL,
}
# A KIS login ID: letters and digits (KIS allows a few marks too); never echoed back.
_HTS_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{1,19}$")
_LOCALE_WORDS = {"ko": "ko", "kr": "ko", "한국어": "ko", "en": "en", "english": "en", "영어": "en"}


def parse_locale(word: str) -> str | None:
    """ko/en (also 한국어, english, …) as a locale; None for anything else."""
    return _LOCALE_WORDS.get(word.strip().lower())


def parse_environment(word: str) -> Environment | None:
    """mock/real (also 모의, 실전, …) as an Environment; None for anything else."""
    return _ENVIRONMENT_WORDS.get(word.strip().lower())


def parse_setkey(words: Sequence[str]) -> Credential:
    """The credential in `/setkey APP_KEY APP_SECRET 12345678-01 [mock|real] [HTS_ID]`.

    The HTS ID comes after the environment, which must then be written out: a fourth word
    is always the environment, so a mistyped `real` is never taken for an HTS ID.

    Problems never repeat what was typed: any word may be a secret in the wrong place.
    """
    if not words:
        raise Problem("keys.setkey_usage")
    if len(words) < 3:
        raise Problem("keys.setkey_missing")
    if len(words) > 5:
        raise Problem("keys.setkey_too_many")
    try:
        account = Account.parse(words[2])
    except ValueError:
        raise Problem("keys.setkey_account") from None
    environment = parse_environment(words[3]) if len(words) >= 4 else Environment.MOCK
    if environment is None:
        raise Problem("keys.setkey_environment")
    hts_id = words[4] if len(words) == 5 else None
    if hts_id is not None and not _HTS_ID.match(hts_id):
        raise Problem("keys.setkey_hts_id")
    return Credential(words[0], words[1], account, environment, hts_id=hts_id)
