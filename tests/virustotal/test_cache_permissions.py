"""The VirusTotal cache is private: file 0600 (WAL files too), folders it creates 0700."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from asisdk.virustotal import VtCache

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)  # os.stat


async def _touch(path: Path) -> VtCache:
    cache = VtCache(path)
    await cache.put("domain:example.com", "not_found", None)
    assert len(await cache.get_many(["domain:example.com"])) == 1
    return cache


async def test_new_cache_file_and_folders_are_private(tmp_path: Path) -> None:
    path = tmp_path / "new" / "deeper" / "vt.sqlite"
    previous = os.umask(0o022)  # a usual umask, which would leave 0644 / 0755
    try:
        cache = await _touch(path)
        assert _mode(path) == 0o600
        assert _mode(path.parent) == 0o700
        assert _mode(tmp_path / "new") == 0o700
        for extra in ("vt.sqlite-wal", "vt.sqlite-shm"):
            if (path.parent / extra).exists():
                assert _mode(path.parent / extra) == 0o600
        await cache.aclose()
    finally:
        os.umask(previous)


def _readable_file(path: Path) -> Path:
    path.touch()
    path.chmod(0o644)
    path.parent.chmod(0o755)
    return path


async def test_existing_cache_file_is_made_private(tmp_path: Path) -> None:
    path = _readable_file(tmp_path / "vt.sqlite")
    cache = await _touch(path)
    await cache.aclose()
    assert _mode(path) == 0o600
    assert _mode(tmp_path) == 0o755  # a folder that was there already is left alone
