"""Raw MaxMind City records (GeoLite2, GeoIP2, DB-IP) to :class:`GeoLocation`.

Reading the raw record (``maxminddb``, the reader geoip2's ``Reader`` wraps) and building the
entity directly skips geoip2's intermediate model objects; the fields are those of geoip2's
City model (``country.iso_code``, ``subdivisions[0]``, ``location.accuracy_radius``, ...).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, Final

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


# maxminddb decodes maps to plain dicts; ``type(x) is dict`` is much cheaper than an ABC check.
_EMPTY: Final[Mapping[str, Any]] = MappingProxyType({})


def _map(node: object) -> Mapping[str, Any]:
    return node if type(node) is dict else _EMPTY


def _name(node: Mapping[str, Any], locales: Sequence[str]) -> str | None:
    names = node.get("names")
    if type(names) is dict:
        for locale in locales:
            value = names.get(locale)
            if type(value) is str and value:
                return value
    return None


def _str(value: object) -> str | None:
    return value if type(value) is str and value else None


def _float(value: object) -> float | None:
    return float(value) if type(value) is float or type(value) is int else None


def _int(value: object) -> int | None:
    return value if type(value) is int else None


def record_to_location(
    record: Mapping[str, object], network: str | None, locales: Sequence[str]
) -> GeoLocation:
    """Build a :class:`GeoLocation` from one raw City record.

    ``country`` falls back to ``registered_country`` (some networks, e.g. satellite providers,
    have only the latter); ``state`` is the most general subdivision (England, California).

    Examples:
        >>> record = {"country": {"iso_code": "GB", "names": {"en": "United Kingdom"}},
        ...           "location": {"latitude": 51.5, "longitude": -0.09}}
        >>> record_to_location(record, "81.2.69.142/31", ("en",)).label
        'United Kingdom'
    """
    country = _map(record.get("country")) or _map(record.get("registered_country"))
    subdivisions = record.get("subdivisions")
    first = _map(subdivisions[0]) if type(subdivisions) is list and subdivisions else _EMPTY
    location = _map(record.get("location"))
    traits = _map(record.get("traits"))
    return GeoLocation(
        country_code=_str(country.get("iso_code")),
        country_name=_name(country, locales),
        state=_name(first, locales) or _str(first.get("iso_code")),
        city=_name(_map(record.get("city")), locales),
        latitude=_float(location.get("latitude")),
        longitude=_float(location.get("longitude")),
        asn=_int(traits.get("autonomous_system_number")),
        accuracy_radius=_int(location.get("accuracy_radius")),
        time_zone=_str(location.get("time_zone")),
        postal_code=_str(_map(record.get("postal")).get("code")),
        continent=_str(_map(record.get("continent")).get("code")),
        network=network,
        organization=_str(traits.get("organization"))
        or _str(traits.get("autonomous_system_organization"))
        or _str(traits.get("isp")),
    )
