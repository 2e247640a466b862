"""httpx and httpcore log lines never carry a client's secrets (issue 22).

httpx logs each request URL at INFO and httpcore each request and response header at DEBUG;
IPStack's ``access_key`` travels in the query string and a redirect's ``Location`` header can
repeat it, and other services send ``Authorization``. The tests run real clients against a
127.0.0.1 server with DEBUG logging on and read every captured record.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator

import pytest

from _support.loopback import raw_server
from asisdk import Secret
from asisdk._http import ApiClient
from asisdk._http._masking import FILTERED_LOGGERS
from asisdk.ipstack import IPStackClient

pytestmark = pytest.mark.asyncio

IPSTACK_KEY = "c0ffee5ecret4ipstack9d1e"
BEARER = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.loopback-token-77"

IPSTACK_RECORD = {
    "ip": "8.8.8.8",
    "type": "ipv4",
    "continent_code": "NA",
    "continent_name": "North America",
    "country_code": "US",
    "country_name": "United States",
    "region_code": "CA",
    "region_name": "California",
    "city": "Mountain View",
    "zip": "94043",
    "latitude": 37.419,
    "longitude": -122.078,
}


@contextlib.asynccontextmanager
async def redirecting_server() -> AsyncIterator[str]:
    """``/8.8.8.8`` redirects to ``/v2/8.8.8.8?access_key=<key>``, which answers a record;
    every other path echoes the request's Authorization header back in a response header."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            while True:
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
                target = head.split(" ", 2)[1]
                auth = next(
                    (
                        line.split(":", 1)[1].strip()
                        for line in head.split("\r\n")
                        if line.lower().startswith("authorization:")
                    ),
                    "",
                )
                if target.startswith("/8.8.8.8"):
                    status = "302 Found"
                    extra = f"Location: /v2/8.8.8.8?access_key={IPSTACK_KEY}\r\n"
                    body = b""
                else:
                    status = "200 OK"
                    extra = f"X-Echo-Authorization: {auth}\r\n" if auth else ""
                    body = json.dumps(IPSTACK_RECORD).encode()
                writer.write(
                    (
                        f"HTTP/1.1 {status}\r\n{extra}Content-Type: application/json\r\n"
                        f"Content-Length: {len(body)}\r\n\r\n"
                    ).encode()
                    + body
                )
                await writer.drain()
        writer.close()

    async with raw_server(serve) as base_url:
        yield base_url


@pytest.fixture
def debug_records(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    for name in FILTERED_LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def _all_text(caplog: pytest.LogCaptureFixture) -> str:
    return (
        "\n".join(f"{record.name}: {record.getMessage()}" for record in caplog.records)
        + caplog.text
    )


async def test_ipstack_key_in_a_location_header_is_masked(
    debug_records: pytest.LogCaptureFixture,
) -> None:
    import httpx

    async with (
        redirecting_server() as base_url,
        httpx.AsyncClient(follow_redirects=True) as http,
        IPStackClient(IPSTACK_KEY, base_url=base_url, http_client=http) as client,
    ):
        result = await client.lookup("8.8.8.8")
    assert result.location is not None
    text = _all_text(debug_records)
    names = {record.name for record in debug_records.records}
    assert {"httpx", "httpcore.http11"} <= names  # the libraries did log the exchange
    assert "Location" in text
    assert "access_key=***" in text
    assert IPSTACK_KEY not in text


async def test_a_bearer_token_in_request_and_echoed_headers_is_masked(
    debug_records: pytest.LogCaptureFixture,
) -> None:
    async with redirecting_server() as base_url:
        api = ApiClient(service="demo", base_url=base_url)
        response = await api.request(
            "GET", "/token", headers={"Authorization": Secret(f"Bearer {BEARER}")}
        )
        await api.aclose()
    assert response.headers["x-echo-authorization"] == f"Bearer {BEARER}"
    text = _all_text(debug_records)
    assert "Authorization" in text  # httpcore logged the headers
    assert BEARER not in text
