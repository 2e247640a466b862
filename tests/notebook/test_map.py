"""plot_map: located addresses on a map, without a tile server unless asked."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from bokeh.models import ColumnDataSource, TileRenderer

from _support.chromium import open_page, requires_chromium
from asisdk.entities import GeoLocation, IpAddress
from asisdk.errors import InvalidInputError
from asisdk.geo import GeoIpDatabase
from asisdk.notebook import plot_map, save_plot
from notebook.test_timeline import RENDERED


@pytest.fixture
def located(city_db: Path) -> pd.DataFrame:
    frame = pd.DataFrame({"ip": ["81.2.69.160", "1.0.16.9", "10.0.0.1", "198.51.100.1"]})
    with GeoIpDatabase(city_db, stale_after=None) as db:
        return frame.asi.geolocate("ip", database=db)


def _data(plot: object) -> dict[str, list[object]]:
    source = next(iter(plot.select({"type": ColumnDataSource})))  # type: ignore[attr-defined]
    return {k: list(v) for k, v in source.data.items()}


def test_map_of_a_located_frame_plots_only_located_rows(located: pd.DataFrame) -> None:
    plot = plot_map(located, ip_column="ip", show=False)
    assert plot.title.text == "Located addresses (2 of 4)"
    data = _data(plot)
    assert data["ip"] == ["81.2.69.160", "1.0.16.9"]
    assert data["city"] == ["London", "Tokyo"]
    london_x, tokyo_x = data["x"]
    assert london_x == pytest.approx(-11_131.9, abs=1)  # -0.1 degrees in Web Mercator metres
    assert tokyo_x > 15_000_000
    assert not list(plot.select({"type": TileRenderer}))


def test_map_of_entities_and_tiles_on_request() -> None:
    london = IpAddress(
        address="81.2.69.160", location=GeoLocation(city="London", latitude=51.5, longitude=-0.1)
    )
    plot = plot_map(
        [london, IpAddress(address="10.0.0.1")], tiles="OpenStreetMap.Mapnik", show=False
    )
    assert _data(plot)["ip"] == ["81.2.69.160"]
    assert len(list(plot.select({"type": TileRenderer}))) == 1


def test_map_input_errors() -> None:
    with pytest.raises(InvalidInputError, match="geolocate"):
        plot_map(pd.DataFrame({"ip": ["1.1.1.1"]}), show=False)
    with pytest.raises(InvalidInputError, match="IpAddress"):
        plot_map(["1.1.1.1"], show=False)  # type: ignore[list-item]


@requires_chromium
def test_map_renders_in_chromium_without_network(located: pd.DataFrame, tmp_path: Path) -> None:
    page = save_plot(plot_map(located, ip_column="ip", show=False), tmp_path / "map.html")
    report = open_page(page, expression=RENDERED)
    assert report.errors == []
    assert report.value["canvases"] >= 1
