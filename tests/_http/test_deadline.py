"""A total deadline per request: a server trickling its answer cannot hold a call (issue 22)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

import pytest

from _support.loopback import raw_server
from asisdk import RequestLimits, RetryPolicy
from asisdk._http import ApiClient
from asisdk.errors import ConfigurationError, RequestTimeoutError, TransportError

pytestmark = pytest.mark.asyncio

#: Seconds between two bytes of the trickling answer (far below httpx's 30 s read timeout).
TRICKLE_EVERY = 0.2


@contextlib.asynccontextmanager
async def trickle_server(*, headers_first: bool) -> AsyncIterator[tuple[str, list[float]]]:
    """A server that sends one byte every TRICKLE_EVERY seconds, forever.

    ``headers_first``: send the status line and headers at once and trickle the body (the
    body-streaming case); otherwise trickle the status line itself.
    """
    connections: list[float] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(time.monotonic())
        with contextlib.suppress(ConnectionError, asyncio.CancelledError):
            await reader.readuntil(b"\r\n\r\n")
            if headers_first:
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
            else:
                writer.write(b"H")
            while True:
                await writer.drain()
                await asyncio.sleep(TRICKLE_EVERY)
                writer.write(b"x" if headers_first else b"T")
        writer.close()

    async with raw_server(serve) as base_url:
        yield base_url, connections


@pytest.mark.parametrize("headers_first", [True, False], ids=["body", "status-line"])
async def test_a_trickling_server_hits_the_deadline(headers_first: bool) -> None:
    async with trickle_server(headers_first=headers_first) as (base_url, _):
        api = ApiClient(
            service="demo",
            base_url=base_url,
            limits=RequestLimits(request_deadline=1.0),
            retry=RetryPolicy(instant=True),
        )
        started = time.monotonic()
        with pytest.raises(RequestTimeoutError) as caught:
            await api.request("GET", "/slow")
        took = time.monotonic() - started
        await api.aclose()
    assert 0.9 <= took < 3.0
    message = str(caught.value)
    assert "request_deadline of 1s" in message
    assert "RequestLimits.request_deadline" in message  # the advice
    assert isinstance(caught.value, TransportError)
    assert isinstance(caught.value, TimeoutError)


async def test_the_deadline_is_not_retried_and_retries_count_against_it() -> None:
    async with trickle_server(headers_first=True) as (base_url, connections):
        api = ApiClient(
            service="demo",
            base_url=base_url,
            limits=RequestLimits(request_deadline=0.6),
            retry=RetryPolicy(max_attempts=5, instant=True),
        )
        with pytest.raises(RequestTimeoutError):
            await api.request("GET", "/slow")
        await api.aclose()
    assert len(connections) == 1  # the expired deadline is final


async def test_a_retry_wait_past_the_deadline_is_not_made() -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    async with trickle_server(headers_first=True) as (base_url, _):
        pass  # closed: every connection is refused
    api = ApiClient(
        service="demo",
        base_url=base_url,
        limits=RequestLimits(request_deadline=10.0),
        retry=RetryPolicy(max_attempts=5, backoff_initial=4.0, jitter=False),
        sleep=sleep,
    )
    with pytest.raises(TransportError) as caught:
        await api.request("GET", "/down")
    await api.aclose()
    # 4 s, then 8 s would end past 10 s: one wait only, the last error is raised.
    assert waits == [4.0]
    assert not isinstance(caught.value, RequestTimeoutError)


async def test_no_deadline_when_none() -> None:
    assert RequestLimits(request_deadline=None).request_deadline is None
    with pytest.raises(ConfigurationError):
        RequestLimits(request_deadline=0)
    with pytest.raises(ConfigurationError):
        RequestLimits(request_deadline=float("inf"))
