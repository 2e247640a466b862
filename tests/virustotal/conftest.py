"""VirusTotal test helpers: a client factory with instant retries and a known key."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from asisdk._http import RetryPolicy
from asisdk.config import Config
from asisdk.virustotal import VirusTotalClient

API_KEY = "vt-test-key-0123456789abcdef0123456789abcdef"
BASE = "https://www.virustotal.com/api/v3"


@pytest.fixture
def make_vt() -> Callable[..., VirusTotalClient]:
    def factory(**kwargs: Any) -> VirusTotalClient:
        options: dict[str, Any] = {
            "api_key": API_KEY,
            "requests_per_minute": None,
            "requests_per_day": None,
            "retry": RetryPolicy(instant=True),
            "config": Config(),
        }
        options.update(kwargs)
        return VirusTotalClient(**options)

    return factory
