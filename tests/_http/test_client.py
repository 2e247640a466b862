"""ApiClient request building, error mapping, retries and secret masking (respx, no network)."""

from __future__ import annotations

import logging

import httpx
import pytest
import respx

from asisdk._http import ApiClient, ErrorDescription, RequestLimits, RetryPolicy
from asisdk.config import Secret
from asisdk.errors import (
    ApiStatusError,
    AuthenticationError,
    ConfigurationError,
    NotFoundError,
    QuotaExceededError,
    RateLimitedError,
    RequestTimeoutError,
    ServerError,
    TransportError,
)

BASE = "https://api.example/v1"
KEY = "k3y-0123456789abcdef"


class RecordingSleep:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def make_client(**kwargs: object) -> ApiClient:
    options: dict[str, object] = {
        "service": "demo",
        "base_url": BASE,
        "headers": {"x-apikey": Secret(KEY)},
        "retry": RetryPolicy(instant=True),
    }
    options.update(kwargs)
    return ApiClient(**options)  # type: ignore[arg-type]


def error_body(code: str, message: str = "nope") -> dict[str, object]:
    return {"error": {"code": code, "message": message}}


async def test_request_joins_base_url_and_sends_secret_headers(
    respx_mock: respx.MockRouter,
) -> None:
    route = respx_mock.get(f"{BASE}/things/1", params={"x": "1"}).respond(200, json={"ok": True})
    async with make_client() as api:
        assert await api.get_json("/things/1", params={"x": 1, "unset": None}) == {"ok": True}
    request = route.calls.last.request
    assert request.headers["x-apikey"] == KEY
    assert "unset" not in request.url.params
    assert request.headers["user-agent"].startswith("asisdk/")


def test_repr_and_base_url_never_show_secrets() -> None:
    api = make_client(params={"access_key": Secret("qs-secret-value")})
    assert KEY not in repr(api)
    assert "qs-secret-value" not in repr(api)
    assert repr(api).startswith("ApiClient(service='demo', base_url='https://api.example/v1'")


@pytest.mark.parametrize(
    ("status", "code", "error_type"),
    [
        (401, "WrongCredentialsError", AuthenticationError),
        (403, "ForbiddenError", AuthenticationError),
        (404, "NotFoundError", NotFoundError),
        (400, "BadRequestError", ApiStatusError),
        (429, "TooManyRequestsError", RateLimitedError),
        (503, "TransientError", ServerError),
    ],
)
async def test_errors_are_mapped_with_status_code_and_request_id(
    respx_mock: respx.MockRouter, status: int, code: str, error_type: type[ApiStatusError]
) -> None:
    respx_mock.get(f"{BASE}/x").respond(
        status, json=error_body(code, f"bad {KEY}"), headers={"x-request-id": "req-42"}
    )
    async with make_client(retry=RetryPolicy.disabled()) as api:
        with pytest.raises(error_type) as info:
            await api.get_json("/x")
    error = info.value
    assert type(error) is error_type
    assert (error.status_code, error.service_code, error.request_id) == (status, code, "req-42")
    assert error.service == "demo"
    assert KEY not in str(error)
    assert "***" in str(error)


async def test_retries_5xx_then_succeeds(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(f"{BASE}/x")
    route.side_effect = [
        httpx.Response(503, json=error_body("TransientError")),
        httpx.Response(500),
        httpx.Response(200, json={"n": 1}),
    ]
    sleep = RecordingSleep()
    api = make_client(retry=RetryPolicy(jitter=False, backoff_initial=0.5), sleep=sleep)
    assert await api.get_json("/x") == {"n": 1}
    assert route.call_count == 3
    assert sleep.waits == [0.5, 1.0]
    await api.aclose()


async def test_gives_up_after_max_attempts(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(f"{BASE}/x").respond(502)
    api = make_client(retry=RetryPolicy(instant=True, max_attempts=3))
    with pytest.raises(ServerError) as info:
        await api.get_json("/x")
    assert route.call_count == 3
    assert info.value.status_code == 502


async def test_404_is_not_retried(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(f"{BASE}/x").respond(404, json=error_body("NotFoundError"))
    with pytest.raises(NotFoundError):
        await make_client().get_json("/x")
    assert route.call_count == 1


async def test_post_is_retried_only_when_marked_idempotent(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.post(f"{BASE}/q").respond(503)
    api = make_client(retry=RetryPolicy(instant=True, max_attempts=2))
    with pytest.raises(ServerError):
        await api.request("POST", "/q", json={"query": "x"})
    assert route.call_count == 1
    with pytest.raises(ServerError):
        await api.request("POST", "/q", json={"query": "x"}, idempotent=True)
    assert route.call_count == 3


async def test_retry_after_seconds_is_honoured(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(f"{BASE}/x")
    route.side_effect = [
        httpx.Response(429, headers={"Retry-After": "7"}),
        httpx.Response(200, json={}),
    ]
    sleep = RecordingSleep()
    await make_client(retry=RetryPolicy(), sleep=sleep).get_json("/x")
    assert sleep.waits == [7.0]


async def test_azure_retry_after_ms_wins_over_retry_after(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(f"{BASE}/x")
    route.side_effect = [
        httpx.Response(429, headers={"x-ms-retry-after-ms": "250", "Retry-After": "9"}),
        httpx.Response(200, json={}),
    ]
    sleep = RecordingSleep()
    await make_client(retry=RetryPolicy(), sleep=sleep).get_json("/x")
    assert sleep.waits == [0.25]


async def test_retry_after_beyond_the_cap_fails_at_once(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(f"{BASE}/x").respond(429, headers={"Retry-After": "3600"})
    sleep = RecordingSleep()
    api = make_client(retry=RetryPolicy(max_retry_after=60.0), sleep=sleep)
    with pytest.raises(RateLimitedError) as info:
        await api.get_json("/x")
    assert info.value.retry_after == 3600.0
    assert route.call_count == 1
    assert sleep.waits == []


async def test_transport_errors_are_retried_then_mapped(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(f"{BASE}/x")
    route.side_effect = httpx.ConnectError("connection refused")
    api = make_client(retry=RetryPolicy(instant=True, max_attempts=2))
    with pytest.raises(TransportError) as info:
        await api.get_json("/x")
    assert route.call_count == 2
    assert isinstance(info.value.__cause__, httpx.ConnectError)
    assert not isinstance(info.value, RequestTimeoutError)

    route.side_effect = httpx.ReadTimeout("slow")
    with pytest.raises(RequestTimeoutError) as timeout:
        await api.get_json("/x")
    assert isinstance(timeout.value, TimeoutError)


async def test_error_parser_can_flag_a_200_and_veto_retries(respx_mock: respx.MockRouter) -> None:
    def parser(response: httpx.Response) -> ErrorDescription | None:
        body = response.json()
        if body.get("success") is False:
            return ErrorDescription(
                status_code=response.status_code,
                service_code=str(body["error"]["code"]),
                message=body["error"]["info"],
                error_type=QuotaExceededError,
                retryable=False,
            )
        return None

    route = respx_mock.get(f"{BASE}/8.8.8.8").respond(
        200, json={"success": False, "error": {"code": 104, "info": "usage limit reached"}}
    )
    api = make_client(error_parser=parser)
    with pytest.raises(QuotaExceededError) as info:
        await api.get_json("/8.8.8.8")
    assert route.call_count == 1
    assert (info.value.status_code, info.value.service_code) == (200, "104")


async def test_masked_query_parameters_stay_out_of_logs_and_errors(
    respx_mock: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    respx_mock.get(f"{BASE}/8.8.8.8").respond(503)
    api = make_client(
        headers={},
        params={"access_key": "plain-query-key"},
        masked_params=["access_key"],
        retry=RetryPolicy(instant=True, max_attempts=2),
    )
    with (
        caplog.at_level(logging.DEBUG, logger="asisdk.http.demo"),
        pytest.raises(ServerError) as info,
    ):
        await api.get_json("/8.8.8.8")
    assert "plain-query-key" not in str(info.value)
    assert "access_key=***" in str(info.value)
    assert caplog.records, "the retry should have been logged"
    assert all(r.name == "asisdk.http.demo" for r in caplog.records)
    assert all("plain-query-key" not in r.getMessage() for r in caplog.records)
    assert any("retrying" in r.getMessage() for r in caplog.records)


async def test_non_json_success_body_is_an_api_error(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(f"{BASE}/x").respond(200, text="<html>")
    with pytest.raises(ApiStatusError, match="not JSON"):
        await make_client().get_json("/x")


@pytest.mark.parametrize(
    "url", ["http://api.example/v1", "ftp://api.example/", "http://10.0.0.1:8080/api"]
)
def test_plain_http_is_refused_except_loopback(url: str) -> None:
    with pytest.raises(ConfigurationError, match="https"):
        ApiClient(service="demo", base_url=url)


def test_plain_http_allowed_for_loopback_or_explicitly() -> None:
    assert ApiClient(service="d", base_url="http://127.0.0.1:8080/api").base_url.startswith("http:")
    assert ApiClient(service="d", base_url="http://api.example", allow_http=True)


async def test_injected_client_is_used_and_left_open() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"ok": 1})

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        async with make_client(http_client=http) as api:
            await api.get_json("things")
        assert not http.is_closed
        assert str(seen[0].url) == f"{BASE}/things"
        with pytest.raises(RuntimeError, match="closed"):
            await api.get_json("things")


async def test_owned_client_is_closed_by_aclose(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(f"{BASE}/x").respond(200, json={})
    api = make_client(limits=RequestLimits(max_concurrency=3))
    await api.get_json("/x")
    owned = api._owned
    assert owned is not None
    await api.aclose()
    assert owned.is_closed
    await api.aclose()  # idempotent


async def test_retries_log_at_debug_and_giving_up_at_info_without_secrets(
    respx_mock: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    respx_mock.get(f"{BASE}/1.1.1.1").respond(503)
    api = make_client(
        headers={"x-apikey": Secret("header-secret")},
        params={"access_key": "plain-query-key"},
        masked_params=["access_key"],
        retry=RetryPolicy(instant=True, max_attempts=3),
    )
    with (
        caplog.at_level(logging.DEBUG, logger="asisdk.http.demo"),
        pytest.raises(ServerError),
    ):
        await api.get_json("/1.1.1.1")
    retries = [r for r in caplog.records if "retrying" in r.getMessage()]
    giving_up = [r for r in caplog.records if "giving up" in r.getMessage()]
    assert [r.levelno for r in retries] == [logging.DEBUG, logging.DEBUG]  # one per retry
    assert [r.levelno for r in giving_up] == [logging.INFO]
    assert "after 3 attempt(s)" in giving_up[0].getMessage()
    assert all(r.levelno < logging.WARNING for r in caplog.records)
    for record in caplog.records:
        assert "plain-query-key" not in record.getMessage()
        assert "header-secret" not in record.getMessage()


def test_the_retry_driver_asks_the_policy() -> None:
    policy = RetryPolicy(max_attempts=3, jitter=False, backoff_initial=0.5, max_retry_after=10)
    assert policy.next_wait(1, retryable=False) is None
    assert policy.next_wait(1, retryable=True) == 0.5
    assert policy.next_wait(2, retryable=True) == 1.0
    assert policy.next_wait(3, retryable=True) is None
    assert policy.next_wait(1, retryable=True, retry_after=4.0) == 4.0
    assert policy.next_wait(1, retryable=True, retry_after=11.0) is None
