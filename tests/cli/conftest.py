"""CLI fixtures: a clean environment (no keys, no config file) and MaxMind's test GeoIP DB."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, shared_data: Path) -> None:
    names = (
        "ASISDK_VT_API_KEY",
        "ASISDK_VIRUSTOTAL_API_KEY",
        "ASISDK_VT_BASE_URL",
        "ASISDK_IPSTACK_API_KEY",
        "ASISDK_IPSTACK_BASE_URL",
        "ASISDK_LOGANALYTICS_TOKEN",
        "ASISDK_LOGANALYTICS_TENANT_ID",
        "ASISDK_LOGANALYTICS_CLIENT_ID",
        "ASISDK_LOGANALYTICS_CLIENT_SECRET",
        "ASISDK_LOGANALYTICS_BASE_URL",
        "ASISDK_LOCAL_DATA_PATH",
    )
    for name in names:
        monkeypatch.delenv(name, raising=False)
    config = tmp_path / "empty-config.toml"
    config.write_text("", encoding="utf-8")
    monkeypatch.setenv("ASISDK_CONFIG", str(config))
    monkeypatch.setenv("ASISDK_GEOIP_DB", str(shared_data / "geoip" / "GeoLite2-City-Test.mmdb"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
