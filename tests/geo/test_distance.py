"""geo_distance: haversine in km over tuples, GeoLocations and located IpAddresses."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from asisdk.entities import GeoLocation, IpAddress
from asisdk.errors import InvalidInputError
from asisdk.geo import geo_distance

latitudes = st.floats(min_value=-90, max_value=90)
longitudes = st.floats(min_value=-180, max_value=180)
points = st.tuples(latitudes, longitudes)


def test_known_distances() -> None:
    assert geo_distance((48.1372, 11.5756), (52.5200, 13.4050)) == pytest.approx(504.2, abs=0.5)
    # London - New York, about 5570 km
    assert geo_distance((51.5074, -0.1278), (40.7128, -74.0060)) == pytest.approx(5570, rel=0.01)
    # antipodes: half the circumference
    assert geo_distance((0, 0), (0, 180)) == pytest.approx(20_015.1, rel=1e-3)


def test_locations_and_ip_addresses() -> None:
    london = GeoLocation(latitude=51.5142, longitude=-0.0931)
    paris = GeoLocation(latitude=48.8566, longitude=2.3522)
    ip = IpAddress(address="81.2.69.142", location=london)
    expected = geo_distance((51.5142, -0.0931), (48.8566, 2.3522))
    assert geo_distance(london, paris) == expected
    assert geo_distance(ip, paris) == expected
    assert geo_distance(ip, (48.8566, 2.3522)) == expected


def test_places_without_coordinates_are_errors() -> None:
    with pytest.raises(InvalidInputError, match="no location"):
        geo_distance(IpAddress(address="10.0.0.1"), (0, 0))
    with pytest.raises(InvalidInputError, match="no latitude"):
        geo_distance(GeoLocation(country_code="GB"), (0, 0))
    with pytest.raises(InvalidInputError, match="within"):
        geo_distance((91, 0), (0, 0))
    with pytest.raises(InvalidInputError, match="expected"):
        geo_distance(("a", "b"), (0, 0))  # type: ignore[arg-type]


@given(points, points, points)
def test_metric_properties(
    a: tuple[float, float], b: tuple[float, float], c: tuple[float, float]
) -> None:
    ab = geo_distance(a, b)
    assert ab == pytest.approx(geo_distance(b, a), abs=1e-6)
    assert 0 <= ab <= 20_015.2
    assert geo_distance(a, a) == pytest.approx(0, abs=1e-6)
    assert ab <= geo_distance(a, c) + geo_distance(c, b) + 1e-6
