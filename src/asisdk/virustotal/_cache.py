"""A persistent SQLite cache of lookups, with a time to live.

Reports are stored as the API's ``data`` object (or nothing, for ``not_found``) under the
normalised key ``"<kind>:<value>"``, so a cached report is rebuilt exactly like a fresh one.
Each fetched report is written as soon as it arrives: a batch interrupted by a crash, a
cancellation or a quota keeps everything it already paid for, and re-running it sends requests
only for what is missing or expired.

The SQLite plumbing (one thread, private files, foreign and damaged files refused or moved
aside) is :class:`asisdk._sqlite.SqliteTable`, shared with the threat-intelligence cache.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from asisdk._sqlite import SqliteTable, positive_seconds, select_in
from asisdk.virustotal import _defaults

__all__ = ["CachedLookup", "VtCache"]

_log = logging.getLogger("asisdk.virustotal.cache")


_SCHEMA = """
CREATE TABLE IF NOT EXISTS vt_lookups (
    key TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    data TEXT,
    fetched_at REAL NOT NULL
)
"""


@attrs.frozen
class CachedLookup:
    """A stored answer: ``status`` (``found`` / ``not_found``), the ``data`` object, its age."""

    status: str
    data: Mapping[str, Any] | None
    fetched_at: float


class VtCache:
    """SQLite file cache of VirusTotal lookups, reused across runs until ``ttl`` expires.

    Args:
        path: the database file (created with its parent directory when missing).
        ttl: how long a stored report is reused (a ``timedelta`` or seconds).
        clock: returns the current Unix time; injectable for tests.

    Examples:
        >>> import asyncio, tempfile, pathlib
        >>> async def demo(path: pathlib.Path) -> int:
        ...     cache = VtCache(path)
        ...     await cache.put("domain:example.com", "not_found", None)
        ...     found = await cache.get_many(["domain:example.com", "domain:other.example"])
        ...     await cache.aclose()
        ...     return len(found)
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     asyncio.run(demo(pathlib.Path(folder) / "vt.sqlite"))
        1
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        ttl: dt.timedelta | float = _defaults.CACHE_TTL,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path).expanduser()
        self.ttl = positive_seconds(ttl)
        self._clock = clock
        self._table = SqliteTable(
            self.path,
            table="vt_lookups",
            schema=_SCHEMA,
            label="VirusTotal cache",
            thread_name="asisdk-vt-cache",
        )

    def __repr__(self) -> str:
        return f"VtCache(path={str(self.path)!r}, ttl={self.ttl:g}s)"

    async def aclose(self) -> None:
        """Close the database and its thread. Idempotent."""
        await self._table.aclose()

    # -- operations ------------------------------------------------------------------------

    async def get_many(self, keys: Sequence[str]) -> dict[str, CachedLookup]:
        """The fresh (younger than ``ttl``) entries among ``keys``."""
        if not keys:
            return {}
        oldest = self._clock() - self.ttl
        wanted = list(dict.fromkeys(keys))

        def read(connection: sqlite3.Connection) -> dict[str, CachedLookup]:
            found: dict[str, CachedLookup] = {}
            rows = select_in(
                connection,
                "SELECT key, status, data, fetched_at FROM vt_lookups "
                "WHERE fetched_at >= ? AND key IN",
                [oldest],
                [(key,) for key in wanted],
                chunk=_defaults.CACHE_READ_CHUNK,
            )
            for key, status, data, fetched_at in rows:
                try:
                    decoded = None if data is None else json.loads(data)
                except ValueError:
                    _log.warning("ignoring a corrupt cache entry for %s", key)
                    continue
                found[key] = CachedLookup(status, decoded, fetched_at)
            return found

        return await self._table.run(read)

    async def put(self, key: str, status: str, data: Mapping[str, Any] | None) -> None:
        """Store (or replace) the answer for ``key`` now."""
        encoded = None if data is None else json.dumps(data, separators=(",", ":"))
        now = self._clock()

        def write(connection: sqlite3.Connection) -> None:
            connection.execute(
                "INSERT OR REPLACE INTO vt_lookups (key, status, data, fetched_at) "
                "VALUES (?, ?, ?, ?)",
                (key, status, encoded, now),
            )

        await self._table.run(write)

    async def purge_expired(self) -> int:
        """Delete expired entries; returns how many were removed."""
        oldest = self._clock() - self.ttl

        def purge(connection: sqlite3.Connection) -> int:
            return connection.execute(
                "DELETE FROM vt_lookups WHERE fetched_at < ?", (oldest,)
            ).rowcount

        return await self._table.run(purge)

    async def clear(self) -> None:
        """Delete every entry."""
        await self._table.run(lambda connection: connection.execute("DELETE FROM vt_lookups"))
