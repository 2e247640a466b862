from __future__ import annotations

import pytest

from asisdk import errors


def test_tree_is_rooted_at_asi_error() -> None:
    for name in errors.__all__:
        cls = getattr(errors, name)
        assert issubclass(cls, errors.AsiError), name


@pytest.mark.parametrize(
    "cls",
    [
        errors.ConfigurationError,
        errors.InvalidInputError,
        errors.EntityError,
        errors.QueryParameterError,
    ],
)
def test_bad_value_errors_are_value_errors(cls: type[Exception]) -> None:
    assert issubclass(cls, ValueError)


def test_answered_and_unanswered_api_errors_are_split() -> None:
    assert issubclass(errors.RequestTimeoutError, errors.TransportError)
    assert issubclass(errors.RequestTimeoutError, TimeoutError)
    assert not issubclass(errors.TransportError, errors.ApiStatusError)
    for cls in (
        errors.AuthenticationError,
        errors.NotFoundError,
        errors.RateLimitedError,
        errors.QuotaExceededError,
        errors.ServerError,
    ):
        assert issubclass(cls, errors.ApiStatusError)
        assert issubclass(cls, errors.ApiError)


def test_status_error_carries_and_shows_its_details() -> None:
    exc = errors.NotFoundError(
        "no such file",
        status_code=404,
        service_code="NotFoundError",
        request_id="req-1",
        service="virustotal",
    )
    assert (exc.status_code, exc.service_code, exc.request_id, exc.service) == (
        404,
        "NotFoundError",
        "req-1",
        "virustotal",
    )
    assert str(exc) == "no such file (status=404, code=NotFoundError, request_id=req-1)"


def test_rate_limited_defaults_to_429_and_keeps_retry_after() -> None:
    exc = errors.RateLimitedError("slow down", retry_after=12.5)
    assert exc.status_code == 429
    assert exc.retry_after == 12.5


def test_limit_exceeded_names_the_limit() -> None:
    exc = errors.LimitExceededError("too big", limit="max_decompressed_bytes", value=16)
    assert exc.limit == "max_decompressed_bytes"
    assert exc.value == 16


def test_query_syntax_error_keeps_inner_messages() -> None:
    exc = errors.QuerySyntaxError("bad query", details=("line 1: unknown column",))
    assert exc.details == ("line 1: unknown column",)
    assert issubclass(errors.QueryTimeoutError, TimeoutError)
