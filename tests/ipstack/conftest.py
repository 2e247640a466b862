"""IPStack test helpers: a client factory and an IPStack-shaped app for the loopback server."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from _support.loopback import Reply, Request
from asisdk._http import RetryPolicy
from asisdk.config import Config
from asisdk.ipstack import IPStackClient

API_KEY = "ipstack-secret-key-5f1e2d3c4b5a69788796a5b4c3d2e1f0"
BASE = "https://api.ipstack.com"

LOS_ANGELES: dict[str, Any] = {
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
    "latitude": 34.0453,
    "longitude": -118.2413,
    "location": {"geoname_id": 5368361, "capital": "Washington D.C.", "is_eu": False},
    "time_zone": {"id": "America/Los_Angeles", "gmt_offset": -25200, "code": "PDT"},
    "connection": {"asn": 25876, "isp": "Los Angeles Department of Water & Power"},
}


def record_for(ip: str) -> dict[str, Any]:
    """A deterministic located record for any address (the test server's answer)."""
    if ip == LOS_ANGELES["ip"]:
        return dict(LOS_ANGELES)
    last = sum(ord(c) for c in ip) % 80
    return {
        "ip": ip,
        "type": "ipv6" if ":" in ip else "ipv4",
        "continent_code": "EU",
        "country_code": "DE",
        "country_name": "Germany",
        "region_name": "Berlin",
        "city": "Berlin",
        "zip": "10115",
        "latitude": 52.0 + last / 100,
        "longitude": 13.4,
        "time_zone": {"id": "Europe/Berlin"},
        "connection": {"asn": 64496, "isp": "Example Carrier"},
    }


def unknown_record(ip: str) -> dict[str, Any]:
    return {
        "ip": ip,
        "type": "ipv4",
        "continent_code": None,
        "country_code": None,
        "country_name": None,
        "region_name": None,
        "city": None,
        "zip": None,
        "latitude": None,
        "longitude": None,
    }


def ipstack_error(code: int, kind: str, info: str) -> dict[str, Any]:
    return {"success": False, "error": {"code": code, "type": kind, "info": info}}


class IPStackApp:
    """Answers like api.ipstack.com: errors with HTTP 200, bulk as a JSON array."""

    def __init__(
        self,
        *,
        api_key: str = API_KEY,
        bulk_allowed: bool = True,
        unknown: frozenset[str] = frozenset(),
        invalid: frozenset[str] = frozenset(),
        monthly_limit: int | None = None,
        errors: Mapping[str, dict[str, Any]] | None = None,
    ) -> None:
        self.api_key = api_key
        self.bulk_allowed = bulk_allowed
        self.unknown = unknown
        self.invalid = invalid
        self.monthly_limit = monthly_limit
        self.errors = dict(errors or {})
        self.served = 0
        self.addresses_asked: list[str] = []

    def __call__(self, request: Request) -> Reply:
        key = request.query.get("access_key")
        if not key:
            return Reply.json(200, ipstack_error(101, "missing_access_key", "No key."))
        if key != self.api_key:
            return Reply.json(200, ipstack_error(101, "invalid_access_key", "Bad key."))
        if self.monthly_limit is not None and self.served >= self.monthly_limit:
            return Reply.json(200, ipstack_error(104, "usage_limit_reached", "Used up."))
        ips = [part for part in request.path.lstrip("/").split(",") if part]
        if len(ips) > 1 and not self.bulk_allowed:
            return Reply.json(
                200, ipstack_error(303, "batch_not_supported_on_plan", "Upgrade your plan.")
            )
        if len(ips) > 50:
            return Reply.json(200, ipstack_error(302, "too_many_ips", "Max 50."))
        for ip in ips:
            if ip in self.errors:
                return Reply.json(200, self.errors[ip])
            if ip in self.invalid:
                return Reply.json(
                    200,
                    ipstack_error(106, "invalid_ip_address", "The IP Address supplied is invalid."),
                )
        self.served += 1
        self.addresses_asked.extend(ips)
        records = [unknown_record(ip) if ip in self.unknown else record_for(ip) for ip in ips]
        return Reply(
            200,
            json.dumps(records if len(ips) > 1 else records[0]).encode(),
            {"content-type": "application/json"},
        )


MakeClient = Callable[..., IPStackClient]


@pytest.fixture
def make_client() -> MakeClient:
    def factory(**kwargs: Any) -> IPStackClient:
        options: dict[str, Any] = {
            "api_key": API_KEY,
            "requests_per_minute": None,
            "retry": RetryPolicy(instant=True),
            "config": Config(),
        }
        options.update(kwargs)
        return IPStackClient(**options)

    return factory
