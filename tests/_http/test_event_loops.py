"""Clients survive a change of event loop (a script calling ``asyncio.run`` per call)."""

from __future__ import annotations

import asyncio
import gc
import warnings

import httpx
import pytest

from _support.loopback import LoopbackServer, threaded_server
from asisdk._http import ApiClient, EventLoopMismatchError, RetryPolicy
from asisdk.config import Config
from asisdk.errors import AsiError
from asisdk.geo import GeoStatus
from asisdk.ipstack import IPStackClient
from asisdk.virustotal import VirusTotalClient, VtStatus
from ipstack.conftest import API_KEY as IPSTACK_KEY
from ipstack.conftest import IPStackApp


def test_virustotal_lookups_in_two_asyncio_runs_against_a_real_server() -> None:
    with threaded_server(LoopbackServer()) as server:
        vt = VirusTotalClient(
            "key",
            base_url=f"{server.base_url}/api/v3",
            requests_per_minute=None,
            retry=RetryPolicy(instant=True, max_attempts=1),
            config=Config(),
        )
        first = asyncio.run(vt.lookup("8.8.8.8"))
        second = asyncio.run(vt.lookup("1.1.1.1"))  # used to fail: Event loop is closed
        asyncio.run(vt.aclose())
    assert (first.status, second.status) == (VtStatus.FOUND, VtStatus.FOUND)
    assert server.stats.by_path["/api/v3/ip_addresses/1.1.1.1"] == 1


def test_ipstack_lookups_in_two_asyncio_runs_against_a_real_server() -> None:
    """Both runs answer, and each closes the connections its loop opened (no ResourceWarning)."""
    with threaded_server(LoopbackServer(IPStackApp())) as server:
        ipstack = IPStackClient(
            IPSTACK_KEY,
            base_url=server.base_url,
            retry=RetryPolicy(instant=True, max_attempts=1),
            config=Config(),
        )
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ResourceWarning)
            first = asyncio.run(ipstack.lookup_many(["1.0.0.1"]))
            second = asyncio.run(ipstack.lookup_many(["1.0.0.2"]))
            asyncio.run(ipstack.aclose())
            gc.collect()
    assert [r.status for r in first + second] == [GeoStatus.FOUND, GeoStatus.FOUND]
    leaks = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert leaks == []


def test_an_owned_client_is_remade_per_loop_and_closed_in_its_own() -> None:
    api = ApiClient(service="demo", base_url="https://api.example/v1")

    async def current() -> httpx.AsyncClient:
        return api._http()

    async def last() -> httpx.AsyncClient:
        http = api._http()
        assert http is api._http()  # one client per loop
        await api.aclose()
        return http

    one = asyncio.run(current())
    two = asyncio.run(last())
    assert one is not two
    assert two.is_closed


def test_an_injected_client_in_another_loop_raises_a_clear_error() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={"ok": 1}))
    http = httpx.AsyncClient(transport=transport)
    api = ApiClient(service="demo", base_url="https://api.example/v1", http_client=http)
    assert asyncio.run(api.get_json("/a")) == {"ok": 1}
    with pytest.raises(EventLoopMismatchError, match="inside the loop that uses it") as info:
        asyncio.run(api.get_json("/b"))
    assert isinstance(info.value, AsiError)
    assert not http.is_closed  # left alone
