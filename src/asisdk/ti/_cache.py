"""One persistent SQLite cache shared by every provider, keyed by (provider, type, value).

Only answers (``found``, ``not_found``) are stored, each with its own expiry: the time to live
depends on the verdict (:data:`asisdk.ti._defaults.TTL_BY_VERDICT`) and is shortest for
``not_found``. Each answer is queued for writing as soon as it arrives and written in the
background, in one transaction per batch of what arrived meanwhile (a commit per answer would
make the disk, not the providers' quotas, the limit of a large batch); a batch interrupted by
a crash, a cancellation or a quota keeps what it paid for (all but the answers of the last few
milliseconds), and a re-run asks only what is missing or expired.

The SQLite plumbing (one thread that owns the connection, private files, WAL journaling,
foreign files refused and damaged ones moved aside) is :class:`asisdk._sqlite.SqliteTable`,
shared with the VirusTotal cache.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import json
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from asisdk._sqlite import SqliteTable, positive_seconds, select_in
from asisdk.errors import ClosedError, ConfigurationError
from asisdk.ti import _defaults
from asisdk.ti._model import TiResult, TiStatus, Verdict

__all__ = ["TiCache"]

_log = logging.getLogger("asisdk.ti.cache")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS ti_lookups (
    provider TEXT NOT NULL,
    type TEXT NOT NULL,
    value TEXT NOT NULL,
    status TEXT NOT NULL,
    verdict TEXT NOT NULL,
    severity INTEGER NOT NULL,
    reasons TEXT NOT NULL,
    raw TEXT,
    permalink TEXT,
    fetched_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    PRIMARY KEY (provider, type, value)
)
"""
_STORED = frozenset({TiStatus.FOUND, TiStatus.NOT_FOUND})


_INSERT = (
    "INSERT OR REPLACE INTO ti_lookups (provider, type, value, status, verdict, severity, "
    "reasons, raw, permalink, fetched_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _write_rows(connection: sqlite3.Connection, rows: list[tuple[object, ...]]) -> None:
    """Write a batch of answers in one transaction (runs on the cache thread)."""
    connection.execute("BEGIN")
    try:
        connection.executemany(_INSERT, rows)
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


class TiCache:
    """SQLite cache of threat-intelligence answers, shared by all providers.

    Args:
        path: the database file (created, private to the user, with its folders).
        ttl: time to live per verdict (``{"malicious": timedelta(days=1), ...}``); verdicts
            not named keep their default.
        not_found_ttl: time to live of ``not_found`` answers.
        clock: the current Unix time (injectable for tests).

    Examples:
        >>> import asyncio, tempfile, pathlib
        >>> from asisdk.ti import TiResult, TiStatus
        >>> async def demo(path: pathlib.Path) -> int:
        ...     cache = TiCache(path)
        ...     miss = TiResult(observable="1.1.1.1", type="ipv4", value="1.1.1.1",
        ...                     provider="tor", status=TiStatus.NOT_FOUND)
        ...     await cache.put(miss)
        ...     found = await cache.get_many("tor", [("ipv4", "1.1.1.1"), ("ipv4", "9.9.9.9")])
        ...     await cache.aclose()
        ...     return len(found)
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     asyncio.run(demo(pathlib.Path(folder) / "ti.sqlite"))
        1
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        ttl: Mapping[str, dt.timedelta | float] | None = None,
        not_found_ttl: dt.timedelta | float = _defaults.TTL_NOT_FOUND,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path).expanduser()
        merged: dict[str, dt.timedelta | float] = {**_defaults.TTL_BY_VERDICT, **(ttl or {})}
        unknown = set(merged) - {v.value for v in Verdict}
        if unknown:
            raise ConfigurationError(f"unknown verdicts in ttl: {sorted(unknown)}")
        self.ttl = {Verdict(name): positive_seconds(value) for name, value in merged.items()}
        self.not_found_ttl = positive_seconds(not_found_ttl)
        self._clock = clock
        self._table = SqliteTable(
            self.path,
            table="ti_lookups",
            schema=_SCHEMA,
            label="threat-intelligence cache",
            thread_name="asisdk-ti-cache",
        )
        self._pending: list[tuple[object, ...]] = []
        self._writer: asyncio.Task[None] | None = None

    def __repr__(self) -> str:
        return f"TiCache(path={str(self.path)!r})"

    async def aclose(self) -> None:
        """Write what is queued, then close the database and its thread. Idempotent."""
        if self._table.closed:
            return
        await self.flush()
        await self._table.aclose()

    # -- operations ------------------------------------------------------------------------

    def expiry(self, result: TiResult) -> float:
        """Seconds a result is reused for."""
        if result.status is TiStatus.NOT_FOUND:
            return self.not_found_ttl
        return self.ttl[result.verdict]

    async def get_many(
        self, provider: str, keys: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], TiResult]:
        """The unexpired answers of ``provider`` for ``(type, value)`` keys.

        The results carry ``cached=True`` and the normalised value as ``observable`` (the
        caller puts the input text back).
        """
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return {}
        await self.flush()
        now = self._clock()

        def read(connection: sqlite3.Connection) -> dict[tuple[str, str], TiResult]:
            found: dict[tuple[str, str], TiResult] = {}
            rows = select_in(
                connection,
                "SELECT type, value, status, verdict, severity, reasons, raw, permalink "
                "FROM ti_lookups WHERE provider = ? AND expires_at > ? AND (type, value) IN",
                [provider, now],
                wanted,
                chunk=_defaults.CACHE_READ_CHUNK,
            )
            for kind, value, status, verdict, severity, reasons, raw, link in rows:
                try:
                    decoded: Any = {} if raw is None else json.loads(raw)
                    result = TiResult(
                        observable=value,
                        type=kind,
                        value=value,
                        provider=provider,
                        status=TiStatus(status),
                        verdict=Verdict(verdict),
                        severity=int(severity),
                        reasons=tuple(json.loads(reasons)),
                        raw=decoded if isinstance(decoded, dict) else {},
                        permalink=link,
                        cached=True,
                    )
                except ValueError:
                    _log.warning("ignoring a corrupt cache entry for %s %s", provider, value)
                    continue
                found[(kind, value)] = result
            return found

        return await self._table.run(read)

    async def put(self, result: TiResult) -> None:
        """Queue an answer for writing (``found`` / ``not_found``; others are ignored).

        Returns at once; the answer is written in the background with whatever else arrives
        meanwhile. :meth:`flush` waits until everything queued is written.
        """
        if self._table.closed:
            raise ClosedError("the threat-intelligence cache is closed")
        if result.status not in _STORED or result.type is None or result.value is None:
            return
        now = self._clock()
        row = (
            result.provider,
            result.type,
            result.value,
            result.status.value,
            result.verdict.value,
            result.severity,
            json.dumps(list(result.reasons)),
            json.dumps(dict(result.raw), separators=(",", ":"), default=str),
            result.permalink,
            now,
            now + self.expiry(result),
        )
        self._pending.append(row)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._write_pending())

    async def flush(self) -> None:
        """Wait until every queued answer is written."""
        while self._writer is not None and not self._writer.done():
            await asyncio.shield(self._writer)
        if self._writer is not None and self._writer.done() and not self._writer.cancelled():
            error = self._writer.exception()
            self._writer = None
            if error is not None:
                raise error
        if self._pending:
            await self._write_pending()

    async def _write_pending(self) -> None:
        while self._pending:
            rows, self._pending = self._pending, []

            await self._table.run(functools.partial(_write_rows, rows=rows))

    async def purge_expired(self) -> int:
        """Delete expired answers; returns how many were removed."""
        await self.flush()
        now = self._clock()
        return await self._table.run(
            lambda c: c.execute("DELETE FROM ti_lookups WHERE expires_at <= ?", (now,)).rowcount
        )

    async def clear(self) -> None:
        """Delete every answer."""
        await self.flush()
        await self._table.run(lambda c: c.execute("DELETE FROM ti_lookups"))
