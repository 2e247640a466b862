"""A bearer token echoed back by Log Analytics never reaches an exception or a log line."""

from __future__ import annotations

import logging

import pytest
import respx

from asisdk._http import RetryPolicy, SecretMasker
from asisdk.config import Secret
from asisdk.errors import AuthenticationError, QuerySyntaxError
from asisdk.loganalytics import LogAnalyticsClient, StaticTokenCredential

WS = "0b1a7c6e-0000-4000-8000-000000000000"
URL = f"https://api.loganalytics.io/v1/workspaces/{WS}/query"
TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.c2VjcmV0LXBheWxvYWQ.c2lnbmF0dXJl"


def _client() -> LogAnalyticsClient:
    return LogAnalyticsClient(
        WS,
        credential=StaticTokenCredential(TOKEN),
        retry=RetryPolicy(instant=True, max_attempts=2),
    )


def _echo(message: str) -> dict[str, object]:
    return {
        "error": {
            "code": "BadArgumentError",
            "message": f"bad request from token {TOKEN}",
            "correlationId": "c-1",
            "innererror": {"code": "SyntaxError", "message": message},
        }
    }


def _assert_absent(exc: BaseException, caplog: pytest.LogCaptureFixture) -> None:
    assert TOKEN not in str(exc)
    assert TOKEN not in repr(exc)
    assert all(TOKEN not in str(arg) for arg in exc.args)
    assert TOKEN not in caplog.text
    assert all(TOKEN not in record.getMessage() for record in caplog.records)


@respx.mock
async def test_400_echoing_the_bare_token_is_masked(caplog: pytest.LogCaptureFixture) -> None:
    respx.post(URL).respond(400, json=_echo(f"Authorization: {TOKEN} is not a query"))
    caplog.set_level(logging.DEBUG)
    async with _client() as la:
        with pytest.raises(QuerySyntaxError) as caught:
            await la.query("T | take 1", timespan=None)
    _assert_absent(caught.value, caplog)
    assert "***" in str(caught.value)
    assert caught.value.details
    assert all(TOKEN not in detail for detail in caught.value.details)


@respx.mock
async def test_400_with_a_plain_text_body_is_masked(caplog: pytest.LogCaptureFixture) -> None:
    respx.post(URL).respond(400, text=f"invalid header authorization=Bearer+{TOKEN}")
    caplog.set_level(logging.DEBUG)
    async with _client() as la:
        with pytest.raises(QuerySyntaxError) as caught:
            await la.query("T", timespan=None)
    _assert_absent(caught.value, caplog)


@respx.mock
async def test_403_echoing_the_bare_token_is_masked(caplog: pytest.LogCaptureFixture) -> None:
    respx.post(URL).respond(403, json=_echo(f"token {TOKEN} has no access"))
    caplog.set_level(logging.DEBUG)
    async with _client() as la:
        with pytest.raises(AuthenticationError) as caught:
            await la.query("T", timespan=None)
    _assert_absent(caught.value, caplog)


@respx.mock
async def test_retried_500_echoing_the_token_is_masked_in_logs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    respx.post(URL).respond(500, json=_echo(f"internal error for {TOKEN}"))
    caplog.set_level(logging.DEBUG)
    async with _client() as la:
        with pytest.raises(Exception) as caught:
            await la.query("T", timespan=None)
    assert "retrying" in caplog.text  # the retry path logged the error
    _assert_absent(caught.value, caplog)


@respx.mock
async def test_partial_error_in_a_200_answer_is_masked() -> None:
    body = {
        "tables": [
            {"name": "PrimaryResult", "columns": [{"name": "n", "type": "long"}], "rows": []}
        ],
        **_echo(f"partial failure for {TOKEN}"),
    }
    respx.post(URL).respond(200, json=body)
    async with _client() as la:
        result = await la.query("T", timespan=None)
    assert result.error is not None
    assert TOKEN not in result.error.message
    assert all(TOKEN not in detail for detail in result.error.details)


def test_masker_registers_the_bare_credential_of_an_authorization_value() -> None:
    masker = SecretMasker([Secret(f"Bearer {TOKEN}")])
    assert masker.text(f"a {TOKEN} b, Bearer {TOKEN}") == "a *** b, ***"
    assert SecretMasker(["Basic dXNlcjpwdw=="]).text("dXNlcjpwdw==") == "***"
    assert SecretMasker(["not a scheme"]).text("a scheme") == "a scheme"
