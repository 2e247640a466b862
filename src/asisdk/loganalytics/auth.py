"""Credentials for Log Analytics: msal behind a small async ``TokenCredential`` protocol.

The client only needs ``await credential.get_token() -> AccessToken``. Four credentials ship:

* :class:`ClientSecretCredential` and :class:`CertificateCredential`: app-only (daemon) sign-in
  with ``msal.ConfidentialClientApplication``;
* :class:`DeviceCodeCredential`: delegated sign-in; the "go to ... and enter code ..." message
  goes to a ``prompt`` callback;
* :class:`StaticTokenCredential`: a token you already have (tests, CI, tokens from ``az``).

msal is blocking (it does HTTP with a requests-style client and the device flow polls with
``time.sleep``), so every msal call runs in a worker thread (``asyncio.to_thread``); the msal app
itself is built there too, because building one fetches the tenant's OpenID configuration.
Tokens are cached in the credential and refreshed ``refresh_margin`` (5 minutes) before they
expire; concurrent callers share one token request (an ``asyncio.Lock`` per event loop).
Apps are built with ``instance_discovery=False``, so nothing but the configured
``authority_host`` is contacted (tests run a token endpoint on 127.0.0.1), and secrets are held
as :class:`~asisdk.config.Secret` (masked in every repr and message).

Examples:
    >>> import asyncio
    >>> credential = StaticTokenCredential("eyJ0eXAi...")
    >>> credential
    StaticTokenCredential(token=***)
    >>> asyncio.run(credential.get_token()).token.get()
    'eyJ0eXAi...'
"""

from __future__ import annotations

import abc
import asyncio
import hashlib
import re
import sys
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol, TypedDict, Unpack, runtime_checkable

import attrs
import httpx

from asisdk.config import Config, Secret, load_config, resolve_secret, resolve_setting
from asisdk.errors import (
    AsiError,
    AuthenticationError,
    ConfigurationError,
    RequestTimeoutError,
    TransportError,
)
from asisdk.loganalytics import _defaults

__all__ = [
    "AccessToken",
    "CertificateCredential",
    "ClientSecretCredential",
    "DeviceCodeCredential",
    "StaticTokenCredential",
    "TokenCredential",
    "credential_from_config",
]

_SERVICE = "entra"
_TENANT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-]{0,127}$")
_PEM_KEY = re.compile(
    rb"-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----.+?-----END (?:RSA |EC |ENCRYPTED )?"
    rb"PRIVATE KEY-----",
    re.DOTALL,
)
_PEM_CERT = re.compile(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", re.DOTALL)


@attrs.frozen(kw_only=True)
class AccessToken:
    """A bearer token and when it expires (UTC).

    Examples:
        >>> AccessToken(token=Secret("abc"), expires_on=datetime(2030, 1, 1, tzinfo=UTC))
        AccessToken(token=Secret('***'), expires_on=datetime.datetime(2030, 1, 1, 0, 0, tzinfo=datetime.timezone.utc))
    """  # noqa: E501

    token: Secret
    expires_on: datetime


@runtime_checkable
class TokenCredential(Protocol):
    """Anything that can hand out a Log Analytics bearer token."""

    async def get_token(self) -> AccessToken:
        """Return a token valid for at least a few minutes."""
        ...


class StaticTokenCredential:
    """A token obtained elsewhere (``az account get-access-token``, a CI secret, tests).

    Args:
        token: the bearer token.
        expires_on: when it expires; by default it is treated as never expiring.
    """

    def __init__(self, token: str | Secret, *, expires_on: datetime | None = None) -> None:
        self._token = token if isinstance(token, Secret) else Secret(token)
        self._expires_on = expires_on or datetime.now(UTC) + _defaults.STATIC_TOKEN_LIFETIME

    def __repr__(self) -> str:
        return "StaticTokenCredential(token=***)"

    async def get_token(self) -> AccessToken:
        """Return the token."""
        return AccessToken(token=self._token, expires_on=self._expires_on)


def _check_tenant(tenant_id: str) -> str:
    if not _TENANT.match(tenant_id):
        raise ConfigurationError(
            f"tenant_id {tenant_id!r} is not a tenant GUID or domain name "
            "(e.g. 'contoso.onmicrosoft.com', 'organizations')"
        )
    return tenant_id


class _MsalOptions(TypedDict, total=False):
    """The keyword options every msal credential takes (see :class:`ClientSecretCredential`)."""

    authority_host: str
    scope: str
    http_client: Any
    token_cache: Any
    refresh_margin: timedelta
    clock: Callable[[], float]


class _MsalCredential(abc.ABC):
    """Token caching, refresh and single-flight for the msal-based credentials."""

    def __init__(
        self,
        *,
        tenant_id: str,
        client_id: str,
        authority_host: str = _defaults.AUTHORITY_HOST,
        scope: str = _defaults.SCOPE,
        http_client: Any = None,
        token_cache: Any = None,
        refresh_margin: timedelta = _defaults.TOKEN_REFRESH_MARGIN,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not client_id:
            raise ConfigurationError("client_id is required (the app registration's id)")
        host = httpx.URL(authority_host)
        if host.scheme != "https":
            raise ConfigurationError(
                f"authority_host must be an https URL, not {authority_host!r} "
                "(msal refuses plain http; tests serve TLS on 127.0.0.1)"
            )
        self.tenant_id = _check_tenant(tenant_id)
        self.client_id = client_id
        self.authority = f"{str(host).rstrip('/')}/{self.tenant_id}"
        self.scope = scope
        self._http_client = http_client
        self._token_cache = token_cache
        self._refresh_margin = refresh_margin
        self._clock = clock
        self._app: Any = None
        self._cached: AccessToken | None = None
        self._lock: asyncio.Lock | None = None
        self._lock_loop: asyncio.AbstractEventLoop | None = None
        #: msal requests made so far (tests and diagnostics).
        self.acquire_count = 0

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(tenant_id={self.tenant_id!r}, client_id={self.client_id!r}, "
            f"authority={self.authority!r}, scope={self.scope!r})"
        )

    def _loop_lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if self._lock is None or self._lock_loop is not loop:
            self._lock, self._lock_loop = asyncio.Lock(), loop
        return self._lock

    def _fresh(self) -> AccessToken | None:
        cached = self._cached
        now = datetime.fromtimestamp(self._clock(), UTC)
        if cached is not None and cached.expires_on - self._refresh_margin > now:
            return cached
        return None

    async def get_token(self) -> AccessToken:
        """Return a cached token, or acquire one off the event loop (one request at a time).

        Raises:
            AuthenticationError: Entra ID refused (wrong secret, unknown app, consent...).
            TransportError: the authority could not be reached.
        """
        token = self._fresh()
        if token is not None:
            return token
        async with self._loop_lock():
            token = self._fresh()
            if token is not None:
                return token
            result = await asyncio.to_thread(self._acquire_blocking)
            self._cached = self._to_token(result)
            return self._cached

    def _acquire_blocking(self) -> Mapping[str, Any]:
        self.acquire_count += 1
        try:
            if self._app is None:
                self._app = self._build_app()
            return self._acquire(self._app)
        except AsiError:
            raise
        except (httpx.TransportError, OSError) as exc:
            # httpx as msal's http_client, or msal's default requests session (whose
            # ConnectionError, SSLError and Timeout are OSErrors), or a raw socket error.
            raise self._unreachable(exc) from exc
        except ValueError as exc:  # msal: unknown tenant, bad authority, bad credential data
            raise AuthenticationError(
                f"msal rejected the sign-in setup for {self.authority}: {self._reason(exc)}; "
                "check tenant_id, client_id and authority_host",
                service=_SERVICE,
            ) from exc
        except Exception as exc:  # any other msal failure: never a raw library error
            raise AuthenticationError(
                f"msal failed to get a token from {self.authority} ({self._reason(exc)}); "
                "check tenant_id, client_id, the credential and authority_host, and retry "
                "later if the authority is having trouble",
                service=_SERVICE,
            ) from exc

    def _reason(self, exc: BaseException) -> str:
        """``Type: first line`` of an exception, with the credential's secret masked."""
        text = (str(exc).splitlines() or [""])[0][: _defaults.MAX_AUTH_ERROR_TEXT]
        secret = getattr(self, "_secret", None)
        if isinstance(secret, Secret) and secret.get():
            text = text.replace(secret.get(), "***")
        return f"{type(exc).__name__}: {text}" if text else type(exc).__name__

    def _unreachable(self, exc: BaseException) -> TransportError:
        timed_out = isinstance(exc, httpx.TimeoutException | TimeoutError) or (
            "Timeout" in type(exc).__name__
        )
        kind = RequestTimeoutError if timed_out else TransportError
        return kind(
            f"could not reach the authority {self.authority} ({self._reason(exc)}); "
            "check the network, proxy and authority_host",
            service=_SERVICE,
        )

    def _to_token(self, result: Mapping[str, Any]) -> AccessToken:
        if "access_token" not in result:
            code = str(result.get("error", "unknown_error"))
            description = str(result.get("error_description", "no description")).splitlines()[0]
            raise AuthenticationError(
                f"Entra ID refused a token for {self.scope} ({code}: {description}); check "
                "the client id, secret or certificate, the tenant and the app's permissions",
                service_code=code,
                request_id=result.get("correlation_id"),
                service=_SERVICE,
            )
        lifetime = float(result.get("expires_in", 3600))
        return AccessToken(
            token=Secret(str(result["access_token"])),
            expires_on=datetime.fromtimestamp(self._clock() + lifetime, UTC),
        )

    def _app_options(self) -> dict[str, Any]:
        options: dict[str, Any] = {"authority": self.authority, "instance_discovery": False}
        if self._http_client is not None:
            options["http_client"] = self._http_client
        if self._token_cache is not None:
            options["token_cache"] = self._token_cache
        return options

    @abc.abstractmethod
    def _build_app(self) -> Any:
        """Build the msal application (runs in a worker thread: it fetches the tenant's
        OpenID configuration)."""

    @abc.abstractmethod
    def _acquire(self, app: Any) -> Mapping[str, Any]:
        """Ask msal for a token; return its result dict."""


class _ConfidentialCredential(_MsalCredential):
    """The app-only (client credentials) flow both confidential credentials share."""

    def _acquire(self, app: Any) -> Mapping[str, Any]:
        result: Mapping[str, Any] = app.acquire_token_for_client(scopes=[self.scope])
        return result


class ClientSecretCredential(_ConfidentialCredential):
    """App-only sign-in with a client secret (``msal.ConfidentialClientApplication``).

    Args:
        tenant_id: the directory (tenant) id or domain.
        client_id: the app registration's application id.
        client_secret: the app's secret (masked everywhere).
        **options: the msal options every credential takes: ``authority_host`` (the Entra
            host; override for sovereign clouds and tests), ``scope`` (the token scope, Log
            Analytics by default), ``http_client`` (a requests-compatible client for msal;
            ``httpx.Client()`` works), ``token_cache`` (an ``msal.TokenCache`` to share or
            persist), ``refresh_margin`` (refresh this long before expiry) and ``clock``
            (seconds since the epoch; inject for tests).

    Examples:
        >>> ClientSecretCredential("contoso.onmicrosoft.com", "app-id", "s3cret")
        ClientSecretCredential(tenant_id='contoso.onmicrosoft.com', client_id='app-id', authority='https://login.microsoftonline.com/contoso.onmicrosoft.com', scope='https://api.loganalytics.io/.default')
    """  # noqa: E501

    def __init__(
        self,
        tenant_id: str,
        client_id: str,
        client_secret: str | Secret,
        **options: Unpack[_MsalOptions],
    ) -> None:
        super().__init__(tenant_id=tenant_id, client_id=client_id, **options)
        secret = client_secret if isinstance(client_secret, Secret) else Secret(client_secret)
        if not secret.get():
            raise ConfigurationError("client_secret is empty")
        self._secret = secret

    def _build_app(self) -> Any:
        import msal

        return msal.ConfidentialClientApplication(
            self.client_id, client_credential=self._secret.get(), **self._app_options()
        )


def _pem_parts(pem: bytes) -> tuple[bytes, bytes]:
    key = _PEM_KEY.search(pem)
    cert = _PEM_CERT.search(pem)
    if key is None or cert is None:
        raise ConfigurationError(
            "the certificate PEM must hold both a PRIVATE KEY and a CERTIFICATE block"
        )
    return key.group(0), cert.group(0)


class CertificateCredential(_ConfidentialCredential):
    """App-only sign-in with a certificate (a signed client assertion, no secret sent).

    Args:
        tenant_id: the directory (tenant) id or domain.
        client_id: the app registration's application id.
        certificate: PEM data, or the path of a PEM file, holding the private key and the
            certificate (the format ``az ad sp create-for-rbac --create-cert`` writes).
        password: the private key's password, if it is encrypted.

    The other keyword arguments (``authority_host``, ``scope``, ``http_client``,
    ``token_cache``, ``refresh_margin``, ``clock``) are as for :class:`ClientSecretCredential`.
    """

    def __init__(
        self,
        tenant_id: str,
        client_id: str,
        *,
        certificate: bytes | str | Path,
        password: str | Secret | None = None,
        **options: Unpack[_MsalOptions],
    ) -> None:
        super().__init__(tenant_id=tenant_id, client_id=client_id, **options)
        if isinstance(certificate, Path):
            data = certificate.read_bytes()
        elif isinstance(certificate, str):
            data = certificate.encode()
        else:
            data = certificate
        key, cert = _pem_parts(data)
        self._private_key = Secret(key.decode())
        self._certificate = cert.decode()
        self._password = (
            password if isinstance(password, Secret) or password is None else Secret(password)
        )
        self.thumbprint = _thumbprint(cert)

    def _build_app(self) -> Any:
        import msal

        credential: dict[str, str] = {
            "private_key": self._private_key.get(),
            "thumbprint": self.thumbprint,
            "public_certificate": self._certificate,
        }
        if self._password is not None:
            credential["passphrase"] = self._password.get()
        return msal.ConfidentialClientApplication(
            self.client_id, client_credential=credential, **self._app_options()
        )


def _thumbprint(cert_pem: bytes) -> str:
    """SHA-1 of the certificate's DER bytes, upper-case hex (what Entra ID calls the thumbprint)."""
    import base64

    body = b"".join(
        line for line in cert_pem.splitlines() if line and not line.startswith(b"-----")
    )
    der = base64.b64decode(body)
    return hashlib.sha1(der, usedforsecurity=False).hexdigest().upper()


def _print_prompt(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class DeviceCodeCredential(_MsalCredential):
    """Delegated sign-in with the device code flow (``msal.PublicClientApplication``).

    A cached account is tried silently first; otherwise the device flow starts and its message
    ("To sign in, use a web browser to open the page ... and enter the code ...") is passed to
    ``prompt``. ``prompt`` is called from a worker thread; in a notebook, display the message
    or put it in a widget.

    Args:
        client_id: the public client app's id.
        tenant_id: the tenant; ``"organizations"`` (any work or school account) by default.
        prompt: receives the sign-in message; prints to stderr by default.

    The other keyword arguments (``authority_host``, ``scope``, ``http_client``,
    ``token_cache``, ``refresh_margin``, ``clock``) are as for :class:`ClientSecretCredential`.
    """

    def __init__(
        self,
        client_id: str,
        *,
        tenant_id: str = _defaults.DEVICE_CODE_TENANT,
        prompt: Callable[[str], None] = _print_prompt,
        **options: Unpack[_MsalOptions],
    ) -> None:
        super().__init__(tenant_id=tenant_id, client_id=client_id, **options)
        self._prompt = prompt

    def _build_app(self) -> Any:
        import msal

        return msal.PublicClientApplication(self.client_id, **self._app_options())

    def _acquire(self, app: Any) -> Mapping[str, Any]:
        scopes = [self.scope]
        accounts = app.get_accounts()
        if accounts:
            silent: Mapping[str, Any] | None = app.acquire_token_silent(scopes, account=accounts[0])
            if silent and "access_token" in silent:
                return silent
        flow: dict[str, Any] = app.initiate_device_flow(scopes=scopes)
        if "user_code" not in flow:
            return flow  # an error dict: _to_token raises with its description
        self._prompt(str(flow["message"]))
        result: Mapping[str, Any] = app.acquire_token_by_device_flow(flow)
        return result


def credential_from_config(*, config: Config | None = None) -> TokenCredential:
    """Build a credential from the environment or the config file.

    Settings (argument-less; environment first, then ``[loganalytics]`` in the config file):
    ``tenant_id`` (``ASISDK_LOGANALYTICS_TENANT_ID`` or ``AZURE_TENANT_ID``), ``client_id``
    (``ASISDK_LOGANALYTICS_CLIENT_ID`` or ``AZURE_CLIENT_ID``), ``client_secret``
    (``ASISDK_LOGANALYTICS_CLIENT_SECRET`` or ``AZURE_CLIENT_SECRET``) and ``authority_host``
    (``ASISDK_LOGANALYTICS_AUTHORITY_HOST`` or ``AZURE_AUTHORITY_HOST``). With a secret the
    result is a :class:`ClientSecretCredential`; with only a client id, a
    :class:`DeviceCodeCredential`.

    Examples:
        >>> from asisdk.config import Config
        >>> credential_from_config(config=Config(data={"loganalytics": {
        ...     "tenant_id": "contoso.onmicrosoft.com", "client_id": "app",
        ...     "client_secret": "s3cret"}})).authority
        'https://login.microsoftonline.com/contoso.onmicrosoft.com'

    Raises:
        ConfigurationError: no client id is configured anywhere (the message names where to
            set one).
    """
    cfg = config if config is not None else load_config()

    def setting(key: str, env: str) -> str | None:
        return resolve_setting(f"loganalytics.{key}", None, env_aliases=(env,), config=cfg)

    client_id = setting("client_id", "AZURE_CLIENT_ID")
    if not client_id:
        raise ConfigurationError(
            "no Log Analytics credential configured: pass credential=, or set "
            "ASISDK_LOGANALYTICS_CLIENT_ID (or AZURE_CLIENT_ID) with "
            "ASISDK_LOGANALYTICS_TENANT_ID and ASISDK_LOGANALYTICS_CLIENT_SECRET, or add them "
            "to the [loganalytics] table of the config file"
        )
    tenant_id = setting("tenant_id", "AZURE_TENANT_ID")
    authority_host = setting("authority_host", "AZURE_AUTHORITY_HOST") or _defaults.AUTHORITY_HOST
    secret = resolve_secret(
        "loganalytics.client_secret",
        None,
        env_aliases=("AZURE_CLIENT_SECRET",),
        config=cfg,
        required=False,
    )
    if secret is not None:
        if not tenant_id:
            raise ConfigurationError(
                "a client secret needs a tenant: set ASISDK_LOGANALYTICS_TENANT_ID (or "
                "AZURE_TENANT_ID) or loganalytics.tenant_id in the config file"
            )
        return ClientSecretCredential(tenant_id, client_id, secret, authority_host=authority_host)
    return DeviceCodeCredential(
        client_id,
        tenant_id=tenant_id or _defaults.DEVICE_CODE_TENANT,
        authority_host=authority_host,
    )
