"""The persistent SQLite cache: TTL, restarts, and re-runs that ask only for what is missing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import respx

from asisdk.errors import ConfigurationError
from asisdk.virustotal import VirusTotalClient, VtCache, VtStatus

from .conftest import BASE
from .fixtures import DOMAIN, IP, error

MakeVt = Callable[..., VirusTotalClient]


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


async def test_entries_expire_after_the_ttl(tmp_path: Path) -> None:
    clock = Clock()
    cache = VtCache(tmp_path / "vt.sqlite", ttl=60, clock=clock)
    await cache.put("domain:example.com", "found", {"id": "example.com"})
    assert set(await cache.get_many(["domain:example.com"])) == {"domain:example.com"}
    clock.now += 61
    assert await cache.get_many(["domain:example.com"]) == {}
    assert await cache.purge_expired() == 1
    await cache.aclose()
    await cache.aclose()


async def test_cache_survives_a_restart(tmp_path: Path) -> None:
    first = VtCache(tmp_path / "sub" / "vt.sqlite")
    await first.put("ip_address:8.8.8.8", "found", IP["data"])
    await first.aclose()
    second = VtCache(tmp_path / "sub" / "vt.sqlite")
    hit = (await second.get_many(["ip_address:8.8.8.8"]))["ip_address:8.8.8.8"]
    assert hit.status == "found"
    assert hit.data == IP["data"]
    await second.clear()
    assert await second.get_many(["ip_address:8.8.8.8"]) == {}
    await second.aclose()


def test_bad_ttl_and_path_are_configuration_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="ttl"):
        VtCache(tmp_path / "x.sqlite", ttl=0)


async def test_unwritable_path_is_reported(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    cache = VtCache(blocker / "vt.sqlite")
    with pytest.raises(ConfigurationError, match="cannot open the VirusTotal cache"):
        await cache.get_many(["domain:x.example"])
    await cache.aclose()


async def test_rerun_requests_only_what_is_missing(
    respx_mock: respx.MockRouter, make_vt: MakeVt, tmp_path: Path
) -> None:
    path = tmp_path / "vt.sqlite"
    ip = respx_mock.get(f"{BASE}/ip_addresses/8.8.8.8").respond(200, json=IP)
    gone = respx_mock.get(f"{BASE}/domains/gone.example").respond(404, json=error("NotFoundError"))
    flaky = respx_mock.get(f"{BASE}/domains/example.com")
    flaky.side_effect = [
        *[respx.MockResponse(503, json=error("TransientError"))] * 5,
        respx.MockResponse(200, json=DOMAIN),
    ]
    values = ["8.8.8.8", "gone.example", "example.com"]
    async with make_vt(cache=path) as vt:
        first = await vt.lookup_many(values)
    assert [r.status for r in first] == [VtStatus.FOUND, VtStatus.NOT_FOUND, VtStatus.ERROR]

    # A new client (a restart): found and not-found answers come from disk, the error is retried.
    async with make_vt(cache=path) as vt:
        second = await vt.lookup_many(values)
    assert [r.status for r in second] == [VtStatus.FOUND, VtStatus.NOT_FOUND, VtStatus.FOUND]
    assert (ip.call_count, gone.call_count) == (1, 1)
    assert flaky.call_count == 6
    assert second[0] == first[0]
    assert second[0].attributes == first[0].attributes

    async with make_vt(cache=VtCache(path)) as vt:
        third = await vt.lookup_many(values)
    assert len(respx_mock.calls) == 8  # nothing new was asked
    assert [r.status for r in third] == [r.status for r in second]
