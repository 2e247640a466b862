"""Turning an HTTP answer into a typed error of the :mod:`asisdk.errors` tree.

Each service describes its error answers with an *error parser*: a function that looks at a
response and returns a :class:`ErrorDescription` (or ``None`` when the answer is a success). The
parser is where service knowledge lives: VirusTotal's ``{"error": {"code", "message"}}`` body,
IPStack's ``{"success": false, "error": {...}}`` on HTTP 200, a daily-quota code that must not be
retried. The client turns the description into an exception with :func:`error_from`.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import attrs
import httpx

from asisdk._http import _defaults
from asisdk.errors import (
    ApiStatusError,
    AsiError,
    AuthenticationError,
    NotFoundError,
    RateLimitedError,
    ServerError,
)

__all__ = [
    "ErrorDescription",
    "ErrorParser",
    "EventLoopMismatchError",
    "default_error_parser",
    "error_type_for_status",
    "json_body",
]


class EventLoopMismatchError(AsiError, RuntimeError):
    """An injected ``httpx.AsyncClient`` is used from another event loop than its first one.

    An owned HTTP client is re-created when the loop changes (each ``asyncio.run`` makes a new
    loop), but an injected one belongs to its creator: its connection pool is bound to the loop
    it first ran in. Create the client inside the loop that uses it, pass no ``http_client=``,
    or use the blocking door :mod:`asisdk.sync` (one loop serves every call).

    Examples:
        >>> issubclass(EventLoopMismatchError, RuntimeError)
        True
    """


@attrs.frozen(kw_only=True)
class ErrorDescription:
    """What went wrong in one answer, as the service described it.

    A value, not an exception: an error parser returns it and the client raises its
    :attr:`exception_type` (an :class:`~asisdk.errors.ApiStatusError`) when it gives up.

    Attributes:
        status_code: the HTTP status (or the status the service reported in its body).
        service_code: the service's own error code (``"NotFoundError"``, ``"104"``).
        message: the service's message (never containing secrets; masked again anyway).
        error_type: the exception class to raise; ``None`` picks it from the status code
            (:func:`error_type_for_status`).
        retryable: force (``True``) or veto (``False``) a retry; ``None`` lets the
            :class:`~asisdk._http.RetryPolicy` decide from the status code.

    Examples:
        >>> ErrorDescription(status_code=404, service_code="NotFoundError").exception_type.__name__
        'NotFoundError'
    """

    status_code: int
    service_code: str | None = None
    message: str = ""
    error_type: type[ApiStatusError] | None = None
    retryable: bool | None = None

    @property
    def exception_type(self) -> type[ApiStatusError]:
        """The exception class this error is raised as."""
        return self.error_type or error_type_for_status(self.status_code)


#: A function describing an answer: ``None`` for success, a :class:`ErrorDescription` otherwise.
ErrorParser = Callable[[httpx.Response], "ErrorDescription | None"]


def error_type_for_status(status_code: int) -> type[ApiStatusError]:
    """The default exception class for an HTTP error status.

    Examples:
        >>> error_type_for_status(401).__name__, error_type_for_status(503).__name__
        ('AuthenticationError', 'ServerError')
    """
    if status_code in (401, 403):
        return AuthenticationError
    if status_code == 404:
        return NotFoundError
    if status_code == 429:
        return RateLimitedError
    if status_code >= 500:
        return ServerError
    return ApiStatusError


def json_body(response: httpx.Response) -> object:
    """The decoded JSON body, or ``None`` when the body is not JSON (for error parsers)."""
    try:
        return json.loads(response.content)
    except ValueError:  # not JSON, or not text (UnicodeDecodeError is a ValueError)
        return None


def _body_error(response: httpx.Response) -> tuple[str | None, str]:
    """(code, message) from the common JSON error shapes, else the start of the body text."""
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError, RecursionError):  # not JSON, or nested too deeply
        body = None
    code: object = None
    message: object = None
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            code = error.get("code") or error.get("type")
            message = error.get("message") or error.get("info")
        elif isinstance(error, str):
            message = error
        message = message or body.get("message") or body.get("detail")
        code = code or body.get("code")
    if message is None:
        message = response.text[: _defaults.MAX_ERROR_TEXT].strip() or response.reason_phrase
    text = str(message)[: _defaults.MAX_ERROR_TEXT]
    return (None if code is None else str(code)), text


def default_error_parser(response: httpx.Response) -> ErrorDescription | None:
    """Describe any non-2xx answer; understands ``{"error": {"code", "message"}}`` bodies.

    Examples:
        >>> answer = httpx.Response(404, json={"error": {"code": "NotFoundError", "message": "x"}})
        >>> default_error_parser(answer)
        ErrorDescription(status_code=404, service_code='NotFoundError', message='x', error_type=None, retryable=None)
        >>> default_error_parser(httpx.Response(200, json={})) is None
        True
    """  # noqa: E501
    if response.is_success:
        return None
    code, message = _body_error(response)
    return ErrorDescription(status_code=response.status_code, service_code=code, message=message)
