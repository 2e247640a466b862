"""IPStackClient request building and answer parsing, through respx."""

from __future__ import annotations

import logging

import attrs
import httpx
import pandas as pd
import pytest
import respx

from asisdk._geo_frame import RESULT_COLUMNS
from asisdk.entities import GeoLocation, IpType
from asisdk.errors import (
    ApiStatusError,
    AuthenticationError,
    ConfigurationError,
    InvalidInputError,
    QuotaExceededError,
)
from asisdk.geo import GeoStatus
from asisdk.ipstack import IPStackClient, ipstack_error_parser, location_from_record

from .conftest import API_KEY, BASE, LOS_ANGELES, MakeClient, ipstack_error, record_for


def test_location_fields_match_the_geolocation_model() -> None:
    location = location_from_record(LOS_ANGELES)
    assert location == GeoLocation(
        country_code="US",
        country_name="United States",
        state="California",
        city="Los Angeles",
        latitude=34.0453,
        longitude=-118.2413,
        asn=25876,
        time_zone="America/Los_Angeles",
        postal_code="90013",
        continent="NA",
        organization="Los Angeles Department of Water & Power",
    )
    # every GeoLocation field the databases fill exists for IPStack too (same class)
    assert {f.name for f in attrs.fields(GeoLocation)} >= {"country_code", "asn", "network"}
    assert location_from_record({"ip": "1.2.3.4", "country_code": None, "latitude": None}) is None


def test_error_parser_maps_200_errors_and_never_retries() -> None:
    for code, kind in [
        (101, AuthenticationError),
        (102, AuthenticationError),
        (104, QuotaExceededError),
    ]:
        problem = ipstack_error_parser(httpx.Response(200, json=ipstack_error(code, "t", "i")))
        assert problem is not None
        assert problem.exception_type is kind
        assert problem.retryable is False
    other = ipstack_error_parser(httpx.Response(200, json=ipstack_error(303, "batch", "no")))
    assert other is not None
    assert (other.exception_type, other.service_code) == (ApiStatusError, "303")
    assert ipstack_error_parser(httpx.Response(200, json=LOS_ANGELES)) is None
    assert ipstack_error_parser(httpx.Response(503, text="down")) is not None


async def test_lookup_sends_the_key_as_a_parameter_over_https(
    respx_mock: respx.MockRouter, make_client: MakeClient
) -> None:
    route = respx_mock.get(f"{BASE}/134.201.250.155", params={"access_key": API_KEY}).respond(
        200, json=LOS_ANGELES
    )
    async with make_client() as client:
        ip = await client.lookup("134.201.250.155")
    assert route.call_count == 1
    assert route.calls.last.request.url.scheme == "https"
    assert ip.location == location_from_record(LOS_ANGELES)
    assert ip.ip_type is IpType.PUBLIC


async def test_non_public_and_invalid_addresses_are_not_sent(
    respx_mock: respx.MockRouter, make_client: MakeClient
) -> None:
    async with make_client() as client:
        private = await client.lookup("192.168.0.10")
        results = await client.lookup_many(["10.0.0.1", "::1", "fe80::2", "bad", "300.1.1.1"])
        with pytest.raises(InvalidInputError):
            await client.lookup("not-an-ip")
    assert not respx_mock.calls
    assert private.location is None
    assert private.ip_type is IpType.PRIVATE
    assert [r.status for r in results] == [GeoStatus.PRIVATE] * 3 + [GeoStatus.INVALID] * 2


@pytest.mark.parametrize(
    ("code", "error_type", "hint"),
    [
        (101, AuthenticationError, "invalid_access_key"),
        (102, AuthenticationError, "inactive_user"),
        (104, QuotaExceededError, "usage_limit_reached"),
        (105, ConfigurationError, "allow_http=True"),
    ],
)
async def test_200_errors_raise_typed_errors_without_the_key(
    respx_mock: respx.MockRouter,
    make_client: MakeClient,
    code: int,
    error_type: type[Exception],
    hint: str,
) -> None:
    kinds = {101: "invalid_access_key", 102: "inactive_user", 104: "usage_limit_reached"}
    body = ipstack_error(code, kinds.get(code, "https_access_restricted"), "details")
    route = respx_mock.get(url__startswith=BASE).respond(200, json=body)
    async with make_client() as client:
        with pytest.raises(error_type) as caught:
            await client.lookup("8.8.8.8")
    assert route.call_count == 1, "errors answered with HTTP 200 are not retried"
    text = str(caught.value)
    assert hint in text
    assert API_KEY not in text
    assert API_KEY not in repr(caught.value)
    cause = caught.value.__cause__
    assert cause is None or API_KEY not in str(cause)


async def test_invalid_ip_error_106_is_an_invalid_row(
    respx_mock: respx.MockRouter, make_client: MakeClient
) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/2.2.2.2":
            return httpx.Response(200, json=ipstack_error(106, "invalid_ip_address", "Invalid."))
        return httpx.Response(200, json=record_for(request.url.path.lstrip("/")))

    respx_mock.get(url__startswith=BASE).mock(side_effect=answer)
    async with make_client() as client:
        results = await client.lookup_many(["1.1.1.1", "2.2.2.2"])
        with pytest.raises(InvalidInputError, match="IPStack rejected"):
            await client.lookup("2.2.2.2")
    assert [r.status for r in results] == [GeoStatus.FOUND, GeoStatus.INVALID]
    assert results[1].error is not None
    assert "106" in results[1].error


async def test_bulk_packs_fifty_per_request_and_keeps_order(
    respx_mock: respx.MockRouter, make_client: MakeClient
) -> None:
    addresses = [f"8.{n // 250}.{n % 250}.1" for n in range(120)]

    def answer(request: httpx.Request) -> httpx.Response:
        ips = request.url.path.lstrip("/").split(",")
        return httpx.Response(200, json=[record_for(ip) for ip in reversed(ips)])

    route = respx_mock.get(url__startswith=BASE).mock(side_effect=answer)
    async with make_client(bulk=True) as client:
        results = await client.lookup_many([*addresses, addresses[0], "10.0.0.1"])
    sizes = sorted(len(call.request.url.path.split(",")) for call in route.calls)
    assert sizes == [20, 50, 50]
    assert [r.query for r in results[:120]] == addresses
    assert all(r.status is GeoStatus.FOUND for r in results[:121])
    assert results[0].location == results[120].location
    assert results[0].location == location_from_record(record_for(addresses[0]))
    assert results[-1].status is GeoStatus.PRIVATE


async def test_bulk_answer_as_dict_of_objects_and_missing_items(
    respx_mock: respx.MockRouter, make_client: MakeClient
) -> None:
    body = {"0": record_for("9.9.9.9"), "1": {"ip": "9.9.9.8", "country_code": None}}
    respx_mock.get(url__startswith=BASE).respond(200, json=body)
    async with make_client(bulk=True) as client:
        results = await client.lookup_many(["9.9.9.9", "9.9.9.8", "9.9.9.7"])
    assert [r.status for r in results] == [
        GeoStatus.FOUND,
        GeoStatus.NOT_FOUND,
        GeoStatus.ERROR,
    ]
    assert results[2].error is not None
    assert "no record" in results[2].error


async def test_bulk_not_allowed_is_a_configuration_error(
    respx_mock: respx.MockRouter, make_client: MakeClient
) -> None:
    respx_mock.get(url__startswith=BASE).respond(
        200, json=ipstack_error(303, "batch_not_supported_on_plan", "Upgrade.")
    )
    async with make_client(bulk=True) as client:
        with pytest.raises(ConfigurationError, match="bulk=False"):
            await client.lookup_many(["1.1.1.1", "1.0.0.1"])


async def test_quota_used_up_mid_batch_marks_the_rest(
    respx_mock: respx.MockRouter, make_client: MakeClient
) -> None:
    answers = iter(
        [httpx.Response(200, json=record_for("1.1.1.1"))]
        + [httpx.Response(200, json=ipstack_error(104, "usage_limit_reached", "Used."))] * 10
    )
    respx_mock.get(url__startswith=BASE).mock(side_effect=lambda request: next(answers))
    async with make_client(max_concurrency=1) as client:
        results = await client.lookup_many(["1.1.1.1", "1.1.1.2", "1.1.1.3"])
    assert [r.status for r in results] == [
        GeoStatus.FOUND,
        GeoStatus.QUOTA_EXHAUSTED,
        GeoStatus.QUOTA_EXHAUSTED,
    ]


async def test_server_errors_are_retried_then_become_error_rows(
    respx_mock: respx.MockRouter, make_client: MakeClient
) -> None:
    flaky = respx_mock.get(f"{BASE}/1.1.1.1").mock(
        side_effect=[httpx.Response(503), httpx.Response(200, json=record_for("1.1.1.1"))]
    )
    respx_mock.get(f"{BASE}/1.1.1.2").respond(500, text="boom")
    async with make_client() as client:
        ok, broken = await client.lookup_many(["1.1.1.1", "1.1.1.2"])
    assert flaky.call_count == 2
    assert ok.status is GeoStatus.FOUND
    assert broken.status is GeoStatus.ERROR
    assert broken.error is not None
    assert API_KEY not in broken.error
    assert "access_key=***" in broken.error


async def test_the_key_never_appears_in_logs_or_repr(
    respx_mock: respx.MockRouter, make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    respx_mock.get(f"{BASE}/1.1.1.1").mock(
        side_effect=[httpx.Response(502), httpx.Response(200, json=record_for("1.1.1.1"))]
    )
    respx_mock.get(f"{BASE}/1.1.1.2").respond(
        200, json=ipstack_error(101, "invalid_access_key", "x")
    )
    caplog.set_level(logging.DEBUG)
    async with make_client() as client:
        assert API_KEY not in repr(client)
        await client.lookup("1.1.1.1")
        with pytest.raises(AuthenticationError):
            await client.lookup("1.1.1.2")
    messages = [record.getMessage() for record in caplog.records]
    assert any("1.1.1.1" in m and "access_key=***" in m for m in messages)
    assert any(record.name == "httpx" for record in caplog.records), "httpx logs requests"
    assert not [m for m in messages if API_KEY in m]


async def test_the_key_is_masked_by_the_http_layers_one_filter(make_client: MakeClient) -> None:
    from asisdk._http import HttpLogFilter

    async with make_client():
        for name in ("httpx", "httpcore", "httpcore.http11"):
            filters = logging.getLogger(name).filters
            assert filters, name
            assert all(isinstance(f, HttpLogFilter) for f in filters), (name, filters)


def test_missing_key_names_the_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    from asisdk.config import Config

    monkeypatch.delenv("ASISDK_IPSTACK_API_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="ASISDK_IPSTACK_API_KEY"):
        IPStackClient(config=Config())
    monkeypatch.setenv("ASISDK_IPSTACK_API_KEY", "from-env-key")
    assert "from-env-key" not in repr(IPStackClient(config=Config()))


def test_plain_http_needs_an_explicit_opt_in() -> None:
    with pytest.raises(ConfigurationError, match="https"):
        IPStackClient(API_KEY, base_url="http://api.ipstack.com")
    client = IPStackClient(API_KEY, base_url="http://api.ipstack.com", allow_http=True)
    assert client.bulk is False


async def test_lookup_frame_has_the_same_columns_as_the_databases(
    respx_mock: respx.MockRouter, make_client: MakeClient
) -> None:
    respx_mock.get(url__startswith=BASE).mock(
        side_effect=lambda request: httpx.Response(
            200, json=record_for(request.url.path.lstrip("/"))
        )
    )
    frame = pd.DataFrame({"ip": ["134.201.250.155", "10.0.0.1", "junk"]}, index=["a", "b", "c"])
    async with make_client() as client:
        out = await client.lookup_frame(frame, "ip")
    assert list(out.columns) == ["ip", *RESULT_COLUMNS]
    assert list(out.index) == ["a", "b", "c"]
    assert list(out["geo_status"]) == ["found", "private", "invalid"]
    assert out.loc["a", "city"] == "Los Angeles"
    assert out.loc["a", "asn"] == 25876
