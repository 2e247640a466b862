"""The base async client every asisdk service client is built on.

:class:`ApiClient` does the transport work and nothing service-specific: it joins paths to a
``base_url``, adds default headers and query parameters (secrets unwrapped only here), limits
itself (:class:`~asisdk._http.Limiter`), retries (:class:`~asisdk._http.RetryPolicy`), maps
error answers to the :mod:`asisdk.errors` tree through a service's error parser, and logs to
``logging.getLogger("asisdk.http.<service>")`` with secrets masked. A service client (VirusTotal,
IPStack, Log Analytics) *owns* one ``ApiClient``, builds requests and parses responses itself.

Ownership of the ``httpx.AsyncClient``: pass ``http_client=`` to share a pool (or inject a
``httpx.MockTransport``); it is then used as is (its base URL and headers are ignored; ours are
sent per request) and never closed by us. Without it an owned client is created on first use
and closed by :meth:`ApiClient.aclose` / ``async with``.

Event loops: an owned client is bound to the loop it was created in; when a later request runs
in another loop (a script calling ``asyncio.run`` twice) the old client is dropped (closed on
its loop if that loop still runs) and a new one is made, like the :class:`Limiter`. An injected
client is never replaced: using it from a second loop raises
:class:`~asisdk._http.EventLoopMismatchError` instead of httpx's ``Event loop is closed``.

Response size: bodies are streamed and read up to ``RequestLimits.max_response_bytes`` (64 MiB
by default, counted after gzip/deflate decoding); a bigger answer raises
:class:`~asisdk.errors.ResponseTooLargeError` instead of filling memory.

Deadline: one :meth:`ApiClient.request` takes at most ``RequestLimits.request_deadline`` seconds
(5 minutes by default) of sending, waiting, body streaming and retry waits; httpx's timeouts are
per read, so without it a server trickling one byte every few seconds could hold a call for
hours. On expiry the call raises :class:`~asisdk.errors.RequestTimeoutError`.

Cancellation: cancelling a task inside :meth:`ApiClient.request` releases its concurrency slot
and its rate-limiter wait, and httpx closes a connection whose response was not fully read, so
a cancelled batch leaves no request half-done on a pooled connection.

Examples:
    >>> import asyncio
    >>> async def main() -> None:
    ...     transport = httpx.MockTransport(lambda request: httpx.Response(200, json={"ok": 1}))
    ...     async with httpx.AsyncClient(transport=transport) as http:
    ...         api = ApiClient(service="demo", base_url="https://api.example/v1", http_client=http)
    ...         print(await api.get_json("/things/1"))
    >>> asyncio.run(main())
    {'ok': 1}
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any

import attrs
import httpx

from asisdk._closing import AsyncClosing
from asisdk._http import _defaults
from asisdk._http._errors import (
    ErrorDescription,
    ErrorParser,
    EventLoopMismatchError,
    default_error_parser,
)
from asisdk._http._limits import Limiter, RequestLimits
from asisdk._http._masking import SecretMasker, install_http_log_filter, register_secrets
from asisdk._http._retry import IDEMPOTENT_METHODS, RetryPolicy, parse_retry_after
from asisdk.config import Secret
from asisdk.errors import (
    ApiError,
    ApiStatusError,
    ClosedError,
    ConfigurationError,
    RateLimitedError,
    RequestTimeoutError,
    ResponseTooLargeError,
    TransportError,
)

__all__ = ["ApiClient", "QueryParams", "retry_after_of"]

#: Query parameter values accepted by :meth:`ApiClient.request`.
QueryParams = Mapping[str, "str | int | float | bool | Secret | None"]

#: Transport failures worth another attempt (the request may not have reached the service, or
#: the answer was lost). Local protocol errors and unsupported schemes are our own bugs.
_RETRYABLE_TRANSPORT = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


@attrs.frozen(kw_only=True)
class _Prepared:
    """One request, ready to send: merged parameters and headers, and how it is shown."""

    method: str
    url: httpx.URL
    params: list[tuple[str, str | int | float | bool | None]]
    headers: dict[str, str]
    json: object
    data: Mapping[str, str] | None
    may_retry: bool
    #: ``METHOD url`` with secrets masked, for logs and errors.
    shown: str
    masker: SecretMasker


@attrs.frozen(kw_only=True)
class _Outcome:
    """What one attempt gave: a successful response, or an error and whether to retry it."""

    response: httpx.Response | None = None
    error: ApiError | None = None
    retryable: bool = False
    retry_after: float | None = None
    cause: BaseException | None = None
    #: Seconds the attempt took once the limiter let it go (what counts against the deadline).
    elapsed: float = 0.0


def retry_after_of(response: httpx.Response) -> float | None:
    """The wait a response asks for, in seconds: ``retry-after-ms`` / ``x-ms-retry-after-ms``
    (Azure, milliseconds) first, then ``Retry-After`` (seconds or an HTTP date).

    Examples:
        >>> retry_after_of(httpx.Response(429, headers={"x-ms-retry-after-ms": "1500"}))
        1.5
        >>> retry_after_of(httpx.Response(429, headers={"Retry-After": "2"}))
        2.0
        >>> retry_after_of(httpx.Response(503)) is None
        True
    """
    for name in _defaults.RETRY_AFTER_MS_HEADERS:
        milliseconds = parse_retry_after(response.headers.get(name))
        if milliseconds is not None:
            return milliseconds / 1000.0
    return parse_retry_after(response.headers.get("retry-after"))


def _check_base_url(base_url: str, *, allow_http: bool) -> httpx.URL:
    url = httpx.URL(base_url)
    if url.scheme == "https":
        return url
    if url.scheme == "http" and (allow_http or url.host in _defaults.LOOPBACK_HOSTS):
        return url
    raise ConfigurationError(
        f"base_url must use https (got scheme {url.scheme!r} for host {url.host!r}); "
        "plain http is allowed for 127.0.0.1/localhost test servers, or with allow_http=True"
    )


def _plain(value: str | int | float | bool | Secret) -> str:
    if isinstance(value, Secret):
        return value.get()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class ApiClient(AsyncClosing):
    """Rate-limited, retrying, error-mapping HTTP client for one service.

    Args:
        service: short service name; used in errors (``error.service``) and the logger name.
        base_url: the API root, e.g. ``"https://www.virustotal.com/api/v3"``. Must be https,
            except for loopback hosts or with ``allow_http=True``.
        headers: headers sent with every request; ``Secret`` values are unwrapped only when
            sending and masked everywhere else.
        params: query parameters sent with every request (``Secret`` values allowed).
        masked_params: query parameter names whose values are masked in logs and errors, e.g.
            ``("access_key",)``; parameters given as ``Secret`` are masked anyway.
        limits: rate quotas, daily budget and concurrency bound.
        retry: the retry policy.
        http_client: an ``httpx.AsyncClient`` to use instead of an owned one (not closed here).
        timeout: timeouts of the owned client (ignored with ``http_client``); ``None``: the
            defaults.
        error_parser: describes error answers (see :mod:`asisdk._http._errors`).
        request_id_headers: response headers that may carry the service's request id.
        allow_http: allow a plain-http ``base_url`` on a non-loopback host.
        sleep: the coroutine used to wait between retries (inject to observe waits).
        limiter: a live :class:`Limiter` to share between clients of one account; by default
            one is made from ``limits``.

    Examples:
        >>> api = ApiClient(service="demo", base_url="https://api.example/v1",
        ...                 headers={"x-apikey": Secret("abc")})
        >>> api.base_url, "abc" in repr(api)
        ('https://api.example/v1', False)
    """

    def __init__(
        self,
        *,
        service: str,
        base_url: str,
        headers: Mapping[str, str | Secret] | None = None,
        params: QueryParams | None = None,
        masked_params: Iterable[str] = (),
        limits: RequestLimits | None = None,
        retry: RetryPolicy | None = None,
        http_client: httpx.AsyncClient | None = None,
        timeout: httpx.Timeout | None = None,
        error_parser: ErrorParser = default_error_parser,
        request_id_headers: Sequence[str] = _defaults.REQUEST_ID_HEADERS,
        allow_http: bool = False,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        limiter: Limiter | None = None,
    ) -> None:
        self.service = service
        self._base_url = _check_base_url(base_url, allow_http=allow_http)
        self._headers = dict(headers or {})
        self._params = dict(params or {})
        secrets = [
            v for v in (*self._headers.values(), *self._params.values()) if isinstance(v, Secret)
        ]
        self._masker = SecretMasker(secrets, query_params=masked_params)
        # httpx/httpcore log URLs and headers themselves: mask our secrets in their records too.
        register_secrets(secrets, query_params=masked_params)
        install_http_log_filter()
        self.retry = retry if retry is not None else RetryPolicy()
        self.limiter = (
            limiter if limiter is not None else Limiter(limits or RequestLimits(), service=service)
        )
        self.limits = self.limiter.limits
        self._injected = http_client
        self._owned: httpx.AsyncClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None  # the loop the HTTP client serves
        # Held so the loop's shutdown_asyncgens (asyncio.run's last step) closes the owned
        # client in its own loop: a script calling asyncio.run per call leaks no socket.
        self._closer: AsyncGenerator[None, None] | None = None
        self._closer_started: asyncio.Task[None] | None = None
        self._timeout = _defaults.TIMEOUT if timeout is None else timeout
        self._error_parser = error_parser
        self._request_id_headers = tuple(request_id_headers)
        self._sleep = sleep
        self._closed = False
        self.logger = logging.getLogger(f"{_defaults.LOGGER_PREFIX}.{service}")

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(service={self.service!r}, base_url={self.base_url!r}, "
            f"limits={self.limits!r}, retry={self.retry!r})"
        )

    @property
    def base_url(self) -> str:
        """The API root requests are sent to (secrets masked)."""
        return self._masker.url(self._base_url).rstrip("/")

    @property
    def masker(self) -> SecretMasker:
        """The masker used for this client's logs and errors (service code may reuse it)."""
        return self._masker

    # -- lifecycle -------------------------------------------------------------------------

    def _http(self) -> httpx.AsyncClient:
        if self._closed:
            raise ClosedError(f"the {self.service} client is closed; create a new one")
        loop = asyncio.get_running_loop()
        if self._injected is not None:
            if self._loop is None:
                self._loop = loop
            elif loop is not self._loop:
                raise EventLoopMismatchError(
                    f"the injected httpx.AsyncClient of this {self.service} client was first "
                    "used in another event loop and cannot serve this one; create the "
                    "httpx.AsyncClient inside the loop that uses it (e.g. within one "
                    "asyncio.run), omit http_client= to let the client manage its own, or use "
                    "asisdk.sync for blocking calls"
                )
            return self._injected
        if self._owned is not None and loop is not self._loop:
            self._drop_owned()
        if self._owned is None:
            connections = max(self.limits.max_concurrency, 1)
            self._owned = httpx.AsyncClient(
                timeout=self._timeout,
                limits=httpx.Limits(
                    max_connections=connections, max_keepalive_connections=connections
                ),
                headers={"User-Agent": _defaults.USER_AGENT},
            )
            self._loop = loop
            self._closer = _close_at_loop_end(self._owned)
            self._closer_started = loop.create_task(_start(self._closer))
        return self._owned

    def _drop_owned(self) -> None:
        """Forget the owned client of a previous loop, closing it there if that loop runs."""
        owned, old_loop = self._owned, self._loop
        self._owned = self._loop = None
        if owned is None or old_loop is None or old_loop.is_closed():
            return  # its connections died with their loop
        self.logger.debug("the event loop changed; a new HTTP client is made for the new one")
        if old_loop.is_running():
            asyncio.run_coroutine_threadsafe(owned.aclose(), old_loop)

    async def aclose(self) -> None:
        """Close the owned ``httpx.AsyncClient`` (an injected one is left open). Idempotent."""
        self._closed = True
        if self._owned is not None and self._loop is not asyncio.get_running_loop():
            self._drop_owned()  # made in a loop that is gone: nothing to close from here
        owned, self._owned = self._owned, None
        if owned is not None:
            await owned.aclose()

    # -- requests --------------------------------------------------------------------------

    def url(self, path: str) -> httpx.URL:
        """The absolute URL of ``path`` (relative to ``base_url``; already percent-encoded)."""
        return httpx.URL(str(self._base_url).rstrip("/") + "/" + path.lstrip("/"))

    async def get_json(self, path: str, *, params: QueryParams | None = None) -> Any:
        """``GET`` ``path`` and return the decoded JSON body.

        Raises:
            ApiStatusError: (or a subclass) the service answered with an error, or with a body
                that is not JSON.
            TransportError: no answer after all retries.
        """
        response = await self.request("GET", path, params=params)
        return self.decode_json(response)

    def decode_json(self, response: httpx.Response) -> Any:
        """Decode a response body as JSON, raising an :class:`ApiStatusError` if it is not.

        A body nested deeper than the interpreter's recursion limit (``[[[[...]]]]``, a hostile
        or broken answer) is an :class:`ApiStatusError` too, never a ``RecursionError``.
        """
        try:
            return response.json()
        except RecursionError as exc:
            raise self._bad_body(response, "with JSON nested too deeply to decode") from exc
        except ValueError as exc:
            raise self._bad_body(response, "with a body that is not JSON") from exc

    def _bad_body(self, response: httpx.Response, what: str) -> ApiStatusError:
        return ApiStatusError(
            f"{self.service} answered {response.request.method} "
            f"{self._masker.url(response.request.url)} {what}",
            status_code=response.status_code,
            request_id=self._request_id(response),
            service=self.service,
        )

    def _describe(self, response: httpx.Response) -> ErrorDescription | None:
        """The error parser's verdict; a body too deeply nested for it is a final error."""
        try:
            return self._error_parser(response)
        except RecursionError:
            return ErrorDescription(
                status_code=response.status_code,
                message="the answer's JSON is nested too deeply to decode",
                retryable=False,
            )

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: QueryParams | None = None,
        headers: Mapping[str, str | Secret] | None = None,
        json: object = None,
        data: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
    ) -> httpx.Response:
        """Send a request with limits and retries; return the successful response (body read).

        Args:
            method: the HTTP method.
            path: the path under ``base_url`` (already percent-encoded).
            params: query parameters added to the client's defaults (``None`` values dropped).
            headers: headers added to the client's defaults.
            json: a JSON body.
            data: a form body.
            idempotent: whether the request may be repeated; by default true for GET, HEAD,
                OPTIONS, PUT and DELETE. Non-idempotent requests are never retried.

        Returns:
            The response the error parser accepted as a success.

        Raises:
            AuthenticationError, NotFoundError, RateLimitedError, QuotaExceededError,
            ServerError, ApiStatusError: the service answered with an error (after retries
                where the policy retries it).
            RequestTimeoutError, TransportError: no answer after all retries.
            ResponseTooLargeError: the body passed ``limits.max_response_bytes`` (never
                retried; the body is streamed, so no more than that is ever held).
        """
        prepared = self._prepare(
            method,
            path,
            params=params,
            headers=headers,
            json=json,
            data=data,
            idempotent=idempotent,
        )
        http = self._http()
        deadline = self.limits.request_deadline
        spent = 0.0  # seconds counted against the deadline so far
        attempt = 0
        while True:
            attempt += 1
            remaining = None if deadline is None else deadline - spent
            outcome = await self._attempt(http, prepared, attempt, remaining)
            spent += outcome.elapsed
            if outcome.response is not None:
                return outcome.response
            assert outcome.error is not None
            wait = self.retry.next_wait(
                attempt,
                retryable=prepared.may_retry and outcome.retryable,
                retry_after=outcome.retry_after,
            )
            if wait is not None and deadline is not None and spent + wait >= deadline:
                self.logger.debug(
                    "%s: a retry in %.2fs would end past request_deadline=%gs",
                    prepared.shown,
                    wait,
                    deadline,
                )
                wait = None
            if wait is None:
                self.logger.info(
                    "%s failed after %d attempt(s), giving up: %s",
                    prepared.shown,
                    attempt,
                    outcome.error,
                )
                if outcome.cause is not None:
                    raise outcome.error from outcome.cause
                raise outcome.error
            self.logger.debug(
                "%s failed (%s); retrying in %.2fs (attempt %d of %d)",
                prepared.shown,
                outcome.error,
                wait,
                attempt,
                self.retry.max_attempts,
            )
            await self._sleep(wait)
            spent += wait

    def _prepare(
        self,
        method: str,
        path: str,
        *,
        params: QueryParams | None,
        headers: Mapping[str, str | Secret] | None,
        json: object,
        data: Mapping[str, str] | None,
        idempotent: bool | None,
    ) -> _Prepared:
        """Merge the defaults with this call's parameters and headers (pure; no I/O)."""
        method = method.upper()
        url = self.url(path)
        merged_params: list[tuple[str, str | int | float | bool | None]] = [
            (key, _plain(value))
            for key, value in {**self._params, **(params or {})}.items()
            if value is not None
        ]
        extra_secrets = [
            v
            for v in (*(params or {}).values(), *(headers or {}).values())
            if isinstance(v, Secret)
        ]
        masker = self._masker
        if extra_secrets:
            masker = masker.with_secrets(extra_secrets)
            register_secrets(extra_secrets)
        return _Prepared(
            method=method,
            url=url,
            params=merged_params,
            headers={k: _plain(v) for k, v in {**self._headers, **(headers or {})}.items()},
            json=json,
            data=data,
            may_retry=idempotent if idempotent is not None else method in IDEMPOTENT_METHODS,
            shown=f"{method} {masker.url(url.copy_with(params=merged_params))}",
            masker=masker,
        )

    async def _attempt(
        self,
        http: httpx.AsyncClient,
        prepared: _Prepared,
        attempt: int,
        remaining: float | None,
    ) -> _Outcome:
        """Send once (within the limits and the time left); the response, or its error."""
        started = time.monotonic()
        deadline = asyncio.timeout(remaining)
        try:
            async with self.limiter.slot():
                await self.limiter.wait_for_rate()
                started = time.monotonic()
                async with deadline:
                    response = await http.send(
                        http.build_request(
                            prepared.method,
                            prepared.url,
                            params=prepared.params,
                            headers=prepared.headers,
                            json=prepared.json,
                            data=prepared.data,
                        ),
                        stream=True,
                    )
                    try:
                        await self._read_capped(response, prepared.shown)
                    finally:
                        await response.aclose()
        except TimeoutError as exc:
            if not deadline.expired():
                raise  # not ours: httpx reports its own timeouts as httpx.TimeoutException
            return _Outcome(
                error=self._deadline_error(prepared.shown, attempt),
                cause=exc,
                elapsed=time.monotonic() - started,
            )
        except httpx.TransportError as exc:
            return _Outcome(
                error=self._transport_error(exc, prepared.shown, attempt, prepared.masker),
                retryable=isinstance(exc, _RETRYABLE_TRANSPORT),
                cause=exc,
                elapsed=time.monotonic() - started,
            )
        elapsed = time.monotonic() - started
        problem = self._describe(response)
        if problem is None:
            self.logger.debug(
                "%s -> %s in %.3fs (attempt %d)",
                prepared.shown,
                response.status_code,
                elapsed,
                attempt,
            )
            return _Outcome(response=response, elapsed=elapsed)
        retry_after = retry_after_of(response)
        return _Outcome(
            error=self._status_error(
                problem, response, prepared.shown, retry_after, prepared.masker
            ),
            retryable=(
                problem.retryable
                if problem.retryable is not None
                else self.retry.should_retry_status(problem.status_code)
            ),
            retry_after=retry_after,
            elapsed=elapsed,
        )

    async def _read_capped(self, response: httpx.Response, shown: str) -> None:
        """Read a streamed body, refusing it once it passes ``limits.max_response_bytes``."""
        cap = self.limits.max_response_bytes
        declared = response.headers.get("content-length", "")
        too_big = declared.isdigit() and int(declared) > cap
        chunks: list[bytes] = []
        size = 0
        if not too_big:
            async for chunk in response.aiter_bytes():  # decoded: a gzip bomb counts unpacked
                size += len(chunk)
                if size > cap:
                    too_big = True
                    break
                chunks.append(chunk)
        if too_big:
            raise ResponseTooLargeError(
                f"{shown} -> {response.status_code}: the answer is larger than "
                f"max_response_bytes={cap}; it was not read further (raise "
                "RequestLimits.max_response_bytes if such answers are expected)",
                limit=cap,
                service=self.service,
            )
        # What Response.aread() does; the body is then available as .content / .json().
        response._content = b"".join(chunks)

    # -- error mapping ---------------------------------------------------------------------

    def _request_id(self, response: httpx.Response) -> str | None:
        for name in self._request_id_headers:
            value: str | None = response.headers.get(name)
            if value:
                return value
        return None

    def _deadline_error(self, shown: str, attempt: int) -> RequestTimeoutError:
        deadline = self.limits.request_deadline
        return RequestTimeoutError(
            f"{shown} passed its request_deadline of {deadline:g}s (attempt {attempt}; the "
            "server answered too slowly or kept streaming its body); retry later, or raise "
            "RequestLimits.request_deadline (limits=) if such slow answers are expected",
            service=self.service,
        )

    def _transport_error(
        self, exc: httpx.TransportError, shown: str, attempt: int, masker: SecretMasker
    ) -> TransportError:
        reason = masker.text(str(exc)) or type(exc).__name__
        if isinstance(exc, httpx.TimeoutException):
            return RequestTimeoutError(
                f"{shown} timed out ({type(exc).__name__}: {reason}) after {attempt} "
                "attempt(s); raise the timeout or retry later",
                service=self.service,
            )
        return TransportError(
            f"{shown} got no answer ({type(exc).__name__}: {reason}) after {attempt} "
            "attempt(s); check the network, proxy and base_url",
            service=self.service,
        )

    def _status_error(
        self,
        problem: ErrorDescription,
        response: httpx.Response,
        shown: str,
        retry_after: float | None,
        masker: SecretMasker,
    ) -> ApiStatusError:
        error_type = problem.exception_type
        message = masker.text(f"{shown} -> {problem.message}" if problem.message else shown)
        # Only a rate limit says when to come back.
        extra: dict[str, Any] = (
            {"retry_after": retry_after} if issubclass(error_type, RateLimitedError) else {}
        )
        return error_type(
            message,
            status_code=problem.status_code,
            service_code=problem.service_code,
            request_id=self._request_id(response),
            service=self.service,
            **extra,
        )


async def _close_at_loop_end(client: httpx.AsyncClient) -> AsyncGenerator[None, None]:
    """Suspend until the loop finalises its async generators, then close ``client`` there.

    ``asyncio.run`` (and ``Runner.close``) call ``loop.shutdown_asyncgens()`` before closing
    the loop, which resumes this generator with ``GeneratorExit``; closing an already closed
    client is a no-op, so an explicit ``aclose()`` before that is fine.
    """
    try:
        yield
    finally:
        await client.aclose()


async def _start(generator: AsyncGenerator[None, None]) -> None:
    """Run ``generator`` to its first ``yield`` (which registers it with the running loop)."""
    await anext(generator, None)
