"""Public, immutable, uniform client configuration: policies, one keyword shape, with_options."""

from __future__ import annotations

import inspect

import attrs
import httpx
import pytest

import asisdk
import asisdk.sync
from asisdk._http import RateLimit, RequestLimits, RetryPolicy
from asisdk.errors import ConfigurationError
from asisdk.ipstack import IPStackClient
from asisdk.loganalytics import LogAnalyticsClient
from asisdk.loganalytics.auth import StaticTokenCredential
from asisdk.virustotal import VirusTotalClient

WORKSPACE = "0b1a7c6e-0000-4000-8000-000000000000"
UNIFORM = ["base_url", "retry", "limits", "timeout", "http_client", "config"]


def test_the_policies_are_public_from_asisdk() -> None:
    for name, cls in [
        ("RetryPolicy", RetryPolicy),
        ("RequestLimits", RequestLimits),
        ("RateLimit", RateLimit),
    ]:
        assert name in asisdk.__all__
        assert getattr(asisdk, name) is cls


@pytest.mark.parametrize(
    ("policy", "field", "value"),
    [
        (RetryPolicy(), "max_attempts", 9),
        (RequestLimits(), "max_concurrency", 9),
        (RateLimit(max_requests=5), "period", 1.0),
    ],
)
def test_the_policies_are_frozen(policy: object, field: str, value: object) -> None:
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        setattr(policy, field, value)


@pytest.mark.parametrize(
    "make",
    [
        lambda: RetryPolicy(max_attempts=0),
        lambda: RetryPolicy(backoff_initial=-1.0),
        lambda: RetryPolicy(max_retry_after=float("inf")),
        lambda: RateLimit(max_requests=0),
        lambda: RateLimit(max_requests=5, period=float("nan")),
        lambda: RateLimit(max_requests=5, jitter=-0.1),
        lambda: RequestLimits(max_concurrency=0),
        lambda: RequestLimits(per_day=0),
        lambda: RequestLimits(max_response_bytes=0),
    ],
)
def test_bad_values_are_configuration_errors(make: object) -> None:
    with pytest.raises(ConfigurationError):
        make()  # type: ignore[operator]


@pytest.mark.parametrize("cls", [VirusTotalClient, IPStackClient, LogAnalyticsClient])
def test_every_client_takes_one_keyword_only_shape(cls: type) -> None:
    parameters = inspect.signature(cls.__init__).parameters
    names = list(parameters)
    # the key (Log Analytics: the workspace and its credential), then the uniform options
    first = ["workspace_id", "credential"] if cls is LogAnalyticsClient else ["api_key"]
    assert names[1 : 1 + len(first)] == first
    assert names[1 + len(first) : 1 + len(first) + len(UNIFORM)] == UNIFORM
    for name in names[2:]:
        assert parameters[name].kind is inspect.Parameter.KEYWORD_ONLY


def test_with_options_returns_a_copy_sharing_nothing_mutable() -> None:
    vt = VirusTotalClient("vt-key", requests_per_minute=4, requests_per_day=500)
    fast = vt.with_options(max_concurrency=16, retry=RetryPolicy.disabled())
    assert fast is not vt
    assert (fast.limits.max_concurrency, vt.limits.max_concurrency) == (16, 4)
    assert fast.limits.rates == vt.limits.rates
    assert fast.limits.per_day == 500
    assert (fast.retry.max_attempts, vt.retry.max_attempts) == (1, 5)
    assert fast._api is not vt._api
    assert fast._api.limiter is not vt._api.limiter
    assert fast._api._headers is not vt._api._headers
    assert fast.options["api_key"].get() == "vt-key"
    assert "vt-key" not in repr(fast)
    assert "vt-key" not in repr(fast.options)
    unlimited = vt.with_options(requests_per_minute=None)
    assert unlimited.limits.rates == ()
    assert unlimited.limits.per_day == 500


def test_options_are_read_only() -> None:
    vt = VirusTotalClient("vt-key")
    with pytest.raises(TypeError):
        vt.options["base_url"] = "https://elsewhere.example"  # type: ignore[index]
    with pytest.raises(AttributeError):
        vt.limits = RequestLimits()  # type: ignore[misc]
    with pytest.raises(AttributeError):
        vt.cache = None  # type: ignore[misc]
    ipstack = IPStackClient("ip-key")
    with pytest.raises(AttributeError):
        ipstack.bulk = True  # type: ignore[misc]
    assert ipstack.with_options(bulk=True).bulk is True
    assert ipstack.bulk is False


def test_with_options_refuses_unknown_names() -> None:
    with pytest.raises(ConfigurationError, match="unknown option"):
        VirusTotalClient("vt-key").with_options(bulk=True)
    with pytest.raises(ConfigurationError):
        VirusTotalClient("vt-key").with_options(max_concurrency=0)


def test_changing_server_timeout_moves_the_read_timeout_with_it() -> None:
    la = LogAnalyticsClient(WORKSPACE, credential=StaticTokenCredential("token"))
    longer = la.with_options(server_timeout=300, max_concurrency=2)
    assert longer.server_timeout == 300
    assert la.server_timeout == 180
    assert longer._api._timeout.read == 330.0
    assert la._api._timeout.read == 210.0
    assert longer.max_concurrency == 2
    assert longer.credential is la.credential
    explicit = la.with_options(timeout=httpx.Timeout(5.0))
    assert explicit._api._timeout.read == 5.0


def test_the_blocking_door_gives_a_blocking_copy() -> None:
    with asisdk.sync.VirusTotalClient("vt-key") as vt:
        copy = vt.with_options(max_concurrency=2)
        assert isinstance(copy, asisdk.sync.VirusTotalClient)
        assert copy.limits.max_concurrency == 2
        copy.close()
