"""The vault: every secret at rest is Fernet-encrypted and bound to the row that owns it.

Keys come from KISBOT_MASTER_KEY (comma-separated; the first encrypts, all decrypt), or, when it
is unset, from DATA_DIR/master.key, generated once with mode 0600. Fernet has no associated data,
so the owner (for example `credential:42:mock:app_secret`) travels inside the encrypted payload
and is checked on every read: a ciphertext copied onto another row does not decrypt there.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import os
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from kisbot.config import Settings
from kisbot.store.errors import MasterKeyFormatError, SecretBindingError, WrongKeyError

logger = logging.getLogger(__name__)

MASTER_KEY_FILE = "master.key"
_OPENED_LIMIT = 4096  # secrets kept decrypted: about three a user
_KEY_FORMAT_HINT = (
    "expected one or more Fernet keys, comma-separated (make one with `kisbot keygen`)"
)


def generate_key() -> str:
    """A new random Fernet key, as text for KISBOT_MASTER_KEY."""
    return Fernet.generate_key().decode("ascii")


@dataclass(frozen=True, slots=True)
class _Key:
    fernet: Fernet = field(repr=False)
    key_id: str
    index_key: bytes = field(repr=False)  # HMAC key for the token table's lookup hash


def _parse_key(text: str, source: str) -> _Key:
    try:
        raw = base64.urlsafe_b64decode(text.encode("ascii"))
        fernet = Fernet(text.encode("ascii"))
    except (ValueError, binascii.Error, UnicodeEncodeError):
        raise MasterKeyFormatError(f"{source}: {_KEY_FORMAT_HINT}.") from None
    key_id = hashlib.sha256(b"kisbot key id\x00" + raw).hexdigest()[:16]
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"kisbot token index v1")
    return _Key(fernet, key_id, hkdf.derive(raw))


class Vault:
    """Encrypts and decrypts secrets with a list of master keys; the first one encrypts."""

    def __init__(self, keys: list[str], source: str = "KISBOT_MASTER_KEY") -> None:
        parsed = [_parse_key(text.strip(), source) for text in keys if text.strip()]
        if not parsed:
            raise MasterKeyFormatError(f"{source}: {_KEY_FORMAT_HINT}.")
        self._keys = parsed
        self._multi = MultiFernet([key.fernet for key in parsed])
        self._opened: OrderedDict[tuple[str, str], str] = OrderedDict()

    @classmethod
    def from_text(cls, text: str, source: str = "KISBOT_MASTER_KEY") -> Vault:
        return cls(text.split(","), source)

    def __repr__(self) -> str:
        return f"Vault(key_ids={self.key_ids})"

    @property
    def key_id(self) -> str:
        """The id of the key that encrypts (safe to store and to log)."""
        return self._keys[0].key_id

    @property
    def key_ids(self) -> list[str]:
        return [key.key_id for key in self._keys]

    def encrypt(self, owner: str, value: str) -> str:
        """The ciphertext of `value`, readable only as the secret of `owner`."""
        payload = json.dumps({"o": owner, "v": value}, ensure_ascii=False)
        return self._multi.encrypt(payload.encode("utf-8")).decode("ascii")

    def decrypt(self, owner: str, ciphertext: str) -> str:
        """The secret stored for `owner`; raise WrongKeyError or SecretBindingError otherwise.

        A ciphertext read before is not decrypted again: every update reads the user's key from
        the database, and Fernet's check and AES cost more than that read. The same ciphertext
        for the same owner always holds the same secret, so nothing can go stale; a moved or
        altered ciphertext is another entry and is checked in full.
        """
        opened = self._opened.get((owner, ciphertext))
        if opened is not None:
            self._opened.move_to_end((owner, ciphertext))
            return opened
        value = self._open(owner, ciphertext)
        self._opened[(owner, ciphertext)] = value
        if len(self._opened) > _OPENED_LIMIT:
            self._opened.popitem(last=False)
        return value

    def _open(self, owner: str, ciphertext: str) -> str:
        try:
            payload = self._multi.decrypt(ciphertext.encode("ascii"))
        except (InvalidToken, UnicodeEncodeError):
            raise WrongKeyError(
                "A stored secret cannot be decrypted with the configured master key(s). "
                "Set KISBOT_MASTER_KEY (or DATA_DIR/master.key) to the key(s) it was written "
                "with; nothing was changed."
            ) from None
        try:
            data = json.loads(payload)
            bound_owner, value = data["o"], data["v"]
        except (ValueError, KeyError, TypeError):
            bound_owner, value = None, None
        if bound_owner != owner or not isinstance(value, str):
            raise SecretBindingError(
                f"A stored {owner.split(':')[0]} secret does not belong to the row where it was "
                "found; the database may have been altered. Nothing was changed."
            )
        return value

    def lookup_hashes(self, app_key: str, environment: str) -> list[str]:
        """The token table's row key for this app key under each master key, first key first."""
        message = f"{environment}\x00{app_key}".encode()
        return [hmac.new(key.index_key, message, hashlib.sha256).hexdigest() for key in self._keys]

    def lookup_hash(self, app_key: str, environment: str) -> str:
        """The row key new tokens are written under (the first key's)."""
        return self.lookup_hashes(app_key, environment)[0]


def load_vault(settings: Settings) -> Vault:
    """The vault for these settings, generating DATA_DIR/master.key when no key is configured."""
    if settings.master_key is not None and _environment_key(settings):
        return Vault.from_text(settings.master_key.get_secret_value())
    path = Path(settings.data_dir) / MASTER_KEY_FILE
    if not path.exists():
        _write_new_key_file(path)
    elif path.stat().st_mode & 0o077:
        logger.warning("%s is readable by other users; restrict it with chmod 600", path)
    try:
        text = path.read_text(encoding="ascii")
    except UnicodeDecodeError:
        raise MasterKeyFormatError(f"{path}: {_KEY_FORMAT_HINT}.") from None
    return Vault.from_text(text, source=str(path))


def unread_key_file(settings: Settings) -> tuple[Path, Vault | None] | None:
    """DATA_DIR/master.key when KISBOT_MASTER_KEY is set (so the file is not read), else None.

    Returns the file's path and its keys (None if it holds no valid key), so that a key kept
    only there is noticed instead of silently ignored.
    """
    if not _environment_key(settings):
        return None
    path = Path(settings.data_dir) / MASTER_KEY_FILE
    if not path.is_file():
        return None
    try:
        return path, Vault.from_text(path.read_text(encoding="ascii"), source=str(path))
    except (OSError, UnicodeDecodeError, MasterKeyFormatError):
        return path, None


def key_source(settings: Settings) -> str:
    """Where the keys come from, for messages: KISBOT_MASTER_KEY or the master.key path."""
    if _environment_key(settings):
        return "KISBOT_MASTER_KEY"
    return str(Path(settings.data_dir) / MASTER_KEY_FILE)


def _environment_key(settings: Settings) -> bool:
    return settings.master_key is not None and bool(settings.master_key.get_secret_value().strip())


def master_key_configured(settings: Settings) -> bool:
    """Whether a key exists already (in the environment or in DATA_DIR/master.key)."""
    if _environment_key(settings):
        return True
    return (Path(settings.data_dir) / MASTER_KEY_FILE).exists()


def _write_new_key_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_EXCL: if another process made the file first, theirs wins and is read back.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "w", encoding="ascii") as file:
        file.write(generate_key() + "\n")
    os.chmod(path, 0o600)  # the umask may have narrowed it; never widened
    logger.warning(
        "KISBOT_MASTER_KEY is not set, so a new master key was generated in %s (mode 0600). "
        "Back this file up: the stored KIS app keys, secrets and tokens cannot be decrypted "
        "without it. To manage the key yourself, copy it into KISBOT_MASTER_KEY.",
        path.resolve(),
    )
