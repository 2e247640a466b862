"""Where located addresses are: :func:`plot_map` (bokeh, Web Mercator, tiles optional)."""

from __future__ import annotations

import math
from collections.abc import Iterable

import pandas as pd

from asisdk.entities import IpAddress
from asisdk.errors import InvalidInputError
from asisdk.notebook._defaults import PLOT_WIDTH
from asisdk.notebook._lazy import require
from asisdk.notebook._plots import BokehPlot, columns_of, show_plot

__all__ = ["plot_map"]

_EARTH_RADIUS = 6_378_137.0  # metres, the Web Mercator sphere
_MAX_LATITUDE = 85.05112878  # where Web Mercator ends
_DETAILS = ("ip", "city", "country_code", "organization", "geo_status")


def _mercator(latitude: float, longitude: float) -> tuple[float, float]:
    lat = max(-_MAX_LATITUDE, min(_MAX_LATITUDE, latitude))
    x = math.radians(longitude) * _EARTH_RADIUS
    y = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) * _EARTH_RADIUS
    return x, y


def _points(located: pd.DataFrame | Iterable[IpAddress], ip_column: str | None) -> pd.DataFrame:
    if isinstance(located, pd.DataFrame):
        missing = {"latitude", "longitude"} - set(located.columns)
        if missing:
            raise InvalidInputError(
                f"the frame has no {sorted(missing)} columns: pass the output of "
                "df.asi.geolocate(column) or GeoIpDatabase.lookup_frame"
            )
        frame = located.copy()
        if ip_column is not None:
            frame["ip"] = frame[ip_column]
    else:
        rows = []
        for item in located:
            if not isinstance(item, IpAddress):
                raise InvalidInputError(f"expected IpAddress entities, not {type(item).__name__}")
            where = item.location
            rows.append(
                {
                    "ip": item.address,
                    "latitude": where.latitude if where else None,
                    "longitude": where.longitude if where else None,
                    "city": where.city if where else None,
                    "country_code": where.country_code if where else None,
                    "organization": where.organization if where else None,
                }
            )
        frame = pd.DataFrame(rows, columns=["ip", "latitude", "longitude", *_DETAILS[1:4]])
    frame["latitude"] = pd.to_numeric(frame["latitude"], errors="coerce")
    frame["longitude"] = pd.to_numeric(frame["longitude"], errors="coerce")
    return frame.dropna(subset=["latitude", "longitude"])


def plot_map(
    located: pd.DataFrame | Iterable[IpAddress],
    *,
    ip_column: str | None = None,
    tiles: str | None = None,
    title: str = "Located addresses",
    width: int = PLOT_WIDTH,
    show: bool = True,
) -> BokehPlot:
    """Plot located addresses on a Web Mercator map, hover for address, city and network.

    Rows or entities without a location (private, not found) are left out; the title says
    how many were plotted. With no ``tiles`` the plot has axes only and needs no network; with
    ``tiles`` (an ``xyzservices`` provider name such as ``"OpenStreetMap.Mapnik"``) the
    browser fetches map tiles from that provider when it shows the plot.

    Args:
        located: the output of ``df.asi.geolocate(column)`` / ``GeoIpDatabase.lookup_frame``
            (``latitude`` and ``longitude`` columns), or located ``IpAddress`` entities.
        ip_column: the frame's address column, shown on hover.
        tiles: an xyzservices tile provider name, or ``None`` for no basemap.
        title: the plot title.
        width: plot width in pixels.
        show: show the plot in the notebook.

    Examples:
        >>> from asisdk.entities import GeoLocation, IpAddress
        >>> london = IpAddress(address="81.2.69.160",
        ...                    location=GeoLocation(city="London", latitude=51.5, longitude=-0.1))
        >>> plot_map([london, IpAddress(address="10.0.0.1")], show=False).title.text
        'Located addresses (1 of 2)'

    Raises:
        InvalidInputError: a frame without ``latitude`` / ``longitude`` or items that are not
            ``IpAddress`` entities.
    """
    items = located if isinstance(located, pd.DataFrame) else list(located)
    total = len(items)
    frame = _points(items, ip_column)
    plotting = require("bokeh.plotting")
    models = require("bokeh.models")
    coordinates = [
        _mercator(lat, lon) for lat, lon in zip(frame["latitude"], frame["longitude"], strict=True)
    ]
    frame["x"] = [x for x, _ in coordinates]
    frame["y"] = [y for _, y in coordinates]
    for column in _DETAILS:
        if column in frame.columns:
            frame[column] = frame[column].astype(object).where(frame[column].notna(), "")
        else:
            frame[column] = ""
    limit = _EARTH_RADIUS * math.pi
    plot = plotting.figure(
        title=f"{title} ({len(frame)} of {total})",
        x_axis_type="mercator",
        y_axis_type="mercator",
        x_range=(-limit, limit),
        y_range=(-limit * 0.6, limit * 0.9),
        width=width,
        height=int(width * 0.55),
        tools="pan,wheel_zoom,reset,save",
        active_scroll="wheel_zoom",
    )
    if tiles is not None:
        plot.add_tile(tiles)
    source = models.ColumnDataSource(columns_of(frame[["x", "y", *_DETAILS]]))
    plot.scatter(x="x", y="y", source=source, size=10, color="#c62828", alpha=0.8)
    plot.add_tools(
        models.HoverTool(
            tooltips=[
                ("address", "@ip"),
                ("city", "@city"),
                ("country", "@country_code"),
                ("network", "@organization"),
            ]
        )
    )
    if show:
        show_plot(plot)
    return plot
