"""Fixtures of the notebook tests: an IPython shell of their own, sample frames."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("ipywidgets", reason="the notebook extra is not installed")
pytest.importorskip("bokeh", reason="the notebook extra is not installed")

from IPython.core.interactiveshell import InteractiveShell

from asisdk.data import sample_events_frame


@pytest.fixture
def shell() -> Iterator[InteractiveShell]:
    """A fresh IPython shell that ``get_ipython()`` returns, removed afterwards."""
    InteractiveShell.clear_instance()
    instance = InteractiveShell.instance()
    yield instance
    InteractiveShell.clear_instance()


@pytest.fixture(scope="session")
def events() -> pd.DataFrame:
    """The bundled real OTRF events."""
    return sample_events_frame()


@pytest.fixture(scope="session")
def city_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small GeoLite2-City-shaped database: London and a Tokyo network."""
    from mmdb_writer import MMDBWriter
    from netaddr import IPSet

    writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoLite2-City")
    places = {
        "81.2.69.0/24": ("GB", "London", 51.5, -0.1),
        "1.0.16.0/24": ("JP", "Tokyo", 35.7, 139.7),
    }
    for network, (country, city, latitude, longitude) in places.items():
        writer.insert_network(
            IPSet([network]),
            {
                "country": {"iso_code": country, "names": {"en": country}},
                "city": {"names": {"en": city}},
                "location": {"latitude": latitude, "longitude": longitude},
            },
        )
    path = tmp_path_factory.mktemp("geo") / "test-city.mmdb"
    writer.to_db_file(str(path))
    return path
