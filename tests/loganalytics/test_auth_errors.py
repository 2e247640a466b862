"""msal's failures surface as asisdk errors with advice, never raw (issue 22).

The authority is a real 127.0.0.1 server that accepts connections and drops them; msal runs with
its default ``requests`` session and with an ``httpx.Client``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from _support.loopback import Reply, Request, threaded_raw_server
from asisdk.errors import AsiError, AuthenticationError, TransportError
from asisdk.loganalytics.auth import ClientSecretCredential

from .fake_service import TlsLoopbackServer, client_tls_context

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


@pytest.mark.parametrize(
    "body",
    [b"<html><body>Sign in to the hotel Wi-Fi</body></html>", b"{not json", b""],
    ids=["html", "broken-json", "empty"],
)
async def test_an_authority_answering_not_json_is_an_error_with_advice(
    body: bytes, tls_material: tuple[bytes, bytes], tmp_path: Path
) -> None:
    """The OpenID configuration (and every other authority path) answers 200 with a body that
    is not JSON, as a captive portal or a proxy's login page does (issue 22)."""

    def not_json(request: Request) -> Reply:
        return Reply(200, body, {"content-type": "text/html"})

    cert, key = tls_material
    async with TlsLoopbackServer(not_json, cert_pem=cert, key_pem=key, tmp=tmp_path) as server:
        with httpx.Client(verify=client_tls_context(cert)) as msal_http:
            credential = ClientSecretCredential(
                "t", "app", CLIENT_SECRET, authority_host=server.base_url, http_client=msal_http
            )
            with pytest.raises(AsiError) as caught:
                await credential.get_token()
        asked = list(server.stats.by_path)
    assert any("openid-configuration" in path for path in asked), asked
    assert isinstance(caught.value, AuthenticationError)
    message = str(caught.value)
    assert server.base_url in message  # which authority
    assert "check tenant_id, client_id and authority_host" in message  # what to do
    assert CLIENT_SECRET not in message
    assert CLIENT_SECRET not in repr(caught.value)
    assert CLIENT_SECRET not in "".join(map(str, caught.value.args))
