"""Raw MaxMind-format records (GeoLite2, GeoIP2, DB-IP) to :class:`GeoLocation`.

Reading the raw record (``maxminddb``, the reader geoip2's ``Reader`` wraps) and building the
entity directly skips geoip2's intermediate model objects. One function reads every kind of
database, since their records differ only in which keys they have: City, Country and
Enterprise records nest (``country.iso_code``, ``subdivisions[0]``, ``traits.isp``); ASN, ISP,
Anonymous-IP, Connection-Type and Domain records are flat (``autonomous_system_number``,
``is_anonymous_vpn``, ``connection_type``). Fields without a :class:`GeoLocation` attribute
of their own (EU membership, represented country, metro code, anycast and anonymity flags,
ISP, connection and user type, confidences) are kept in ``additional_data``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, Final

from asisdk._geo_frame import ANONYMITY_COLUMNS
from asisdk.entities import GeoLocation

__all__ = ["record_to_location"]

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


#: Flags kept in ``additional_data`` when true (in ``traits``, or flat in Anonymous-IP records).
_FLAGS: Final = frozenset(
    {
        "is_anycast",
        "is_satellite_provider",
        "is_anonymous_proxy",
        "is_legitimate_proxy",
        *ANONYMITY_COLUMNS,
    }
)
#: Texts kept in ``additional_data`` (in ``traits``, or flat in ISP / Connection-Type / Domain).
_TEXTS: Final = frozenset(
    {
        "isp",
        "connection_type",
        "user_type",
        "domain",
        "mobile_country_code",
        "mobile_network_code",
    }
)
#: Enterprise confidences (0-100) kept as ``<part>_confidence``.
_CONFIDENT_PARTS: Final = ("country", "city", "postal")


def _flags_and_texts(node: Mapping[str, Any], extra: dict[str, object]) -> None:
    # Only the keys a record has are looked at: a City record has few, so this stays cheap.
    for key, value in node.items():
        if value is True and key in _FLAGS:
            extra[key] = True
        elif key in _TEXTS and type(value) is str and value:
            extra.setdefault(key, value)


def _extras(
    record: Mapping[str, object],
    country: Mapping[str, Any],
    location: Mapping[str, Any],
    traits: Mapping[str, Any],
    first_subdivision: Mapping[str, Any],
) -> dict[str, object]:
    extra: dict[str, object] = {}
    if country:
        extra["is_in_european_union"] = country.get("is_in_european_union") is True
    registered = record.get("registered_country")
    if type(registered) is dict:
        extra["registered_country"] = _str(registered.get("iso_code"))
        if registered.get("is_in_european_union") is True:
            extra["registered_country_in_european_union"] = True
    represented = record.get("represented_country")
    if type(represented) is dict:
        extra["represented_country"] = _str(represented.get("iso_code"))
        extra["represented_country_type"] = _str(represented.get("type"))
    metro = location.get("metro_code")
    if type(metro) is int:
        extra["metro_code"] = metro
    if traits:
        _flags_and_texts(traits, extra)
        score = _float(traits.get("static_ip_score"))
        if score is not None:
            extra["static_ip_score"] = score
    if not country:  # flat ASN / ISP / Anonymous-IP / Connection-Type / Domain records
        _flags_and_texts(record, extra)
    elif "confidence" in country:  # Enterprise
        for part in _CONFIDENT_PARTS:
            confidence = _int(_map(record.get(part)).get("confidence"))
            if confidence is not None:
                extra[f"{part}_confidence"] = confidence
        confidence = _int(first_subdivision.get("confidence"))
        if confidence is not None:
            extra["subdivision_confidence"] = confidence
    return extra


def record_to_location(
    record: Mapping[str, object],
    network: str | None,
    locales: Sequence[str],
    *,
    extras: bool = True,
) -> GeoLocation:
    """Build a :class:`GeoLocation` from one raw record of any supported database kind.

    ``country`` falls back to ``registered_country`` (some networks, e.g. satellite providers,
    have only the latter); ``state`` is the most general subdivision (England, California);
    ``asn`` and ``organization`` come from ``traits`` (Enterprise) or the flat ASN / ISP keys.
    With ``extras=False`` the fields without an attribute of their own are not read (frames,
    which have no column for them).

    Examples:
        >>> record = {"country": {"iso_code": "GB", "names": {"en": "United Kingdom"}},
        ...           "location": {"latitude": 51.5, "longitude": -0.09}}
        >>> record_to_location(record, "81.2.69.142/31", ("en",)).label
        'United Kingdom'
        >>> asn = {"autonomous_system_number": 1221, "autonomous_system_organization": "Telstra"}
        >>> place = record_to_location(asn, "1.128.0.0/11", ("en",))
        >>> place.asn, place.organization
        (1221, 'Telstra')
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
        asn=_int(traits.get("autonomous_system_number"))
        or _int(record.get("autonomous_system_number")),
        accuracy_radius=_int(location.get("accuracy_radius")),
        time_zone=_str(location.get("time_zone")),
        postal_code=_str(_map(record.get("postal")).get("code")),
        continent=_str(_map(record.get("continent")).get("code")),
        network=network,
        organization=_str(traits.get("organization"))
        or _str(traits.get("autonomous_system_organization"))
        or _str(traits.get("isp"))
        or _str(record.get("organization"))
        or _str(record.get("autonomous_system_organization"))
        or _str(record.get("isp")),
        additional_data=_extras(record, country, location, traits, first) if extras else {},
    )
