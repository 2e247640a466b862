"""A persistent SQLite cache of lookups, with a time to live.

Reports are stored as the API's ``data`` object (or nothing, for ``not_found``) under the
normalised key ``"<kind>:<value>"``, so a cached report is rebuilt exactly like a fresh one.
Each fetched report is written as soon as it arrives: a batch interrupted by a crash, a
cancellation or a quota keeps everything it already paid for, and re-running it sends requests
only for what is missing or expired.

SQLite is blocking, so every operation runs on one dedicated thread that owns the connection
(the event loop never waits on disk). The database uses WAL journaling, so readers in other
processes are not blocked by a running batch.

A file that is not this cache is never written to: a file that is not SQLite at all (a text
file), or an SQLite database holding other tables or a ``vt_lookups`` table of another shape,
is a :class:`~asisdk.errors.ConfigurationError` naming the file and what to do, and is left as
it is. An SQLite file too damaged to read (a truncated copy, a crash mid-write on a broken
disk) is only ever a cache: it is moved aside as ``<name>.corrupt-<UTC time>`` with a warning
and a new cache is built in its place. Damage found later, in the middle of a batch, is a
``ConfigurationError`` with the same advice, never a raw ``sqlite3`` error.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import json
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import attrs

from asisdk.errors import ClosedError, ConfigurationError
from asisdk.virustotal import _defaults

__all__ = ["CachedLookup", "VtCache"]

_T = TypeVar("_T")
_log = logging.getLogger("asisdk.virustotal.cache")

#: The first bytes of every SQLite 3 database file.
_SQLITE_MAGIC = b"SQLite format 3\x00"
#: The columns of the one table this cache owns.
_COLUMNS = frozenset({"key", "status", "data", "fetched_at"})

_SCHEMA = """
CREATE TABLE IF NOT EXISTS vt_lookups (
    key TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    data TEXT,
    fetched_at REAL NOT NULL
)
"""


def _create_private(path: Path) -> None:
    """Create the folders (0700) and the database file (0600) before SQLite opens it.

    SQLite gives its ``-wal`` and ``-shm`` files the database file's mode, so they are private
    too. An existing cache file is made private; an existing folder is left as it is (it may be
    one the user shares on purpose).
    """
    missing = [p for p in (path.parent, *path.parent.parents) if not p.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=_defaults.CACHE_DIR_MODE, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, _defaults.CACHE_FILE_MODE)
    try:
        os.fchmod(descriptor, _defaults.CACHE_FILE_MODE)
    finally:
        os.close(descriptor)


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
        seconds = ttl.total_seconds() if isinstance(ttl, dt.timedelta) else float(ttl)
        if seconds <= 0:
            raise ConfigurationError(f"the cache ttl must be positive, got {ttl!r}")
        self.ttl = seconds
        self._clock = clock
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        self._connection: sqlite3.Connection | None = None
        self._closed = False

    def __repr__(self) -> str:
        return f"VtCache(path={str(self.path)!r}, ttl={self.ttl:g}s)"

    # -- thread plumbing -------------------------------------------------------------------

    async def _run(self, function: Callable[[sqlite3.Connection], _T]) -> _T:
        if self._closed:
            raise ClosedError("the VirusTotal cache is closed")
        if self._executor is None:
            self._executor = concurrent.futures.ThreadPoolExecutor(
                max_workers=1, thread_name_prefix="asisdk-vt-cache"
            )
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._with_connection, function)

    def _with_connection(self, function: Callable[[sqlite3.Connection], _T]) -> _T:
        # Runs on the cache thread only: the connection never crosses threads.
        if self._connection is None:
            self._connection = self._open()
        try:
            return function(self._connection)
        except sqlite3.Error as exc:
            raise ConfigurationError(
                f"the VirusTotal cache at {self.path} failed ({type(exc).__name__}: {exc}); "
                "the file may be damaged or locked: delete it (it is only a cache), or pass "
                "another cache path or cache=None"
            ) from exc

    def _open(self) -> sqlite3.Connection:
        try:
            _create_private(self.path)
            self._refuse_foreign_file()
            try:
                connection = self._connect()
            except sqlite3.DatabaseError as exc:
                if isinstance(exc, sqlite3.OperationalError):
                    raise  # locked, read-only, out of disk: not damage
                self._move_aside(exc)
                _create_private(self.path)
                connection = self._connect()
        except (OSError, sqlite3.Error) as exc:
            raise ConfigurationError(
                f"cannot open the VirusTotal cache at {self.path}: {exc}; pass another "
                "cache path or cache=None"
            ) from exc
        return connection

    def _refuse_foreign_file(self) -> None:
        """Refuse a file that is not SQLite at all: it is someone's file, not a cache."""
        with self.path.open("rb") as handle:
            head = handle.read(len(_SQLITE_MAGIC))
        if head and not _SQLITE_MAGIC.startswith(head[: len(_SQLITE_MAGIC)]):
            raise ConfigurationError(
                f"{self.path} is not a VirusTotal cache (it is not an SQLite database; it "
                f"starts with {head[:8]!r}); it was left untouched: pass another cache path, "
                "or delete the file if it is a stale cache"
            )

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, isolation_level=None)
        try:
            tables = {
                row[0]
                for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            if tables and "vt_lookups" not in tables:
                raise ConfigurationError(
                    f"{self.path} is another SQLite database (tables: "
                    f"{', '.join(sorted(tables)[:5])}), not a VirusTotal cache; it was left "
                    "untouched: pass another cache path"
                )
            if "vt_lookups" in tables:
                columns = {row[1] for row in connection.execute("PRAGMA table_info(vt_lookups)")}
                if columns != _COLUMNS:
                    raise ConfigurationError(
                        f"{self.path} has a vt_lookups table of another shape (columns: "
                        f"{', '.join(sorted(columns))}); it is not this version's VirusTotal "
                        "cache and was left untouched: delete it or pass another cache path"
                    )
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute(_SCHEMA)
        except BaseException:
            connection.close()
            raise
        return connection

    def _move_aside(self, exc: sqlite3.Error) -> None:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        self.path.replace(aside)
        for suffix in ("-wal", "-shm"):
            stale = self.path.with_name(self.path.name + suffix)
            if stale.exists():
                stale.replace(aside.with_name(aside.name + suffix))
        _log.warning(
            "the VirusTotal cache at %s is damaged (%s); it was moved to %s and a new, empty "
            "cache is built in its place",
            self.path,
            exc,
            aside,
        )

    async def aclose(self) -> None:
        """Close the database and its thread. Idempotent."""
        if self._closed:
            return
        self._closed = True
        executor, self._executor = self._executor, None
        if executor is not None:
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(executor, self._close_connection)
            executor.shutdown(wait=False)

    def _close_connection(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    # -- operations ------------------------------------------------------------------------

    async def get_many(self, keys: Sequence[str]) -> dict[str, CachedLookup]:
        """The fresh (younger than ``ttl``) entries among ``keys``."""
        if not keys:
            return {}
        oldest = self._clock() - self.ttl
        wanted = list(dict.fromkeys(keys))

        def read(connection: sqlite3.Connection) -> dict[str, CachedLookup]:
            found: dict[str, CachedLookup] = {}
            step = _defaults.CACHE_READ_CHUNK
            for start in range(0, len(wanted), step):
                chunk = wanted[start : start + step]
                marks = ",".join("?" * len(chunk))
                rows = connection.execute(
                    f"SELECT key, status, data, fetched_at FROM vt_lookups "  # noqa: S608
                    f"WHERE fetched_at >= ? AND key IN ({marks})",
                    [oldest, *chunk],
                )
                for key, status, data, fetched_at in rows:
                    try:
                        decoded = None if data is None else json.loads(data)
                    except ValueError:
                        _log.warning("ignoring a corrupt cache entry for %s", key)
                        continue
                    found[key] = CachedLookup(status, decoded, fetched_at)
            return found

        return await self._run(read)

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

        await self._run(write)

    async def purge_expired(self) -> int:
        """Delete expired entries; returns how many were removed."""
        oldest = self._clock() - self.ttl

        def purge(connection: sqlite3.Connection) -> int:
            return connection.execute(
                "DELETE FROM vt_lookups WHERE fetched_at < ?", (oldest,)
            ).rowcount

        return await self._run(purge)

    async def clear(self) -> None:
        """Delete every entry."""
        await self._run(lambda connection: connection.execute("DELETE FROM vt_lookups"))
