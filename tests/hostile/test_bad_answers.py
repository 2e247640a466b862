"""One bad answer never costs the batch: hostile bodies become per-item errors or typed errors."""

from __future__ import annotations

import datetime as dt
import gzip
import itertools
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import respx

from asisdk._http import RequestLimits, RetryPolicy
from asisdk.config import Config
from asisdk.errors import ApiStatusError, AsiError, ResponseTooLargeError
from asisdk.geo import GeoStatus
from asisdk.ipstack import IPStackClient
from asisdk.loganalytics import LogAnalyticsClient, StaticTokenCredential
from asisdk.virustotal import VirusTotalClient, VtCache, VtStatus

VT = "https://www.virustotal.com/api/v3"
IPSTACK = "https://api.ipstack.com"
WS = "0b1a7c6e-0000-4000-8000-000000000000"
LA = f"https://api.loganalytics.io/v1/workspaces/{WS}/query"
#: Nesting far beyond the interpreter's recursion limit.
DEEP_ARRAY = b"[" * 100_000 + b"]" * 100_000
DEEP_OBJECT = b'{"a":' * 50_000 + b"1" + b"}" * 50_000
IP_RECORD = {"ip": "8.8.8.8", "type": "ipv4", "country_code": "US"}
VT_IP = {"data": {"type": "ip_address", "id": "1.1.1.1", "attributes": {}}}


def vt_client(**kwargs: object) -> VirusTotalClient:
    return VirusTotalClient(
        api_key="vt-test-key",
        requests_per_minute=None,
        requests_per_day=None,
        retry=RetryPolicy(instant=True),
        config=Config(),
        **kwargs,  # type: ignore[arg-type]
    )


def ipstack_client() -> IPStackClient:
    return IPStackClient(
        api_key="ipstack-key",
        requests_per_minute=None,
        retry=RetryPolicy(instant=True),
        config=Config(),
    )


@pytest.mark.parametrize("body", [DEEP_ARRAY, DEEP_OBJECT], ids=["array", "object"])
async def test_deeply_nested_json_is_one_error_row_in_a_vt_batch(
    respx_mock: respx.MockRouter, body: bytes
) -> None:
    respx_mock.get(f"{VT}/ip_addresses/8.8.8.8").respond(200, content=body)
    respx_mock.get(f"{VT}/ip_addresses/1.1.1.1").respond(200, json=VT_IP)
    async with vt_client() as vt:
        reports = await vt.lookup_many(["8.8.8.8", "1.1.1.1"])
    assert [r.status for r in reports] == [VtStatus.ERROR, VtStatus.FOUND]
    assert "nested" in (reports[0].error or "")


@pytest.mark.parametrize("status", [200, 400, 500])
async def test_deeply_nested_json_is_an_error_row_in_an_ipstack_batch(
    respx_mock: respx.MockRouter, status: int
) -> None:
    respx_mock.get(f"{IPSTACK}/8.8.4.4").respond(status, content=DEEP_ARRAY)
    respx_mock.get(f"{IPSTACK}/8.8.8.8").respond(200, json=IP_RECORD)
    async with ipstack_client() as ipstack:
        # Two addresses of one bulk request would share the bad answer: send them one by one.
        results = [await ipstack.lookup_many([ip]) for ip in ("8.8.4.4", "8.8.8.8")]
    assert [r[0].status for r in results] == [GeoStatus.ERROR, GeoStatus.FOUND]


@pytest.mark.parametrize("status", [200, 400])
async def test_deeply_nested_json_is_a_typed_log_analytics_error(
    respx_mock: respx.MockRouter, status: int
) -> None:
    respx_mock.post(LA).respond(status, content=DEEP_OBJECT)
    client = LogAnalyticsClient(
        WS,
        credential=StaticTokenCredential("tok"),
        retry=RetryPolicy(instant=True, max_attempts=1),
    )
    async with client:
        with pytest.raises(AsiError):
            await client.query("T | take 1", timespan=dt.timedelta(hours=1))


async def test_decode_json_names_the_nesting(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(f"{VT}/ip_addresses/8.8.8.8").respond(200, content=DEEP_ARRAY)
    async with vt_client() as vt:
        with pytest.raises(ApiStatusError, match="nested"):
            await vt._api.get_json("/ip_addresses/8.8.8.8")


@pytest.mark.parametrize("cursors", [["c1", "c1"], ["c1", "c2", "c1"]], ids=["same", "cycle"])
async def test_relationships_end_when_the_cursor_repeats(
    respx_mock: respx.MockRouter, cursors: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    pages: dict[str | None, str] = {None: cursors[0], **dict(itertools.pairwise(cursors))}

    def page(request: httpx.Request) -> httpx.Response:
        cursor = request.url.params.get("cursor")
        item = {"type": "resolution", "id": f"r-{cursor}", "attributes": {}}
        return httpx.Response(200, json={"data": [item], "meta": {"cursor": pages[cursor]}})

    route = respx_mock.get(f"{VT}/domains/example.com/resolutions").mock(side_effect=page)
    async with vt_client() as vt:
        ids = [o.id async for o in vt.relationships("example.com", "resolutions")]
    distinct = len(set(cursors))
    assert route.call_count == distinct + 1
    assert len(ids) == distinct + 1
    assert "repeated the cursor" in caplog.text


CAP = 4096
BIG_IP = {"data": {"type": "ip_address", "id": "8.8.8.8", "attributes": {"pad": "x" * 10 * CAP}}}


async def _endless() -> AsyncIterator[bytes]:
    yield b'{"data": {"id": "8.8.8.8", "attributes": {"pad": "'
    while True:  # an answer that never ends: only the cap stops the read
        yield b"x" * 1024


def _big_answer(how: str) -> httpx.Response:
    if how == "content-length":
        return httpx.Response(200, json=BIG_IP)
    if how == "chunked":
        return httpx.Response(200, content=_endless())
    packed = gzip.compress(json.dumps(BIG_IP).encode())  # small on the wire, big unpacked
    assert len(packed) < CAP
    return httpx.Response(200, content=packed, headers={"content-encoding": "gzip"})


@pytest.mark.parametrize("how", ["content-length", "chunked", "gzip"])
async def test_an_answer_over_the_cap_is_one_error_row_and_is_never_cached(
    respx_mock: respx.MockRouter, how: str, tmp_path: Path
) -> None:
    respx_mock.get(f"{VT}/ip_addresses/8.8.8.8").mock(return_value=_big_answer(how))
    respx_mock.get(f"{VT}/ip_addresses/1.1.1.1").respond(200, json=VT_IP)
    cache = VtCache(tmp_path / "vt.sqlite")
    limits = RequestLimits(max_response_bytes=CAP)
    async with vt_client(limits=limits, cache=cache) as vt:
        reports = await vt.lookup_many(["8.8.8.8", "1.1.1.1"])
        assert [r.status for r in reports] == [VtStatus.ERROR, VtStatus.FOUND]
        assert "max_response_bytes=4096" in (reports[0].error or "")
        assert set(await cache.get_many(["ip_address:8.8.8.8", "ip_address:1.1.1.1"])) == {
            "ip_address:1.1.1.1"
        }
    await cache.aclose()


async def test_the_cap_is_a_typed_error_and_not_retried(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(f"{VT}/ip_addresses/8.8.8.8").mock(
        side_effect=lambda request: _big_answer("chunked")
    )
    async with vt_client(limits=RequestLimits(max_response_bytes=CAP)) as vt:
        with pytest.raises(ResponseTooLargeError) as caught:
            await vt._api.get_json("/ip_addresses/8.8.8.8")
    assert caught.value.limit == CAP
    assert route.call_count == 1


async def test_answers_within_the_default_cap_are_read_whole(respx_mock: respx.MockRouter) -> None:
    assert RequestLimits().max_response_bytes == 64 * 1024 * 1024
    respx_mock.get(f"{VT}/ip_addresses/8.8.8.8").respond(200, json=BIG_IP)
    async with vt_client() as vt:
        assert await vt._api.get_json("/ip_addresses/8.8.8.8") == BIG_IP


async def test_an_ipstack_answer_over_the_cap_is_an_error_row(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(f"{IPSTACK}/8.8.4.4").mock(side_effect=lambda request: _big_answer("chunked"))
    respx_mock.get(f"{IPSTACK}/8.8.8.8").respond(200, json=IP_RECORD)
    ipstack = IPStackClient(
        api_key="ipstack-key",
        requests_per_minute=None,
        retry=RetryPolicy(instant=True),
        config=Config(),
        limits=RequestLimits(max_response_bytes=CAP),
    )
    async with ipstack:
        results = [await ipstack.lookup_many([ip]) for ip in ("8.8.4.4", "8.8.8.8")]
    assert [r[0].status for r in results] == [GeoStatus.ERROR, GeoStatus.FOUND]
