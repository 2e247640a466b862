"""Great-circle distance between two points, locations or located addresses."""

from __future__ import annotations

import math
from typing import Final

from asisdk.entities import GeoLocation, IpAddress
from asisdk.errors import InvalidInputError

__all__ = ["EARTH_RADIUS_KM", "Place", "geo_distance"]

#: Mean Earth radius (IUGG), in kilometres.
EARTH_RADIUS_KM: Final = 6371.0088

#: Anything :func:`geo_distance` accepts as a point.
Place = tuple[float, float] | GeoLocation | IpAddress


def _coordinates(place: Place, name: str) -> tuple[float, float]:
    if isinstance(place, IpAddress):
        if place.location is None:
            raise InvalidInputError(
                f"{name}: IP address {place.address} has no location; look it up first "
                "(GeoIpDatabase.lookup or IPStackClient.lookup)"
            )
        place = place.location
    if isinstance(place, GeoLocation):
        coords = place.coordinates
        if coords is None:
            raise InvalidInputError(f"{name}: the location has no latitude/longitude")
        place = coords
    try:
        lat, lon = (float(v) for v in place)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(
            f"{name}: expected (latitude, longitude), a GeoLocation or an IpAddress, got {place!r}"
        ) from exc
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise InvalidInputError(
            f"{name}: latitude must be within [-90, 90] and longitude within [-180, 180], "
            f"got ({lat}, {lon})"
        )
    return lat, lon


def geo_distance(a: Place, b: Place) -> float:
    """Distance in kilometres between two places along the Earth's surface (haversine).

    Args:
        a: ``(latitude, longitude)`` in degrees, a :class:`~asisdk.entities.GeoLocation` or a
            located :class:`~asisdk.entities.IpAddress`.
        b: the same for the other end.

    Returns:
        The great-circle distance in km on a sphere of radius :data:`EARTH_RADIUS_KM`
        (within about 0.5% of the true ellipsoidal distance).

    Raises:
        InvalidInputError: a place has no coordinates or they are out of range.

    Examples:
        >>> round(geo_distance((48.1372, 11.5756), (52.5200, 13.4050)))  # Munich - Berlin
        504
    """
    lat1, lon1 = _coordinates(a, "a")
    lat2, lon2 = _coordinates(b, "b")
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lon2 - lon1)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
