"""What every location source accepts as an address, and which inputs are never looked up.

Shared by ``asisdk.geo``'s databases and ``asisdk.ipstack``, so both agree on what is sent.
"""

from __future__ import annotations

import bisect
import ipaddress
from typing import Final, NamedTuple

import attrs

from asisdk import _defaults
from asisdk._geo_result import GeoResult, GeoStatus
from asisdk.entities import GeoLocation, IpAddress, IpType, ip_type_of

_IPV4: Final = 4

__all__ = [
    "Address",
    "Classified",
    "IpInput",
    "classify",
    "fast_ip_type",
    "located",
    "parse_address",
]

#: What the lookups accept as one address.
IpInput = str | IpAddress | ipaddress.IPv4Address | ipaddress.IPv6Address
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_address(text: str, max_length: int) -> Address | None:
    """The address in ``text`` (surrounding spaces and IPv6 brackets allowed), else ``None``."""
    if len(text) > max_length:
        return None
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


class Classified(NamedTuple):
    """One input after local checks.

    ``final`` is the whole answer for inputs never looked up (invalid or non-public); for a
    public address it is ``None`` and ``address`` (normalised text) is what to look up.
    """

    query: str
    final: GeoResult | None
    address: str
    parsed: Address | None
    entity: IpAddress | None


#: Every IPv4 block that may be non-public (IANA special-purpose registry, RFC 1918, shared
#: address space, multicast and the old class E space, widened to whole /24s and more): an
#: address outside all of them is public, without asking ``ipaddress`` (whose ``is_global``
#: is slow on many distinct addresses). A test checks the list covers ``ipaddress``'s own.
_V4_MAYBE_SPECIAL: Final = tuple(
    (int(net.network_address), int(net.broadcast_address))
    for net in sorted(
        ipaddress.IPv4Network(block)
        for block in (
            "0.0.0.0/8",
            "10.0.0.0/8",
            "100.64.0.0/10",
            "127.0.0.0/8",
            "169.254.0.0/16",
            "172.16.0.0/12",
            "192.0.0.0/24",
            "192.0.2.0/24",
            "192.31.196.0/24",
            "192.52.193.0/24",
            "192.88.99.0/24",
            "192.168.0.0/16",
            "192.175.48.0/24",
            "198.18.0.0/15",
            "198.51.100.0/24",
            "203.0.113.0/24",
            "224.0.0.0/3",
        )
    )
)
_V4_STARTS: Final = tuple(start for start, _ in _V4_MAYBE_SPECIAL)


def fast_ip_type(address: Address) -> IpType:
    """:func:`asisdk.entities.ip_type_of`, with a shortcut for the common public IPv4 address.

    An IPv4 address outside every block of :data:`_V4_MAYBE_SPECIAL` is public; any other
    address takes the full classification. A property test keeps the two equal.
    """
    if address.version == _IPV4:
        value = int(address)
        index = bisect.bisect_right(_V4_STARTS, value) - 1
        if index < 0 or value > _V4_MAYBE_SPECIAL[index][1]:
            return IpType.PUBLIC
    return ip_type_of(address)


def classify(value: object, max_length: int = _defaults.MAX_ADDRESS_LENGTH) -> Classified:
    """Parse and classify one input; shared by every source so they agree on what is sent."""
    entity: IpAddress | None = None
    parsed: Address | None
    if isinstance(value, IpAddress):
        entity = value
        query = value.address
        parsed = value.ip
    else:
        query = "" if value is None else str(value)
        if isinstance(value, ipaddress.IPv4Address | ipaddress.IPv6Address):
            parsed = value
        elif isinstance(value, str):
            parsed = parse_address(value, max_length)
        else:
            parsed = None
        if parsed is None:
            shown = query if len(query) <= max_length else query[:max_length] + "..."
            invalid = GeoResult(
                query=query,
                status=GeoStatus.INVALID,
                error=f"{shown!r} is not an IPv4 or IPv6 address",
            )
            return Classified(query, invalid, "", None, None)
    ip_type = fast_ip_type(parsed)
    if ip_type is not IpType.PUBLIC:
        # the converter takes ipaddress objects as they are (no second parse)
        ip = entity if entity is not None else IpAddress(address=parsed)  # type: ignore[arg-type]
        private = GeoResult(query=query, status=GeoStatus.PRIVATE, ip=ip, ip_type=ip_type)
        return Classified(query, private, ip.address, parsed, entity)
    return Classified(query, None, str(parsed), parsed, entity)


def located(
    item: Classified, status: GeoStatus, location: GeoLocation | None, error: str | None
) -> GeoResult:
    """The result of a public address once its source answered."""
    if item.entity is not None:
        ip = item.entity if location is None else attrs.evolve(item.entity, location=location)
    else:
        ip = IpAddress(address=item.parsed, location=location)  # type: ignore[arg-type]
    return GeoResult(query=item.query, status=status, ip=ip, ip_type=IpType.PUBLIC, error=error)
