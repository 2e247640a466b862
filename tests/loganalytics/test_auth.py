"""Credentials: caching, refresh before expiry, validation, masking."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import httpx
import pytest

from asisdk.errors import ConfigurationError, TransportError
from asisdk.loganalytics import (
    CertificateCredential,
    ClientSecretCredential,
    DeviceCodeCredential,
    StaticTokenCredential,
    TokenCredential,
)
from loganalytics.fake_service import (
    TlsLoopbackServer,
    TokenApp,
    client_tls_context,
    entra_endpoint,
)


async def test_static_token() -> None:
    expiry = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    credential = StaticTokenCredential("abc", expires_on=expiry)
    token = await credential.get_token()
    assert token.token.get() == "abc"
    assert token.expires_on == expiry
    assert "abc" not in repr(credential)
    assert "abc" not in repr(token)
    assert isinstance(credential, TokenCredential)


async def test_token_is_refreshed_before_expiry(
    tls_material: tuple[bytes, bytes], tmp_path: Path
) -> None:
    tokens = TokenApp(expires_in=3600)
    now = [1_700_000_000.0]
    async with entra_endpoint(tokens, tls_material, tmp_path) as (authority, msal_http):
        credential = ClientSecretCredential(
            "tenant-1",
            "app",
            tokens.client_secret,
            authority_host=authority,
            http_client=msal_http,
            clock=lambda: now[0],
            token_cache=None,
        )
        first = await credential.get_token()
        now[0] += 3000  # 10 minutes left: still served from our cache
        assert await credential.get_token() is first
        now[0] += 400  # under 5 minutes left: refreshed
        await credential.get_token()
    assert credential.acquire_count == 2
    assert tokens.discovery_requests == 1  # the msal app (and its discovery) is reused


async def test_unreachable_authority_is_transport_error(
    tls_material: tuple[bytes, bytes], tmp_path: Path
) -> None:
    cert, key = tls_material
    server = TlsLoopbackServer(TokenApp(), cert_pem=cert, key_pem=key, tmp=tmp_path)
    await server.start()
    url = server.base_url
    await server.stop()
    with httpx.Client(verify=client_tls_context(cert), timeout=2) as msal_http:
        credential = ClientSecretCredential(
            "t", "app", "secret", authority_host=url, http_client=msal_http
        )
        with pytest.raises(TransportError, match="could not reach the authority"):
            await credential.get_token()


def test_validation_and_masking(tls_material: tuple[bytes, bytes]) -> None:
    with pytest.raises(ConfigurationError, match="https"):
        ClientSecretCredential("t", "app", "s", authority_host="http://127.0.0.1:1")
    with pytest.raises(ConfigurationError, match="tenant"):
        ClientSecretCredential("../evil", "app", "s")
    with pytest.raises(ConfigurationError, match="client_id"):
        ClientSecretCredential("t", "", "s")
    with pytest.raises(ConfigurationError):
        ClientSecretCredential("t", "app", "")
    with pytest.raises(ConfigurationError, match="PRIVATE KEY"):
        CertificateCredential("t", "app", certificate=tls_material[0])
    credential = ClientSecretCredential("t", "app", "very-secret-value")
    assert "very-secret-value" not in repr(credential)
    device = DeviceCodeCredential("app")
    assert device.authority == "https://login.microsoftonline.com/organizations"


async def test_concurrent_callers_share_one_request_across_loops(
    tls_material: tuple[bytes, bytes], tmp_path: Path
) -> None:
    tokens = TokenApp()
    async with entra_endpoint(tokens, tls_material, tmp_path) as (authority, msal_http):
        credential = ClientSecretCredential(
            "t",
            "app",
            tokens.client_secret,
            authority_host=authority,
            http_client=msal_http,
        )
        results = await asyncio.gather(*(credential.get_token() for _ in range(20)))
    assert len({id(r) for r in results}) == 1
    assert tokens.token_requests == 1


_ENV = [
    f"{prefix}{name}"
    for prefix in ("ASISDK_LOGANALYTICS_", "AZURE_")
    for name in ("TENANT_ID", "CLIENT_ID", "CLIENT_SECRET", "AUTHORITY_HOST", "WORKSPACE_ID")
] + ["ASISDK_LOGANALYTICS_BASE_URL"]


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in _ENV:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_credential_from_config(clean_env: pytest.MonkeyPatch) -> None:
    from asisdk.config import Config
    from asisdk.loganalytics import LogAnalyticsClient, credential_from_config

    table = {"tenant_id": "contoso.onmicrosoft.com", "client_id": "app", "client_secret": "s3"}
    credential = credential_from_config(config=Config(data={"loganalytics": table}))
    assert isinstance(credential, ClientSecretCredential)
    clean_env.setenv("AZURE_CLIENT_ID", "from-env")
    clean_env.setenv("ASISDK_LOGANALYTICS_AUTHORITY_HOST", "https://login.microsoftonline.us")
    device = credential_from_config(config=Config(data={"loganalytics": {"client_id": "cfg"}}))
    assert isinstance(device, DeviceCodeCredential)
    assert device.client_id == "from-env"
    assert device.authority == "https://login.microsoftonline.us/organizations"
    clean_env.delenv("AZURE_CLIENT_ID")
    with pytest.raises(ConfigurationError, match="AZURE_CLIENT_ID"):
        credential_from_config(config=Config())
    with pytest.raises(ConfigurationError, match="needs a tenant"):
        credential_from_config(
            config=Config(data={"loganalytics": {"client_id": "a", "client_secret": "s"}})
        )
    with pytest.raises(ConfigurationError, match="ASISDK_LOGANALYTICS_WORKSPACE_ID"):
        LogAnalyticsClient.from_config(config=Config(data={"loganalytics": table}))
    clean_env.setenv("ASISDK_LOGANALYTICS_WORKSPACE_ID", "0b1a7c6e-0000-4000-8000-000000000000")
    client = LogAnalyticsClient.from_config(
        config=Config(data={"loganalytics": {**table, "base_url": "https://api.loganalytics.us"}})
    )
    assert client.workspace_id == "0b1a7c6e-0000-4000-8000-000000000000"
    assert client.base_url == "https://api.loganalytics.us"
