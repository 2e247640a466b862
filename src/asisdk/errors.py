"""The asisdk exception tree.

Every error asisdk raises derives from :class:`AsiError`, so ``except asisdk.AsiError`` catches
them all. Each also keeps the built-in it means as a second base, so ``except ValueError`` (a bad
value), ``except TypeError`` (a wrong type), ``except RuntimeError`` (a closed object),
``except AttributeError`` (an unknown name) and ``except FileNotFoundError`` keep working. API
errors are split by the question that matters when handling them: *did the request get an
answer?*

```text
AsiError
├── ConfigurationError (ValueError)      missing key, bad setting, plan does not allow a feature
├── InvalidInputError (ValueError)       a value that cannot be an IP, hash, URL, ...
├── EntityError (ValueError)             entities that cannot be built or merged
├── InvalidArgumentError (TypeError)     an argument of the wrong type
├── ClosedError (RuntimeError)           a client, cache or executor used after it was closed
├── MissingFileError (FileNotFoundError) a bundled sample or query file that does not exist
├── LimitExceededError                   a safety limit (depth, size, count, time) was reached
├── ApiError                             anything that went wrong talking to a service
│   ├── TransportError                   the request never got an answer
│   │   └── RequestTimeoutError (TimeoutError)
│   ├── ResponseTooLargeError            the answer was bigger than max_response_bytes
│   └── ApiStatusError                   the service answered "no" (status, code, request id)
│       ├── AuthenticationError          401 / 403: bad or missing credentials
│       ├── NotFoundError                404
│       ├── RateLimitedError             429: too many requests (carries retry_after)
│       ├── QuotaExceededError           the daily / monthly quota is used up
│       └── ServerError                  5xx
└── QueryError                           a query could not run
    ├── QueryParameterError (ValueError) a missing, unknown or badly typed query parameter
    ├── UnknownQueryError (AttributeError) no query family or query of that name
    ├── QuerySyntaxError                 the service rejected the query text
    └── QueryTimeoutError (TimeoutError) the query ran out of time on the server
```

Examples:
    >>> from asisdk.errors import AsiError, ClosedError
    >>> issubclass(ClosedError, AsiError), issubclass(ClosedError, RuntimeError)
    (True, True)

Secrets never appear in messages: code that builds these errors passes masked values only.
"""

from __future__ import annotations

__all__ = [
    "ApiError",
    "ApiStatusError",
    "AsiError",
    "AuthenticationError",
    "ClosedError",
    "ConfigurationError",
    "EntityError",
    "InvalidArgumentError",
    "InvalidInputError",
    "LimitExceededError",
    "MissingFileError",
    "NotFoundError",
    "QueryError",
    "QueryParameterError",
    "QuerySyntaxError",
    "QueryTimeoutError",
    "QuotaExceededError",
    "RateLimitedError",
    "RequestTimeoutError",
    "ResponseTooLargeError",
    "ServerError",
    "TransportError",
    "UnknownQueryError",
]


class AsiError(Exception):
    """Base class of every error raised by asisdk."""


class ConfigurationError(AsiError, ValueError):
    """A setting is missing or invalid; the message says which and how to set it."""


class InvalidInputError(AsiError, ValueError):
    """A value cannot be what the caller said it is (an IP address, a hash, a column, ...)."""


class EntityError(AsiError, ValueError):
    """Entities could not be built, converted or merged (for example conflicting identities)."""


class InvalidArgumentError(AsiError, TypeError):
    """An argument has the wrong type (for example a source a provider cannot query)."""


class ClosedError(AsiError, RuntimeError):
    """A client, cache or executor was used after it was closed or shut down; make a new one."""


class MissingFileError(AsiError, FileNotFoundError):
    """A file asisdk was told to read (a bundled sample, a query file or folder) does not exist."""


class LimitExceededError(AsiError):
    """A safety limit protecting against hostile input was reached.

    Attributes:
        limit: the name of the limit, e.g. ``"max_decompressed_bytes"``.
        value: the configured value of that limit.
    """

    def __init__(self, message: str, *, limit: str, value: object = None) -> None:
        super().__init__(message)
        self.limit = limit
        self.value = value


class ApiError(AsiError):
    """Something went wrong talking to a remote service.

    Attributes:
        service: short name of the service (``"virustotal"``, ``"loganalytics"``, ...).
    """

    def __init__(self, message: str, *, service: str | None = None) -> None:
        super().__init__(message)
        self.service = service


class TransportError(ApiError):
    """The request never got an answer: connection refused or reset, DNS, TLS, protocol."""


class RequestTimeoutError(TransportError, TimeoutError):
    """The request got no answer in time."""


class ResponseTooLargeError(ApiError):
    """The service's answer was bigger than the client accepts (``max_response_bytes``).

    The body is read as a stream and the read stops at the limit, so a huge or endless answer
    costs at most that much memory; nothing of it is decoded or cached.

    Attributes:
        limit: the configured ``max_response_bytes``.

    Examples:
        >>> error = ResponseTooLargeError("too big", limit=1024, service="virustotal")
        >>> error.limit, isinstance(error, ApiError)
        (1024, True)
    """

    def __init__(self, message: str, *, limit: int, service: str | None = None) -> None:
        super().__init__(message, service=service)
        self.limit = limit


class ApiStatusError(ApiError):
    """The service answered with an error.

    Attributes:
        status_code: the HTTP status (or the status the service reported in its body).
        service_code: the service's own error code (``"NotFoundError"``, ``"104"``, ...).
        request_id: the service's request id, for support tickets, when it sent one.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        service_code: str | None = None,
        request_id: str | None = None,
        service: str | None = None,
    ) -> None:
        super().__init__(message, service=service)
        self.status_code = status_code
        self.service_code = service_code
        self.request_id = request_id

    def __str__(self) -> str:
        details = [
            f"{name}={value}"
            for name, value in (
                ("status", self.status_code),
                ("code", self.service_code),
                ("request_id", self.request_id),
            )
            if value is not None
        ]
        base = super().__str__()
        return f"{base} ({', '.join(details)})" if details else base


class AuthenticationError(ApiStatusError):
    """The credentials were missing, wrong or not allowed to do this (401 / 403)."""


class NotFoundError(ApiStatusError):
    """The service does not know the requested object (404)."""


class RateLimitedError(ApiStatusError):
    """Too many requests (429); ``retry_after`` is the wait the service asked for, in seconds."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        status_code: int | None = 429,
        service_code: str | None = None,
        request_id: str | None = None,
        service: str | None = None,
    ) -> None:
        super().__init__(
            message,
            status_code=status_code,
            service_code=service_code,
            request_id=request_id,
            service=service,
        )
        self.retry_after = retry_after


class QuotaExceededError(ApiStatusError):
    """The account's quota for the period (day, month) is used up; waiting minutes won't help."""


class ServerError(ApiStatusError):
    """The service failed (5xx)."""


class QueryError(AsiError):
    """A query could not be rendered or run."""


class QueryParameterError(QueryError, ValueError):
    """A query parameter is missing, unknown (misspelt) or of the wrong type."""


class UnknownQueryError(QueryError, AttributeError):
    """No query family or query has that name (``qp.WindowsSecurity.no_such_query``)."""


class QuerySyntaxError(QueryError):
    """The service rejected the query text; ``details`` holds the service's inner messages."""

    def __init__(self, message: str, *, details: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.details = details


class QueryTimeoutError(QueryError, TimeoutError):
    """The query ran out of time on the server; split the time range (``split_by=``)."""
