"""A cache path that holds something else gives an asisdk error or a rebuilt cache (issue 22).

Never a raw ``sqlite3`` error, and never a write into a file that is not this cache.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest

from asisdk.errors import ConfigurationError
from asisdk.virustotal import VtCache

from .fixtures import IP

KEY = "ip_address:8.8.8.8"


def _moved_aside(folder: Path) -> list[Path]:
    return [
        path
        for path in folder.glob("vt.sqlite.corrupt-*")
        if not path.name.endswith(("-wal", "-shm"))
    ]


async def _fill(path: Path, entries: int) -> None:
    cache = VtCache(path)
    for index in range(entries):
        await cache.put(f"ip_address:10.0.{index // 256}.{index % 256}", "found", IP["data"])
    await cache.aclose()


async def test_a_text_file_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("my investigation notes\n")
    cache = VtCache(path)
    with pytest.raises(ConfigurationError, match="not an SQLite database") as caught:
        await cache.get_many([KEY])
    assert "pass another cache path" in str(caught.value)
    assert path.read_text() == "my investigation notes\n"
    await cache.aclose()


async def test_another_sqlite_database_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE users (name TEXT)")
        connection.execute("INSERT INTO users VALUES ('alice')")
    connection.close()
    cache = VtCache(path)
    with pytest.raises(ConfigurationError, match="another SQLite database") as caught:
        await cache.put(KEY, "found", IP["data"])
    assert "users" in str(caught.value)
    await cache.aclose()
    with sqlite3.connect(path) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    connection.close()
    assert tables == {"users"}  # no vt_lookups table was added to someone else's database


async def test_a_vt_lookups_table_of_another_shape_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE vt_lookups (key TEXT, report BLOB)")
    connection.close()
    cache = VtCache(path)
    with pytest.raises(ConfigurationError, match="another shape"):
        await cache.get_many([KEY])
    await cache.aclose()


async def test_a_truncated_cache_is_moved_aside_and_rebuilt(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "vt.sqlite"
    await _fill(path, 50)
    data = path.read_bytes()
    path.write_bytes(data[:1000])  # page 1 cut in half
    cache = VtCache(path)
    with caplog.at_level(logging.WARNING, logger="asisdk.virustotal.cache"):
        assert await cache.get_many([KEY]) == {}
        await cache.put(KEY, "found", IP["data"])
        assert set(await cache.get_many([KEY])) == {KEY}
    await cache.aclose()
    assert "moved to" in caplog.text
    aside = _moved_aside(tmp_path)
    assert len(aside) == 1
    assert aside[0].read_bytes() == data[:1000]  # nothing is deleted


async def test_damage_found_mid_batch_is_an_asisdk_error(tmp_path: Path) -> None:
    path = tmp_path / "vt.sqlite"
    await _fill(path, 2000)
    data = path.read_bytes()
    page = 4096
    assert len(data) > 8 * page
    # Keep page 1 (the schema) intact, overwrite the table's pages with garbage.
    path.write_bytes(data[:page] + b"\xff" * (len(data) - page))
    cache = VtCache(path)
    keys = [f"ip_address:10.0.{index // 256}.{index % 256}" for index in range(2000)]
    with pytest.raises(ConfigurationError, match="delete it") as caught:
        await cache.get_many(keys)
    assert isinstance(caught.value.__cause__, sqlite3.Error)
    await cache.aclose()
