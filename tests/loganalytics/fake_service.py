"""A fake Log Analytics query service and a fake Entra ID token endpoint (TLS) on 127.0.0.1.

Both run on :class:`_support.loopback.LoopbackServer` (real sockets, real HTTP/1.1).

The query service holds one event per ``step`` between ``first`` and ``last`` and answers
``POST /v1/workspaces/{id}/query`` with the rows whose time lies in the request's ``timespan``
(both ends inclusive, which is the harshest reading for boundary tests). Words in the query
text trigger behaviours: ``BadSyntax`` (400 with nested inner errors), ``PartialPlease`` (200
with a ``PartialError``), ``TooLarge`` (partial with the size-limit engine error),
``ServerTimeout`` (504). ``fail_at`` makes any chunk containing that time answer 500.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import ssl
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pandas as pd
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from _support.loopback import LoopbackServer, Reply, Request

WORKSPACE = "0b1a7c6e-0000-4000-8000-000000000000"
TOKEN = "fake-token-0123456789"
COLUMNS = [
    {"name": "TimeGenerated", "type": "datetime"},
    {"name": "Computer", "type": "string"},
    {"name": "EventID", "type": "int"},
    {"name": "Bytes", "type": "long"},
    {"name": "Score", "type": "real"},
    {"name": "IsAdmin", "type": "bool"},
    {"name": "SessionId", "type": "guid"},
    {"name": "Duration", "type": "timespan"},
    {"name": "Props", "type": "dynamic"},
    {"name": "Seq", "type": "long"},
]


def la_error(status: int, code: str, message: str, inner: dict[str, Any] | None = None) -> Reply:
    error: dict[str, Any] = {"code": code, "message": message, "correlationId": "corr-1"}
    if inner is not None:
        error["innererror"] = inner
    return Reply.json(status, {"error": error})


def _ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text.rstrip("Z"), tz="UTC")


@dataclass
class LogAnalyticsApp:
    first: dt.datetime = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
    last: dt.datetime = dt.datetime(2024, 5, 2, tzinfo=dt.UTC)
    step: dt.timedelta = dt.timedelta(minutes=30)
    token: str = TOKEN
    fail_at: dt.datetime | None = None
    truncate_over: int | None = None
    timespans: list[str] = field(default_factory=list)
    prefers: list[str] = field(default_factory=list)
    queries: list[str] = field(default_factory=list)

    def rows(self, start: pd.Timestamp | None, end: pd.Timestamp | None) -> list[list[Any]]:
        rows: list[list[Any]] = []
        moment, seq = self.first, 0
        while moment <= self.last:
            stamp = pd.Timestamp(moment)
            if (start is None or stamp >= start) and (end is None or stamp <= end):
                rows.append(
                    [
                        moment.strftime("%Y-%m-%dT%H:%M:%S.0000000Z"),
                        f"host-{seq % 3}",
                        4624 + seq % 2,
                        None if seq % 5 == 0 else seq * 1_000_000_007,
                        None if seq % 4 == 0 else seq / 4,
                        None if seq % 6 == 0 else bool(seq % 2),
                        f"00000000-0000-4000-8000-{seq:012d}",
                        f"{seq % 2}.00:{seq % 60:02d}:00.5000000",
                        json.dumps({"seq": seq, "ports": [80, 443]}),
                        seq,
                    ]
                )
            moment += self.step
            seq += 1
        return rows

    def __call__(self, request: Request) -> Reply:
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return la_error(
                401, "AuthorizationRequiredError", "Valid authentication was not provided"
            )
        if not request.path.startswith(f"/v1/workspaces/{WORKSPACE}/query"):
            return la_error(404, "WorkspaceNotFoundError", "no such workspace")
        body = json.loads(request.body)
        query: str = body["query"]
        span = body.get("timespan")
        self.queries.append(query)
        self.prefers.append(request.headers.get("prefer", ""))
        if span is not None:
            self.timespans.append(span)
        start = end = None
        if span:
            first, second = span.split("/")
            start, end = _ts(first), _ts(second)
        if "BadSyntax" in query:
            return la_error(
                400,
                "BadArgumentError",
                "The request had some invalid properties",
                {
                    "code": "SyntaxError",
                    "message": "A recognition error occurred in the query.",
                    "innererror": {
                        "code": "SYN0002",
                        "message": "Query could not be parsed at 'BadSyntax' on line [1,0]",
                    },
                },
            )
        if "ServerTimeout" in query:
            return la_error(504, "GatewayTimeout", "The query exceeded the server timeout")
        failing = self.fail_at is not None and start is not None and end is not None
        if failing and start <= pd.Timestamp(self.fail_at) <= end:  # type: ignore[operator]
            return la_error(500, "InternalServerError", "chunk failed on the server")
        rows = self.rows(start, end)
        truncated = self.truncate_over is not None and len(rows) > self.truncate_over
        if truncated:
            rows = rows[: self.truncate_over]
            query += " TooLarge"
        payload: dict[str, Any] = {
            "tables": [{"name": "PrimaryResult", "columns": COLUMNS, "rows": rows}]
        }
        if "include-statistics=true" in request.headers.get("prefer", ""):
            payload["statistics"] = {"query": {"executionTime": 0.01}}
        if "PartialPlease" in query or "TooLarge" in query:
            inner = (
                "Query result set has exceeded the internal data size limit 64000000 "
                "(E_QUERY_RESULT_SET_TOO_LARGE; see https://aka.ms/kustoquerylimits)"
                if "TooLarge" in query
                else "Failed to resolve scalar expression named 'x'"
            )
            payload["error"] = {
                "code": "PartialError",
                "message": "There were some errors when processing your query.",
                "details": [
                    {
                        "code": "EngineError",
                        "message": "Something went wrong processing your query on the server.",
                        "innererror": {"code": "-2133196797", "message": inner, "severity": 2},
                    }
                ],
            }
        return Reply.json(200, payload)


# -- Entra ID token endpoint ----------------------------------------------------------------


def self_signed(host: str = "127.0.0.1") -> tuple[bytes, bytes]:
    """(certificate PEM, private key PEM) for ``host``."""
    import ipaddress

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


@dataclass
class TokenApp:
    base_url: str = ""
    client_secret: str = "s3cret-value"
    token: str = TOKEN
    expires_in: int = 3600
    pending_polls: int = 1
    token_requests: int = 0
    grants: list[dict[str, str]] = field(default_factory=list)
    discovery_requests: int = 0

    def __call__(self, request: Request) -> Reply:
        parts = request.path.strip("/").split("/")
        tenant = parts[0]
        root = f"{self.base_url}/{tenant}"
        if request.path.endswith("/v2.0/.well-known/openid-configuration"):
            self.discovery_requests += 1
            return Reply.json(
                200,
                {
                    "token_endpoint": f"{root}/oauth2/v2.0/token",
                    "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
                    "device_authorization_endpoint": f"{root}/oauth2/v2.0/devicecode",
                    "issuer": f"{root}/v2.0",
                },
            )
        form = dict(parse_qsl(request.body.decode()))
        if request.path.endswith("/oauth2/v2.0/devicecode"):
            return Reply.json(
                200,
                {
                    "user_code": "FAKE-CODE",
                    "device_code": "device-code-1",
                    "verification_uri": "https://microsoft.com/devicelogin",
                    "expires_in": 900,
                    "interval": 0,
                    "message": "To sign in, open https://microsoft.com/devicelogin and enter "
                    "the code FAKE-CODE",
                },
            )
        if request.path.endswith("/oauth2/v2.0/token"):
            self.token_requests += 1
            self.grants.append(form)
            grant = form.get("grant_type", "")
            if grant == "client_credentials":
                secret_ok = form.get("client_secret") == self.client_secret
                assertion_ok = bool(form.get("client_assertion"))
                if not (secret_ok or assertion_ok):
                    return Reply.json(
                        401,
                        {
                            "error": "invalid_client",
                            "error_description": "AADSTS7000215: Invalid client secret provided.",
                            "error_codes": [7000215],
                            "correlation_id": "corr-entra",
                        },
                    )
            elif "device_code" in grant and self.pending_polls > 0:
                self.pending_polls -= 1
                return Reply.json(
                    400,
                    {"error": "authorization_pending", "error_description": "pending"},
                )
            return Reply.json(
                200,
                {
                    "token_type": "Bearer",
                    "access_token": self.token,
                    "expires_in": self.expires_in,
                    "ext_expires_in": self.expires_in,
                },
            )
        return Reply.json(404, {"error": "not_found"})


class TlsLoopbackServer(LoopbackServer):
    """The loopback server behind TLS (msal only accepts https authorities)."""

    def __init__(self, app: Any, *, cert_pem: bytes, key_pem: bytes, tmp: Any, **kw: Any) -> None:
        super().__init__(app, **kw)
        cert_file = tmp / "cert.pem"
        key_file = tmp / "key.pem"
        cert_file.write_bytes(cert_pem)
        key_file.write_bytes(key_pem)
        self.ssl = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ssl.load_cert_chain(cert_file, key_file)

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    async def start(self, port: int = 0) -> LoopbackServer:
        import asyncio
        import time

        self._server = await asyncio.start_server(self._serve, "127.0.0.1", port, ssl=self.ssl)
        self.port = self._server.sockets[0].getsockname()[1]
        self._started = time.monotonic()
        return self


def client_tls_context(cert_pem: bytes) -> ssl.SSLContext:
    return ssl.create_default_context(cadata=cert_pem.decode())


@contextlib.asynccontextmanager
async def entra_endpoint(
    tokens: TokenApp, tls_material: tuple[bytes, bytes], tmp: Path
) -> AsyncIterator[tuple[str, httpx.Client]]:
    """A fake Entra ID token endpoint on 127.0.0.1 over TLS, and an httpx client for msal
    that trusts it; yields ``(authority_host, msal_http_client)``."""
    cert, key = tls_material
    async with TlsLoopbackServer(tokens, cert_pem=cert, key_pem=key, tmp=tmp) as entra:
        tokens.base_url = entra.base_url
        with httpx.Client(verify=client_tls_context(cert)) as msal_http:
            yield entra.base_url, msal_http


def timespans_cover(spans: Iterable[str]) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    out = []
    for text in spans:
        first, second = text.split("/")
        out.append((_ts(first), _ts(second)))
    return sorted(out)
