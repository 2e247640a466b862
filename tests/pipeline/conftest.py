"""Pipeline fixtures: the sample triaged once, MaxMind's real GeoIP test database."""

from __future__ import annotations

from pathlib import Path

import pytest

from asisdk.data import sample_events_frame
from asisdk.executors import InlineExecutor
from asisdk.pipeline import TriageResult, load_frame, run_triage


@pytest.fixture(scope="session")
def sample_result() -> TriageResult:
    """The bundled sample triaged once, in-process, without geolocation."""
    return run_triage(load_frame(sample_events_frame()), executor=InlineExecutor())


@pytest.fixture(scope="session")
def geo_test_db(shared_data: Path) -> Path:
    """MaxMind's official City test database (81.2.69.142 is London)."""
    return shared_data / "geoip" / "GeoLite2-City-Test.mmdb"
