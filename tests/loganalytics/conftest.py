"""Fixtures shared by the Log Analytics tests."""

from __future__ import annotations

import pytest

from loganalytics.fake_service import self_signed


@pytest.fixture(scope="session")
def tls_material() -> tuple[bytes, bytes]:
    """A self-signed certificate and key for the TLS token endpoint (made once)."""
    return self_signed()
