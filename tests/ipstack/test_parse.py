"""location_from_record and the error advice on answers of IPStack's documented shape."""

from __future__ import annotations

from typing import Any

from asisdk.entities import GeoLocation
from asisdk.ipstack import location_from_record

#: A single lookup as the current apilayer docs show it (Basic plan and up): ``radius`` and
#: ``ip_routing_type`` at the top level, ``radius`` as a string.
DOCUMENTED: dict[str, Any] = {
    "ip": "134.201.250.155",
    "type": "ipv4",
    "continent_code": "NA",
    "continent_name": "North America",
    "country_code": "US",
    "country_name": "United States",
    "region_code": "CA",
    "region_name": "California",
    "city": "Los Angeles",
    "zip": "90013",
    "latitude": 34.0655517578125,
    "longitude": -118.24053955078125,
    "msa": "31100",
    "dma": "803",
    "radius": "54.05969",
    "ip_routing_type": "fixed",
    "connection_type": "tx",
    "location": {
        "geoname_id": 5368361,
        "capital": "Washington D.C.",
        "languages": [{"code": "en", "name": "English", "native": "English"}],
        "country_flag": "https://assets.ipstack.com/flags/us.svg",
        "country_flag_emoji": "\U0001f1fa\U0001f1f8",
        "country_flag_emoji_unicode": "U+1F1FA U+1F1F8",
        "calling_code": "1",
        "is_eu": False,
    },
    "time_zone": {
        "id": "America/Los_Angeles",
        "current_time": "2024-05-01T03:00:00-07:00",
        "gmt_offset": -25200,
        "code": "PDT",
        "is_daylight_saving": True,
    },
    "currency": {
        "code": "USD",
        "name": "US Dollar",
        "plural": "US dollars",
        "symbol": "$",
        "symbol_native": "$",
    },
    "connection": {
        "asn": 25876,
        "isp": "Los Angeles Department of Water & Power",
        "sld": "ladwp",
        "tld": "com",
        "carrier": "los angeles department of water & power",
        "home": None,
        "organization_type": None,
        "isic_code": None,
        "naics_code": None,
    },
}


def test_radius_string_becomes_the_accuracy_radius_in_km() -> None:
    location = location_from_record(DOCUMENTED)
    assert location is not None
    assert location.accuracy_radius == 54


def _located(**changes: Any) -> GeoLocation:
    location = location_from_record({**DOCUMENTED, **changes})
    assert location is not None
    return location


def test_radius_number_and_garbage() -> None:
    assert _located(radius=12.6).accuracy_radius == 13
    assert _located(radius="n/a").accuracy_radius is None
    assert _located(radius="-1").accuracy_radius is None
    assert _located(radius=None).accuracy_radius is None
