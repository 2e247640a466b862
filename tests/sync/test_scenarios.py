"""VirusTotal and IPStack scenarios run through both doors: async and :mod:`asisdk.sync`.

The async door runs each call with its own ``asyncio.run`` (a fresh loop per call, as a script
would), the blocking door on its private loop; both must give the same answers.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
import respx

import asisdk.sync
from asisdk._http import RetryPolicy
from asisdk.config import Config
from asisdk.errors import AuthenticationError, QuotaExceededError
from asisdk.geo import GeoStatus
from asisdk.ipstack import IPStackClient
from asisdk.virustotal import VirusTotalClient, VtStatus
from ipstack.conftest import API_KEY as IPSTACK_KEY
from ipstack.conftest import BASE as IPSTACK_BASE
from ipstack.conftest import LOS_ANGELES, ipstack_error, record_for
from virustotal.conftest import API_KEY as VT_KEY
from virustotal.conftest import BASE as VT_BASE
from virustotal.fixtures import DOMAIN, IP, error


class Door:
    """Makes clients of one door and calls them the way that door is called."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def vt(self, **options: Any) -> Any:
        settings: dict[str, Any] = {
            "api_key": VT_KEY,
            "requests_per_minute": None,
            "requests_per_day": None,
            "retry": RetryPolicy(instant=True),
            "config": Config(),
            **options,
        }
        door = VirusTotalClient if self.kind == "async" else asisdk.sync.VirusTotalClient
        return door(**settings)

    def ipstack(self, **options: Any) -> Any:
        settings: dict[str, Any] = {
            "api_key": IPSTACK_KEY,
            "requests_per_minute": None,
            "retry": RetryPolicy(instant=True),
            "config": Config(),
            **options,
        }
        door = IPStackClient if self.kind == "async" else asisdk.sync.IPStackClient
        return door(**settings)

    def call(self, client: Any, method: str, *args: Any, **kwargs: Any) -> Any:
        result = getattr(client, method)(*args, **kwargs)
        return asyncio.run(result) if self.kind == "async" else result

    def close(self, client: Any) -> None:
        if self.kind == "async":
            asyncio.run(client.aclose())
        else:
            client.close()


@pytest.fixture(params=["async", "sync"])
def door(request: pytest.FixtureRequest) -> Door:
    return Door(request.param)


def test_vt_lookups_send_the_key_in_the_header(respx_mock: respx.MockRouter, door: Door) -> None:
    route = respx_mock.get(f"{VT_BASE}/ip_addresses/8.8.8.8").respond(200, json=IP)
    respx_mock.get(f"{VT_BASE}/ip_addresses/1.1.1.1").respond(200, json=IP)
    vt = door.vt()
    first = door.call(vt, "lookup", "8.8.8.8")
    second = door.call(vt, "lookup", "1.1.1.1")
    door.close(vt)
    assert (first.status, second.status) == (VtStatus.FOUND, VtStatus.FOUND)
    assert (first.harmless, first.undetected) == (60, 30)
    assert route.calls.last.request.headers["x-apikey"] == VT_KEY


def test_vt_statuses_of_a_mixed_batch(respx_mock: respx.MockRouter, door: Door) -> None:
    respx_mock.get(f"{VT_BASE}/ip_addresses/8.8.8.8").respond(200, json=IP)
    respx_mock.get(f"{VT_BASE}/domains/missing.example").respond(404, json=error("NotFoundError"))
    broken = respx_mock.get(f"{VT_BASE}/domains/broken.example").respond(
        500, json=error("ServerError", "boom")
    )
    values = ["8.8.8.8", "999.1.1.1", "missing.example", "broken.example", "8.8.8.8"]
    vt = door.vt(retry=RetryPolicy(instant=True, max_attempts=2))
    reports = door.call(vt, "lookup_many", values)
    door.close(vt)
    assert [r.status for r in reports] == [
        VtStatus.FOUND,
        VtStatus.INVALID,
        VtStatus.NOT_FOUND,
        VtStatus.ERROR,
        VtStatus.FOUND,
    ]
    assert broken.call_count == 2
    assert len(respx_mock.calls) == 4


def test_vt_daily_quota_marks_the_rest(respx_mock: respx.MockRouter, door: Door) -> None:
    respx_mock.get(f"{VT_BASE}/domains/d0.example").respond(200, json=DOMAIN)
    quota = respx_mock.get(f"{VT_BASE}/domains/d1.example").respond(
        429, json=error("QuotaExceededError", "daily quota exceeded")
    )
    vt = door.vt(max_concurrency=1, retry=RetryPolicy(instant=True, max_attempts=2))
    reports = door.call(vt, "lookup_many", [f"d{n}.example" for n in range(4)])
    assert [r.status for r in reports] == [VtStatus.FOUND] + [VtStatus.QUOTA_EXHAUSTED] * 3
    assert quota.call_count == 2


def test_vt_refused_key_raises(respx_mock: respx.MockRouter, door: Door) -> None:
    respx_mock.get(url__regex=rf"{VT_BASE}/domains/.*").respond(
        401, json=error("WrongCredentialsError", "Wrong API key")
    )
    vt = door.vt(max_concurrency=2)
    with pytest.raises(AuthenticationError) as info:
        door.call(vt, "lookup_many", [f"d{n}.example" for n in range(10)])
    assert info.value.status_code == 401
    assert VT_KEY not in str(info.value)


def test_vt_relationships_iterate(respx_mock: respx.MockRouter, door: Door) -> None:
    respx_mock.get(f"{VT_BASE}/domains/example.com/resolutions").respond(
        200, json={"data": [{"type": "resolution", "id": f"r{n}"} for n in range(3)], "meta": {}}
    )
    vt = door.vt()
    related = vt.relationships("example.com", "resolutions")
    if door.kind == "async":

        async def collect() -> list[Any]:
            return [o async for o in related]

        items = asyncio.run(collect())
    else:
        items = list(related)
    assert [o.id for o in items] == ["r0", "r1", "r2"]


def test_ipstack_lookup_sends_the_key_as_a_parameter(
    respx_mock: respx.MockRouter, door: Door
) -> None:
    route = respx_mock.get(
        f"{IPSTACK_BASE}/134.201.250.155", params={"access_key": IPSTACK_KEY}
    ).respond(200, json=LOS_ANGELES)
    client = door.ipstack()
    ip = door.call(client, "lookup", "134.201.250.155")
    again = door.call(client, "lookup", "134.201.250.155")
    door.close(client)
    assert route.call_count == 2
    assert ip.location is not None
    assert ip.location.city == "Los Angeles"
    assert again == ip


def test_ipstack_quota_used_up_mid_batch(respx_mock: respx.MockRouter, door: Door) -> None:
    answers = iter(
        [httpx.Response(200, json=record_for("1.1.1.1"))]
        + [httpx.Response(200, json=ipstack_error(104, "usage_limit_reached", "Used."))] * 10
    )
    respx_mock.get(url__startswith=IPSTACK_BASE).mock(side_effect=lambda request: next(answers))
    client = door.ipstack(max_concurrency=1)
    results = door.call(client, "lookup_many", ["1.1.1.1", "1.1.1.2", "1.1.1.3"])
    assert [r.status for r in results] == [
        GeoStatus.FOUND,
        GeoStatus.QUOTA_EXHAUSTED,
        GeoStatus.QUOTA_EXHAUSTED,
    ]


def test_ipstack_errors_raise_typed_errors(respx_mock: respx.MockRouter, door: Door) -> None:
    respx_mock.get(url__startswith=IPSTACK_BASE).respond(
        200, json=ipstack_error(104, "usage_limit_reached", "details")
    )
    client = door.ipstack()
    with pytest.raises(QuotaExceededError) as caught:
        door.call(client, "lookup", "8.8.8.8")
    assert IPSTACK_KEY not in str(caught.value)


def test_ipstack_server_errors_are_retried(respx_mock: respx.MockRouter, door: Door) -> None:
    flaky = respx_mock.get(f"{IPSTACK_BASE}/1.1.1.1").mock(
        side_effect=[httpx.Response(503), httpx.Response(200, json=record_for("1.1.1.1"))]
    )
    respx_mock.get(f"{IPSTACK_BASE}/1.1.1.2").respond(500, text="boom")
    client = door.ipstack()
    ok, broken = door.call(client, "lookup_many", ["1.1.1.1", "1.1.1.2"])
    assert flaky.call_count == 2
    assert (ok.status, broken.status) == (GeoStatus.FOUND, GeoStatus.ERROR)
