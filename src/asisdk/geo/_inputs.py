"""What every source accepts as an address, and which inputs are never looked up."""

from __future__ import annotations

import ipaddress

from asisdk.entities import IpAddress, IpType
from asisdk.geo import _defaults
from asisdk.geo._records import Address, parse_address
from asisdk.geo._result import GeoResult, GeoStatus

__all__ = ["IpInput", "classify_input"]

#: What the lookups accept as one address.
IpInput = str | IpAddress | ipaddress.IPv4Address | ipaddress.IPv6Address


def classify_input(value: object, max_length: int = _defaults.MAX_ADDRESS_LENGTH) -> GeoResult:
    """A result for ``value`` that needs no lookup (invalid or non-public), else ``found``.

    The ``found`` result returned here is a placeholder carrying the parsed entity; sources
    replace it with their answer. Shared by every source so they agree on what is sent.
    """
    if isinstance(value, IpAddress):
        ip = value
        query = value.address
    else:
        query = "" if value is None else str(value)
        address: Address | None
        if isinstance(value, ipaddress.IPv4Address | ipaddress.IPv6Address):
            address = value
        elif isinstance(value, str):
            address = parse_address(value, max_length)
        else:
            address = None
        if address is None:
            shown = query if len(query) <= max_length else query[:max_length] + "..."
            return GeoResult(
                query=query,
                status=GeoStatus.INVALID,
                error=f"{shown!r} is not an IPv4 or IPv6 address",
            )
        ip = IpAddress(address=str(address))
    if ip.ip_type is not IpType.PUBLIC:
        return GeoResult(query=query, status=GeoStatus.PRIVATE, ip=ip)
    return GeoResult(query=query, status=GeoStatus.FOUND, ip=ip)
