"""msal's failures surface as asisdk errors with advice, never raw (issue 22).

The authority is a real 127.0.0.1 server that accepts connections and drops them; msal runs with
its default ``requests`` session and with an ``httpx.Client``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

import httpx
import pytest

from _support.loopback import threaded_raw_server
from asisdk.errors import AuthenticationError, TransportError
from asisdk.loganalytics.auth import ClientSecretCredential

pytestmark = pytest.mark.asyncio

CLIENT_SECRET = "s3cret-value-of-the-app-0042"


@contextlib.contextmanager
def authority(reply: bytes | None) -> Iterator[str]:
    """A 127.0.0.1 server on its own thread: drops every connection (``reply=None``), or
    writes ``reply`` and then drops it."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if reply is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(reader.read(65536), 2)
                writer.write(reply)
                await writer.drain()
        writer.transport.abort()

    with threaded_raw_server(serve, scheme="https") as url:
        yield url


@pytest.mark.parametrize("client", ["requests", "httpx"])
async def test_a_dropping_authority_is_a_transport_error(client: str) -> None:
    with authority(None) as url:
        http = httpx.Client(timeout=2) if client == "httpx" else None
        credential = ClientSecretCredential(
            "t", "app", CLIENT_SECRET, authority_host=url, http_client=http
        )
        with pytest.raises(TransportError) as caught:
            await credential.get_token()
        if http is not None:
            http.close()
    message = str(caught.value)
    assert "could not reach the authority" in message
    assert "check the network" in message  # the advice
    assert CLIENT_SECRET not in message


class _BrokenSession:
    """A requests-style session whose answers lack what msal reads (an msal-internal error)."""

    def get(self, *args: object, **kwargs: object) -> object:
        return object()

    def post(self, *args: object, **kwargs: object) -> object:
        return object()

    def close(self) -> None:
        pass


async def test_any_other_msal_failure_is_an_authentication_error() -> None:
    credential = ClientSecretCredential(
        "t",
        "app",
        CLIENT_SECRET,
        authority_host="https://127.0.0.1:9",
        http_client=_BrokenSession(),
    )
    with pytest.raises(AuthenticationError) as caught:
        await credential.get_token()
    message = str(caught.value)
    assert "msal failed to get a token" in message
    assert "check tenant_id" in message
    assert CLIENT_SECRET not in message
