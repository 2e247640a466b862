"""The SQLite plumbing every persistent cache shares: one thread, one table, no damage spread.

SQLite is blocking, so a :class:`SqliteTable` runs every operation on one dedicated thread that
owns the connection (the event loop never waits on disk, and the connection never crosses
threads). The database uses WAL journaling, so readers in other processes are not blocked by a
running batch. The file and its folders are created private to the user before SQLite opens
them (SQLite gives its ``-wal`` and ``-shm`` files the database file's mode).

A file that is not this cache is never written to: a file that is not SQLite at all, or an
SQLite database holding other tables or the cache's table in another shape, is a
:class:`~asisdk.errors.ConfigurationError` naming the file and what to do, and is left as it
is. An SQLite file too damaged to read is only ever a cache: it is moved aside as
``<name>.corrupt-<UTC time>`` with a warning and a new cache is built in its place. Damage
found later, in the middle of a batch, is a ``ConfigurationError`` with the same advice, never
a raw ``sqlite3`` error.

The VirusTotal cache (:mod:`asisdk.virustotal`) and the threat-intelligence cache
(:mod:`asisdk.ti`) each own one table through this class.

Examples:
    >>> import asyncio, tempfile, pathlib
    >>> async def demo(path: pathlib.Path) -> int:
    ...     table = SqliteTable(path, table="notes", schema=(
    ...         "CREATE TABLE IF NOT EXISTS notes (key TEXT PRIMARY KEY, body TEXT)"),
    ...         label="notes cache")
    ...     await table.run(lambda c: c.execute("INSERT INTO notes VALUES ('a', 'b')"))
    ...     count = await table.run(lambda c: c.execute("SELECT count(*) FROM notes").fetchone()[0])
    ...     await table.aclose()
    ...     return int(count)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     asyncio.run(demo(pathlib.Path(folder) / "notes.sqlite"))
    1
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import datetime as dt
import logging
import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Final, TypeVar

from asisdk.errors import ClosedError, ConfigurationError

__all__ = ["SqliteTable", "positive_seconds", "select_in"]

_T = TypeVar("_T")
_log = logging.getLogger("asisdk.cache")

#: The first bytes of every SQLite 3 database file.
_SQLITE_MAGIC: Final = b"SQLite format 3\x00"
#: A cache file is readable by its user only; its folders are the user's only when we make them.
FILE_MODE: Final = 0o600
DIR_MODE: Final = 0o700


def create_private(path: Path) -> None:
    """Create the folders (0700) and the database file (0600) before SQLite opens it.

    An existing cache file is made private; an existing folder is left as it is (it may be one
    the user shares on purpose).
    """
    missing = [p for p in (path.parent, *path.parent.parents) if not p.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=DIR_MODE, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
    try:
        os.fchmod(descriptor, FILE_MODE)
    finally:
        os.close(descriptor)


def positive_seconds(value: dt.timedelta | float) -> float:
    """A cache time to live in seconds; refused unless positive."""
    seconds = value.total_seconds() if isinstance(value, dt.timedelta) else float(value)
    if not seconds > 0:
        raise ConfigurationError(f"a cache time to live (ttl) must be positive, got {value!r}")
    return seconds


def select_in(
    connection: sqlite3.Connection,
    select: str,
    params: Sequence[object],
    keys: Sequence[tuple[object, ...]],
    *,
    chunk: int,
) -> Iterator[tuple[Any, ...]]:
    """The rows of ``select`` (ending in ``... IN``) over ``keys``, ``chunk`` keys a statement.

    SQLite bounds the parameters of one statement, so a long key list is read in chunks;
    ``params`` go before each chunk's keys.
    """
    if not keys:
        return
    mark = "(" + ", ".join("?" * len(keys[0])) + ")"
    for start in range(0, len(keys), chunk):
        part = keys[start : start + chunk]
        flat = [item for key in part for item in key]
        yield from connection.execute(
            f"{select} (VALUES {','.join([mark] * len(part))})", [*params, *flat]
        )


def _columns_of(schema: str, table: str) -> frozenset[str]:
    """The column names ``schema`` gives ``table`` (read by SQLite itself, in memory)."""
    with contextlib.closing(sqlite3.connect(":memory:")) as connection:
        connection.execute(schema)
        rows = connection.execute(f"PRAGMA table_info({table})").fetchall()
    if not rows:
        raise ConfigurationError(f"the cache schema does not create the table {table!r}")
    return frozenset(row[1] for row in rows)


class SqliteTable:
    """One cache table in one SQLite file, served by one thread.

    Args:
        path: the database file (created, private to the user, with its folders).
        table: the one table this cache owns.
        schema: the ``CREATE TABLE IF NOT EXISTS`` statement of ``table``; an existing table
            whose columns differ from it is refused.
        label: how messages name the cache (``"VirusTotal cache"``).
        thread_name: the prefix of the thread's name.
    """

    def __init__(
        self,
        path: Path,
        *,
        table: str,
        schema: str,
        label: str,
        thread_name: str = "asisdk-cache",
    ) -> None:
        self.path = path
        self.table = table
        self.label = label
        self._schema = schema
        self._columns = _columns_of(schema, table)
        self._thread_name = thread_name
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        self._connection: sqlite3.Connection | None = None
        self.closed = False

    def __repr__(self) -> str:
        return f"SqliteTable(path={str(self.path)!r}, table={self.table!r})"

    async def run(self, function: Callable[[sqlite3.Connection], _T]) -> _T:
        """Run ``function(connection)`` on the cache thread and return its result."""
        if self.closed:
            raise ClosedError(f"the {self.label} is closed")
        if self._executor is None:
            self._executor = concurrent.futures.ThreadPoolExecutor(
                max_workers=1, thread_name_prefix=self._thread_name
            )
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._with_connection, function)

    async def aclose(self) -> None:
        """Close the database and its thread. Idempotent."""
        if self.closed:
            return
        self.closed = True
        executor, self._executor = self._executor, None
        if executor is not None:
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(executor, self._close_connection)
            executor.shutdown(wait=False)

    # -- on the cache thread ---------------------------------------------------------------

    def _with_connection(self, function: Callable[[sqlite3.Connection], _T]) -> _T:
        if self._connection is None:
            self._connection = self._open()
        try:
            return function(self._connection)
        except sqlite3.Error as exc:
            raise ConfigurationError(
                f"the {self.label} at {self.path} failed ({type(exc).__name__}: {exc}); the "
                "file may be damaged or locked: delete it (it is only a cache), or pass "
                "another cache path or cache=None"
            ) from exc

    def _close_connection(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _open(self) -> sqlite3.Connection:
        try:
            create_private(self.path)
            self._refuse_foreign_file()
            try:
                connection = self._connect()
            except sqlite3.DatabaseError as exc:
                if isinstance(exc, sqlite3.OperationalError):
                    raise  # locked, read-only, out of disk: not damage
                self._move_aside(exc)
                create_private(self.path)
                connection = self._connect()
        except (OSError, sqlite3.Error) as exc:
            raise ConfigurationError(
                f"cannot open the {self.label} at {self.path}: {exc}; pass another cache path "
                "or cache=None"
            ) from exc
        return connection

    def _refuse_foreign_file(self) -> None:
        """Refuse a file that is not SQLite at all: it is someone's file, not a cache."""
        with self.path.open("rb") as handle:
            head = handle.read(len(_SQLITE_MAGIC))
        if head and not _SQLITE_MAGIC.startswith(head[: len(_SQLITE_MAGIC)]):
            raise ConfigurationError(
                f"{self.path} is not a {self.label} (it is not an SQLite database; it starts "
                f"with {head[:8]!r}); it was left untouched: pass another cache path, or "
                "delete the file if it is a stale cache"
            )

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, isolation_level=None)
        try:
            tables = {
                row[0]
                for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            if tables and self.table not in tables:
                raise ConfigurationError(
                    f"{self.path} is another SQLite database (tables: "
                    f"{', '.join(sorted(tables)[:5])}), not a {self.label}; it was left "
                    "untouched: pass another cache path"
                )
            if self.table in tables:
                columns = {row[1] for row in connection.execute(f"PRAGMA table_info({self.table})")}
                if columns != self._columns:
                    raise ConfigurationError(
                        f"{self.path} has a {self.table} table of another shape (columns: "
                        f"{', '.join(sorted(columns))}); it is not this version's {self.label} "
                        "and was left untouched: delete it or pass another cache path"
                    )
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute(self._schema)
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
            "the %s at %s is damaged (%s); it was moved to %s and a new, empty cache is built "
            "in its place",
            self.label,
            self.path,
            exc,
            aside,
        )
