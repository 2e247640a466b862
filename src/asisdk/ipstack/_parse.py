"""Sans-I/O IPStack: error answers (mostly HTTP 200) and location records."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from asisdk._http import ErrorDescription, default_error_parser
from asisdk._http._errors import json_body
from asisdk.entities import GeoLocation
from asisdk.errors import ApiStatusError, AuthenticationError, NotFoundError, QuotaExceededError
from asisdk.ipstack import _defaults

__all__ = ["body_error", "ipstack_error_parser", "location_from_record", "records_from_body"]

_ERROR_TYPES: Mapping[int, type[ApiStatusError]] = {
    _defaults.CODE_MISSING_OR_INVALID_KEY: AuthenticationError,
    _defaults.CODE_INACTIVE_USER: AuthenticationError,
    _defaults.CODE_USAGE_LIMIT: QuotaExceededError,
    _defaults.CODE_NOT_FOUND: NotFoundError,
}


def body_error(body: object) -> tuple[int | None, str] | None:
    """``(code, "type: info")`` when ``body`` is ``{"success": false, "error": {...}}``."""
    if not isinstance(body, Mapping) or body.get("success") is not False:
        return None
    error = body.get("error")
    error = error if isinstance(error, Mapping) else {}
    raw_code = error.get("code")
    code = raw_code if isinstance(raw_code, int) and not isinstance(raw_code, bool) else None
    if code is None and isinstance(raw_code, str) and raw_code.isdigit():
        code = int(raw_code)
    kind = str(error.get("type") or "error")
    info = str(error.get("info") or "no details")
    return code, f"{kind}: {info}"


def ipstack_error_parser(response: httpx.Response) -> ErrorDescription | None:
    """Describe an IPStack error answer, including the ones sent with HTTP 200.

    ``{"success": false, "error": {"code", "type", "info"}}`` is an error whatever the status;
    101/102 become :class:`~asisdk.errors.AuthenticationError`, 104
    :class:`~asisdk.errors.QuotaExceededError`, anything else an
    :class:`~asisdk.errors.ApiStatusError` whose ``service_code`` the client maps further
    (105, 303, 106). None of them is retried. Other non-2xx answers are handled as usual.

    Examples:
        >>> answer = httpx.Response(200, json={"success": False, "error": {"code": 104}})
        >>> ipstack_error_parser(answer).exception_type.__name__
        'QuotaExceededError'
    """
    if not response.is_success:
        return default_error_parser(response)
    found = body_error(json_body(response))  # a body that is not JSON: the client reports it
    if found is None:
        return None
    code, message = found
    return ErrorDescription(
        status_code=response.status_code,
        service_code=None if code is None else str(code),
        message=message,
        error_type=_ERROR_TYPES.get(code, ApiStatusError) if code is not None else ApiStatusError,
        retryable=False,
    )


def records_from_body(body: object) -> list[Mapping[str, Any]]:
    """The per-address records of a single or bulk answer (a list, or a dict of objects)."""
    if isinstance(body, Mapping):
        if "ip" in body or "success" in body:
            return [body]
        values: Sequence[object] = list(body.values())
    elif isinstance(body, list):
        values = body
    else:
        return []
    return [item for item in values if isinstance(item, Mapping)]


def _get(node: object, key: str) -> object:
    return node.get(key) if isinstance(node, Mapping) else None


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _float(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _int(value: object) -> int | None:
    number = _float(value)
    return int(number) if number is not None and number.is_integer() else None


def _radius_km(value: object) -> int | None:
    """IPStack's ``radius`` (km, often a string such as ``"54.05969"``), rounded to whole km."""
    number = _float(value)
    if number is None or number < 0 or not math.isfinite(number):
        return None
    return round(number)


#: Top-level keys that become typed :class:`GeoLocation` fields (or are the address itself).
_TYPED_KEYS = frozenset(
    {"ip", "country_code", "country_name", "region_name", "city", "latitude", "longitude"}
    | {"zip", "continent_code", "success", "error"}
)
#: Keys of nested objects that become typed fields: ``connection.asn`` / ``.isp``, ``time_zone.id``.
_TYPED_NESTED: Mapping[str, frozenset[str]] = {
    "connection": frozenset({"asn", "isp"}),
    "time_zone": frozenset({"id"}),
}


#: Extras renamed so that they cannot be read back as a typed field (``TimeZone``, ``Type``).
_RENAMED: Mapping[str, str] = {"time_zone": "time_zone_details", "type": "ip_version"}


def _extras(record: Mapping[str, Any]) -> dict[str, Any]:
    """What the record says beyond the typed fields, nulls left out.

    ``location.*`` (``capital``, ``languages``, ``calling_code``, ``geoname_id``, ``is_eu``,
    flags) is lifted to the top; ``connection``, ``currency``, ``time_zone`` (as
    ``time_zone_details``) and ``security`` stay objects, without the keys that have a typed
    field. ``radius`` is kept exact; ``type`` becomes ``ip_version``.
    """
    extras: dict[str, Any] = {}
    for key, value in record.items():
        if key in _TYPED_KEYS or value is None:
            continue
        if key == "location" and isinstance(value, Mapping):
            extras.update({k: v for k, v in value.items() if v is not None})
        elif isinstance(value, Mapping):
            typed = _TYPED_NESTED.get(key, frozenset())
            kept = {k: v for k, v in value.items() if v is not None and k not in typed}
            if kept:
                extras[_RENAMED.get(key, key)] = kept
        elif key == "radius":
            radius = _float(value)
            if radius is not None:
                extras[key] = radius
        else:
            extras[_RENAMED.get(key, key)] = value
    return extras


def location_from_record(record: Mapping[str, Any]) -> GeoLocation | None:
    """A :class:`GeoLocation` from one IPStack record; ``None`` when it locates nothing.

    IPStack answers unknown (and reserved) addresses with mostly-null fields rather than an
    error, so a record without a country and without coordinates (or with coordinates 0/0,
    which IPStack also sends for them) is "not found".

    Fields without a :class:`GeoLocation` field of their own (``is_eu``, ``capital``,
    ``languages``, ``calling_code``, ``geoname_id``, ``ip_routing_type``, ``currency``, the
    rest of ``connection`` and ``time_zone``, ...) are kept in ``additional_data``.

    Examples:
        >>> loc = location_from_record({"ip": "134.201.250.155", "country_code": "US",
        ...     "region_name": "California", "city": "Los Angeles", "latitude": 34.0453,
        ...     "longitude": -118.2413, "connection": {"asn": 25876, "isp": "LADWP"}})
        >>> loc.state, loc.asn, loc.organization
        ('California', 25876, 'LADWP')
        >>> location_from_record({"ip": "1.1.1.1", "country_code": "AU",
        ...     "location": {"is_eu": False}}).additional_data
        {'is_eu': False}
    """
    location = GeoLocation(
        country_code=_str(record.get("country_code")),
        country_name=_str(record.get("country_name")),
        state=_str(record.get("region_name")) or _str(record.get("region_code")),
        city=_str(record.get("city")),
        latitude=_float(record.get("latitude")),
        longitude=_float(record.get("longitude")),
        asn=_int(_get(record.get("connection"), "asn")),
        accuracy_radius=_radius_km(record.get("radius")),
        time_zone=_str(_get(record.get("time_zone"), "id")),
        postal_code=_str(record.get("zip")),
        continent=_str(record.get("continent_code")),
        network=None,
        organization=_str(_get(record.get("connection"), "isp")),
        additional_data=_extras(record),
    )
    if location.country_code is None and location.coordinates in (None, (0.0, 0.0)):
        return None  # IPStack fills 0/0 ("Null Island") for addresses it cannot place
    return location
