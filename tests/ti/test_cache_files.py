"""The threat-intelligence cache refuses files that are not its own and rebuilds damaged ones.

It shares this with the VirusTotal cache through :mod:`asisdk._sqlite`.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import stat
from pathlib import Path

import pytest

from asisdk.errors import ConfigurationError
from asisdk.ti import TiResult, TiStatus
from asisdk.ti._cache import TiCache


def _miss(value: str) -> TiResult:
    return TiResult(
        observable=value, type="ipv4", value=value, provider="tor", status=TiStatus.NOT_FOUND
    )


async def _store_and_read(path: Path) -> int:
    cache = TiCache(path)
    try:
        await cache.put(_miss("1.1.1.1"))
        await cache.flush()
        found = await cache.get_many("tor", [("ipv4", "1.1.1.1")])
    finally:
        await cache.aclose()
    return len(found)


def test_a_text_file_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("my investigation notes\n")
    with pytest.raises(ConfigurationError, match="not an SQLite database") as caught:
        asyncio.run(_store_and_read(path))
    assert "threat-intelligence cache" in str(caught.value)
    assert path.read_text() == "my investigation notes\n"


def test_another_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE users (name TEXT)")
    with pytest.raises(ConfigurationError, match="another SQLite database"):
        asyncio.run(_store_and_read(path))


def test_a_damaged_cache_is_moved_aside_and_rebuilt(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "ti.sqlite"
    assert asyncio.run(_store_and_read(path)) == 1
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4096)  # the header, then garbage
    with caplog.at_level(logging.WARNING):
        assert asyncio.run(_store_and_read(path)) == 1
    assert "moved to" in caplog.text
    assert list(tmp_path.glob("ti.sqlite.corrupt-*"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
