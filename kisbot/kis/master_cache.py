"""KIS's master zips (domestic and overseas), downloaded at most once per `max_age` into a
cache directory and read back from it when KIS cannot be reached.

One download-and-cache routine for every master file: the caller says which file and how to
parse it. A download that fails, or is not a readable zip, or holds nothing, leaves the cached
copy in use (logged); without a copy the answer is empty.
"""

from __future__ import annotations

import logging
import os
import zipfile
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar

import httpx

from kisbot.clock import Clock

logger = logging.getLogger(__name__)

T = TypeVar("T")


def reload_due(
    loaded_at: datetime | None,
    now: datetime,
    max_age: timedelta,
    retry_after: timedelta,
    complete: bool,
) -> bool:
    """Whether a directory built from master files should be built again: never built, a day
    old, or short of a file and `retry_after` old (the download may work now)."""
    if loaded_at is None:
        return True
    age = now - loaded_at
    return age >= max_age or (not complete and age >= retry_after)


class MasterFileCache:
    """Master zips from `base_url`, cached in `cache_dir` with our clock's time as mtime."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        base_url: str,
        cache_dir: Path,
        clock: Clock,
        *,
        max_age: timedelta = timedelta(days=1),
    ) -> None:
        self._client = client
        self._base_url = base_url.rstrip("/")
        self._cache_dir = Path(cache_dir)
        self._clock = clock
        self._max_age = max_age

    async def read(self, file_name: str, parse: Callable[[bytes], list[T]], label: str) -> list[T]:
        """The entries of `file_name` (a zip on the host), fresh or cached; [] when neither.
        `label` names the file in the log ("KOSPI master")."""
        path = self._cache_dir / file_name
        cached = _read_cache(path, parse)
        if cached and not self._is_stale(path):
            return cached
        downloaded = await self._download(file_name, parse, label)
        if downloaded is not None:
            data, entries = downloaded
            self._store(path, data)
            return entries
        if cached:
            logger.warning("%s: using cached copy from %s", label, self._cached_at(path))
        return cached

    async def _download(
        self, file_name: str, parse: Callable[[bytes], list[T]], label: str
    ) -> tuple[bytes, list[T]] | None:
        try:
            response = await self._client.get(f"{self._base_url}/{file_name}")
            response.raise_for_status()
            entries = parse(response.content)
        except httpx.HTTPStatusError as exc:
            logger.warning("%s download failed: HTTP %d", label, exc.response.status_code)
            return None
        except httpx.HTTPError as exc:
            logger.warning("%s download failed: %s", label, type(exc).__name__)
            return None
        except (zipfile.BadZipFile, ValueError):
            logger.warning("%s download was not a readable master zip", label)
            return None
        if not entries:
            logger.warning("%s download held no symbols", label)
            return None
        return response.content, entries

    def _store(self, path: Path, data: bytes) -> None:
        # Written beside and renamed, so a crash never leaves half a zip; the mtime records the
        # download time on our clock, which is what staleness is measured against.
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(".part")
            partial.write_bytes(data)
            stamp = self._clock.now().timestamp()
            os.utime(partial, (stamp, stamp))
            partial.replace(path)
        except OSError as exc:
            logger.warning("could not cache %s: %s", path.name, type(exc).__name__)

    def _is_stale(self, path: Path) -> bool:
        cached_at = self._cached_at(path)
        return cached_at is None or self._clock.now() - cached_at >= self._max_age

    def _cached_at(self, path: Path) -> datetime | None:
        try:
            return datetime.fromtimestamp(path.stat().st_mtime, tz=self._clock.now().tzinfo)
        except OSError:
            return None


def _read_cache(path: Path, parse: Callable[[bytes], list[T]]) -> list[T]:
    try:
        return parse(path.read_bytes())
    except FileNotFoundError:
        return []
    except (OSError, zipfile.BadZipFile, ValueError):
        logger.warning("cached %s is unreadable; ignoring it", path.name)
        return []
