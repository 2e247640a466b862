"""Locate IP addresses with the IPStack API (online; needs an access key).

:class:`IPStackClient` returns the same ``IpAddress`` / ``GeoLocation`` entities and the same
:class:`~asisdk.geo.GeoResult` statuses and frame columns as :class:`asisdk.geo.GeoIpDatabase`,
so code downstream does not care which source located an address.

Examples:
    >>> async def main() -> None:
    ...     async with IPStackClient() as ipstack:  # key from ASISDK_IPSTACK_API_KEY
    ...         results = await ipstack.lookup_many(["134.201.250.155", "10.0.0.1"])
"""

from __future__ import annotations

from asisdk.ipstack._client import IPStackClient
from asisdk.ipstack._parse import ipstack_error_parser, location_from_record

__all__ = ["IPStackClient", "ipstack_error_parser", "location_from_record"]
