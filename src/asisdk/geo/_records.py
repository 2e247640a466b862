"""Raw MaxMind City records (GeoLite2, GeoIP2, DB-IP) to :class:`GeoLocation`.

Reading the raw record (``maxminddb``, the reader geoip2's ``Reader`` wraps) and building the
entity directly skips geoip2's intermediate model objects; the fields are those of geoip2's
City model (``country.iso_code``, ``subdivisions[0]``, ``location.accuracy_radius``, ...).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence

from asisdk.entities import GeoLocation

__all__ = ["Address", "parse_address", "record_to_location"]

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_address(text: str, max_length: int) -> Address | None:
    """The address in ``text`` (surrounding spaces and IPv6 brackets allowed), else ``None``."""
    if len(text) > max_length:
        return None
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


def _name(node: object, locales: Sequence[str]) -> str | None:
    if not isinstance(node, Mapping):
        return None
    names = node.get("names")
    if isinstance(names, Mapping):
        for locale in locales:
            value = names.get(locale)
            if isinstance(value, str) and value:
                return value
    return None


def _get(node: object, key: str) -> object:
    return node.get(key) if isinstance(node, Mapping) else None


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _float(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _int(value: object) -> int | None:
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else None


def record_to_location(
    record: Mapping[str, object], network: str | None, locales: Sequence[str]
) -> GeoLocation:
    """Build a :class:`GeoLocation` from one raw City record.

    ``country`` falls back to ``registered_country`` (some networks, e.g. satellite providers,
    have only the latter); ``state`` is the most general subdivision (England, California).

    Example:
        >>> record = {"country": {"iso_code": "GB", "names": {"en": "United Kingdom"}},
        ...           "location": {"latitude": 51.5, "longitude": -0.09}}
        >>> record_to_location(record, "81.2.69.142/31", ("en",)).label
        'United Kingdom'
    """
    country = record.get("country") or record.get("registered_country")
    subdivisions = record.get("subdivisions")
    first = subdivisions[0] if isinstance(subdivisions, list) and subdivisions else None
    location = record.get("location")
    traits = record.get("traits")
    continent = record.get("continent")
    return GeoLocation(
        country_code=_str(_get(country, "iso_code")),
        country_name=_name(country, locales),
        state=_name(first, locales) or _str(_get(first, "iso_code")),
        city=_name(record.get("city"), locales),
        latitude=_float(_get(location, "latitude")),
        longitude=_float(_get(location, "longitude")),
        asn=_int(_get(traits, "autonomous_system_number")),
        accuracy_radius=_int(_get(location, "accuracy_radius")),
        time_zone=_str(_get(location, "time_zone")),
        postal_code=_str(_get(record.get("postal"), "code")),
        continent=_str(_get(continent, "code")),
        network=network,
        organization=_str(_get(traits, "organization"))
        or _str(_get(traits, "autonomous_system_organization"))
        or _str(_get(traits, "isp")),
    )
