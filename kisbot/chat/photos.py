"""Where the terminal chat keeps the pictures the bot sends, so a person can open them.

A terminal cannot show a chart, so `kisbot demo` writes each photo to a numbered file
(`001-삼성전자-005930-최근-20거래일.png`, ...) and prints its path in the transcript.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from kisbot.chat.models import StoredFile

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
NAME_LIMIT = 40
_NUMBERED = re.compile(r"^(\d+)-")
_NOT_A_WORD = re.compile(r"\W+")


class PhotoFolder:
    """Saves photos as numbered files in one directory, made when the first photo comes.

    Without a directory, a new one is made in the system's temporary directory and left there:
    the demo's own temporary data directory is removed when the demo ends, and a chart the
    transcript pointed to should still open afterwards. Numbering continues after the files
    already there, so a kept directory never has an earlier chart overwritten.
    """

    def __init__(self, directory: Path | None = None) -> None:
        self._directory = directory
        self._ready = False
        self._last_number = 0

    @property
    def directory(self) -> Path | None:
        """The directory, once known (a temporary one only exists after the first photo)."""
        return self._directory

    def save(self, photo: StoredFile, caption: str | None) -> Path:
        """Write the photo's bytes to the next numbered file and give its absolute path.

        Raises OSError when the directory or the file cannot be written.
        """
        directory = self._prepare()
        self._last_number += 1
        path = directory / f"{self._last_number:03d}-{file_stem(caption)}{suffix_of(photo)}"
        path.write_bytes(photo.data)
        return path

    def _prepare(self) -> Path:
        if self._directory is None:
            self._directory = Path(tempfile.mkdtemp(prefix="kisbot-demo-photos-"))
        if not self._ready:
            self._directory = self._directory.absolute()
            self._directory.mkdir(parents=True, exist_ok=True)
            numbers = (_NUMBERED.match(entry.name) for entry in self._directory.iterdir())
            self._last_number = max((int(match[1]) for match in numbers if match), default=0)
            self._ready = True
        return self._directory


def file_stem(caption: str | None) -> str:
    """The caption's words joined by dashes (at most NAME_LIMIT characters), or "photo"."""
    words = _NOT_A_WORD.sub("-", caption or "").strip("-_")
    return words[:NAME_LIMIT].rstrip("-_") or "photo"


def suffix_of(photo: StoredFile) -> str:
    """.png for a PNG (the bot's charts), else the uploaded name's suffix, else .bin."""
    if photo.data.startswith(PNG_MAGIC):
        return ".png"
    suffix = Path(photo.filename or "").suffix
    return suffix if suffix.isascii() and suffix[1:].isalnum() and len(suffix) <= 6 else ".bin"
