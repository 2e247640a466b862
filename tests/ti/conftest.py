"""Threat-intelligence test helpers: providers with instant retries, known keys, no config."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from asisdk._http import RequestLimits, RetryPolicy
from asisdk.config import Config
from asisdk.ti import Provider, make_provider

#: One key per provider, distinctive enough to be searched for in logs and messages.
KEYS = {
    "otx": "otx-key-5f1e0c0ffee0c0ffee0c0ffee0c0ffee0c0ffee0c0ffee0c0ffee0c0ffee0",
    "abuseipdb": "abuseipdb-key-0123456789abcdef0123456789abcdef0123456789abcdef0123",
    "greynoise": "greynoise-key-abcdefabcdefabcdef",
    "urlhaus": "abusech-auth-key-1111222233334444555566667777888899990000",
    "threatfox": "abusech-auth-key-1111222233334444555566667777888899990000",
    "malwarebazaar": "abusech-auth-key-1111222233334444555566667777888899990000",
    "misp": "misp-automation-key-aaaabbbbccccddddeeeeffff00001111",
    "virustotal": "vt-key-0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab",
}
KEYLESS = frozenset({"circl", "internetdb", "tor"})
#: Each provider's API root below the loopback server's address.
ROOTS = {
    "otx": "/api/v1",
    "abuseipdb": "/api/v2",
    "greynoise": "/v3",
    "urlhaus": "/v1",
    "threatfox": "/api/v1",
    "malwarebazaar": "/api/v1",
    "circl": "",
    "internetdb": "",
    "misp": "",
    "tor": "",
    "virustotal": "/api/v3",
}

MakeProvider = Callable[..., Provider]


@pytest.fixture
def make() -> MakeProvider:
    """``make(name, server_url, **options)``: a provider pointed at a test server."""

    def factory(name: str, url: str, **options: Any) -> Provider:
        settings: dict[str, Any] = {"retry": RetryPolicy(instant=True), "config": Config()}
        if name not in KEYLESS:
            settings["api_key"] = KEYS[name]
        if name == "virustotal":
            settings.update(requests_per_minute=None, requests_per_day=None)
        settings["base_url"] = url + ROOTS[name]
        if name not in ("virustotal", "tor") and "limits" not in options:
            settings["limits"] = RequestLimits(max_concurrency=4)
        if name == "tor":
            settings.pop("limits", None)
        settings.update(options)
        return make_provider(name, **settings)

    return factory


@pytest.fixture
def timeout() -> httpx.Timeout:
    return httpx.Timeout(0.5)
