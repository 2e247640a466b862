"""Reading Log Analytics error objects (OneAPI shape with nested ``innererror``s)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from asisdk._http import ErrorDescription
from asisdk._http._errors import json_body
from asisdk.loganalytics._result import QueryErrorInfo

__all__ = ["error_info", "loganalytics_error_parser", "with_correlation"]

#: Statuses the client reads itself (query errors), instead of the HTTP layer raising.
QUERY_STATUSES = frozenset({400, 504})
_MAX_DEPTH = 16
_MAX_DETAILS = 32


def _chain(error: Mapping[str, Any], messages: list[str], codes: list[str]) -> None:
    """Walk ``innererror`` links (bounded) collecting messages and codes, outermost first."""
    node: object = error
    for _ in range(_MAX_DEPTH):
        if not isinstance(node, Mapping):
            return
        message, code = node.get("message"), node.get("code")
        if isinstance(message, str) and message and message not in messages:
            messages.append(message)
        if isinstance(code, str) and code:
            codes.append(code)
        node = node.get("innererror")


def _severities(node: object, found: list[tuple[int | None, str | None]]) -> None:
    """Collect ``(severity, severityName)`` along one ``innererror`` chain (bounded)."""
    for _ in range(_MAX_DEPTH):
        if not isinstance(node, Mapping):
            return
        level, name = node.get("severity"), node.get("severityName")
        level = level if isinstance(level, int) and not isinstance(level, bool) else None
        name = name if isinstance(name, str) and name else None
        if level is not None or name is not None:
            found.append((level, name))
        node = node.get("innererror")


def _most_severe(found: list[tuple[int | None, str | None]]) -> tuple[int | None, str | None]:
    """The lowest (most severe) level found; a bare name only when no level was given."""
    levelled = [item for item in found if item[0] is not None]
    if levelled:
        return min(levelled, key=lambda item: item[0] or 0)
    return found[0] if found else (None, None)


def error_info(error: object) -> QueryErrorInfo | None:
    """Summarise an ``error`` object: outer code, innermost message, every message.

    Examples:
        >>> info = error_info({"code": "BadArgumentError", "message": "bad",
        ...     "innererror": {"code": "SemanticError", "message": "A semantic error occurred.",
        ...         "innererror": {"code": "SEM0100", "message": "unknown table 'X'"}}})
        >>> info.code, info.message, len(info.details)
        ('BadArgumentError', "unknown table 'X'", 3)
    """
    if not isinstance(error, Mapping):
        return None
    messages: list[str] = []
    codes: list[str] = []
    _chain(error, messages, codes)
    details = error.get("details")
    innermost = messages[-1] if messages else ""
    found: list[tuple[int | None, str | None]] = []
    _severities(error, found)
    if isinstance(details, list):
        for detail in details[:_MAX_DETAILS]:
            if isinstance(detail, Mapping):
                _severities(detail, found)
                before = len(messages)
                _chain(detail, messages, [])
                if len(messages) > before:
                    innermost = messages[-1]
    correlation = error.get("correlationId")
    severity, severity_name = _most_severe(found)
    return QueryErrorInfo(
        code=str(error.get("code") or (codes[0] if codes else "UnknownError")),
        message=innermost,
        details=tuple(messages),
        correlation_id=correlation if isinstance(correlation, str) else None,
        severity=severity,
        severity_name=severity_name,
    )


def with_correlation(message: str, info: QueryErrorInfo | None) -> str:
    """``message`` followed by the service's ``correlationId``, when ``info`` has one."""
    if info is None or not info.correlation_id:
        return message
    return f"{message} (correlationId {info.correlation_id})"


def body_error(response: httpx.Response) -> QueryErrorInfo | None:
    """The ``error`` object of a response body, if it has one."""
    body = json_body(response)
    return error_info(body.get("error")) if isinstance(body, Mapping) else None


def loganalytics_error_parser(response: httpx.Response) -> ErrorDescription | None:
    """Describe a failed answer for the HTTP layer.

    400 (a bad query) and 504 (the server-side timeout) are passed through as answers: the
    client turns them into :class:`~asisdk.errors.QuerySyntaxError` /
    :class:`~asisdk.errors.QueryTimeoutError` with the service's inner messages, and neither
    is worth a retry (the same query fails the same way).
    """
    if response.is_success or response.status_code in QUERY_STATUSES:
        return None
    info = body_error(response)
    if info is None:
        return ErrorDescription(
            status_code=response.status_code,
            message=response.text[:500].strip() or response.reason_phrase,
        )
    return ErrorDescription(
        status_code=response.status_code,
        service_code=info.code,
        message=with_correlation(info.message, info),
    )
