"""location_from_record and the error advice on answers of IPStack's documented shape."""

from __future__ import annotations

from typing import Any

import pytest
import respx

from asisdk.entities import GeoLocation
from asisdk.errors import ConfigurationError
from asisdk.geo import GeoStatus
from asisdk.ipstack import location_from_record

from .conftest import BASE, MakeClient, ipstack_error

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


#: What IPStack answers for an address it cannot place: nulls, and coordinates 0/0.
UNPLACED: dict[str, Any] = {
    "ip": "45.12.200.9",
    "type": "ipv4",
    "continent_code": None,
    "continent_name": None,
    "country_code": None,
    "country_name": None,
    "region_code": None,
    "region_name": None,
    "city": None,
    "zip": None,
    "latitude": 0,
    "longitude": 0,
    "location": {
        "geoname_id": None,
        "capital": None,
        "languages": None,
        "country_flag": None,
        "country_flag_emoji": None,
        "country_flag_emoji_unicode": None,
        "calling_code": None,
        "is_eu": None,
    },
}


def test_no_country_and_zero_coordinates_is_not_a_location() -> None:
    assert location_from_record(UNPLACED) is None
    assert location_from_record({**UNPLACED, "latitude": "0.0", "longitude": 0.0}) is None


def test_zero_coordinates_with_a_country_or_real_coordinates_stay() -> None:
    assert _located(latitude=0, longitude=0).country_code == "US"
    placed = location_from_record({**UNPLACED, "latitude": 0.0, "longitude": 6.5})
    assert placed is not None
    assert placed.coordinates == (0.0, 6.5)


async def test_unplaced_address_is_a_not_found_row(
    respx_mock: respx.MockRouter, make_client: MakeClient
) -> None:
    respx_mock.get(url__startswith=BASE).respond(200, json=UNPLACED)
    async with make_client() as client:
        [result] = await client.lookup_many([UNPLACED["ip"]])
        ip = await client.lookup(UNPLACED["ip"])
    assert result.status is GeoStatus.NOT_FOUND
    assert result.location is None
    assert ip.location is None


@pytest.mark.parametrize(
    ("kind", "says", "does_not_say"),
    [
        ("https_access_restricted", "allow_http=True", "bulk=False"),
        ("function_access_restricted", "bulk=False", "allow_http=True"),
    ],
)
async def test_error_105_advice_follows_its_type(
    respx_mock: respx.MockRouter,
    make_client: MakeClient,
    kind: str,
    says: str,
    does_not_say: str,
) -> None:
    info = {
        "https_access_restricted": "Access Restricted - Your current Subscription Plan does "
        "not support HTTPS Encryption.",
        "function_access_restricted": "Access Restricted - Your current Subscription Plan "
        "does not support this API Function.",
    }[kind]
    respx_mock.get(url__startswith=BASE).respond(200, json=ipstack_error(105, kind, info))
    async with make_client() as client:
        with pytest.raises(ConfigurationError) as caught:
            await client.lookup("8.8.8.8")
    text = str(caught.value)
    assert says in text
    assert does_not_say not in text
    assert kind in text


def test_fields_without_a_typed_home_are_kept_in_additional_data() -> None:
    location = _located()
    assert (location.asn, location.organization) == (
        25876,
        "Los Angeles Department of Water & Power",
    )
    assert location.time_zone == "America/Los_Angeles"
    extra = location.additional_data
    assert extra["is_eu"] is False
    assert extra["capital"] == "Washington D.C."
    assert extra["languages"] == [{"code": "en", "name": "English", "native": "English"}]
    assert extra["calling_code"] == "1"
    assert extra["geoname_id"] == 5368361
    assert extra["ip_routing_type"] == "fixed"
    assert extra["connection_type"] == "tx"
    assert extra["radius"] == 54.05969
    assert extra["currency"] == DOCUMENTED["currency"]
    assert extra["connection"] == {
        "sld": "ladwp",
        "tld": "com",
        "carrier": "los angeles department of water & power",
    }
    assert extra["time_zone_details"]["gmt_offset"] == -25200
    assert "id" not in extra["time_zone_details"]
    assert extra["ip_version"] == "ipv4"
    for typed in ("ip", "country_code", "latitude", "zip", "continent_code", "location"):
        assert typed not in extra
    # the extras travel with the entity's dictionary form, and come back from it
    assert location.to_dict()["is_eu"] is False
    again = GeoLocation.from_dict(location.to_dict())
    assert again == location
    assert again.additional_data == extra


def test_eu_membership_is_kept_true_too() -> None:
    berlin = {**DOCUMENTED, "country_code": "DE", "location": {"is_eu": True}}
    assert _located(**berlin).additional_data["is_eu"] is True


async def test_error_105_of_an_unknown_type_names_both_causes(
    respx_mock: respx.MockRouter, make_client: MakeClient
) -> None:
    body = {"success": False, "error": {"code": 105, "info": "Access Restricted"}}
    respx_mock.get(url__startswith=BASE).respond(200, json=body)
    async with make_client() as client:
        with pytest.raises(ConfigurationError) as caught:
            await client.lookup("8.8.8.8")
    assert "allow_http=True" in str(caught.value)
    assert "bulk=False" in str(caught.value)
