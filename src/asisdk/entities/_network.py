"""Network entities: IpAddress (with GeoLocation and ThreatIntelligence), Url and Dns."""

from __future__ import annotations

import ipaddress
from typing import ClassVar
from urllib.parse import SplitResult, urlsplit

import attrs

from asisdk.entities._base import Entity, entity_field
from asisdk.entities._enums import IpType
from asisdk.errors import InvalidInputError

__all__ = [
    "Dns",
    "GeoLocation",
    "IpAddress",
    "ThreatIntelligence",
    "Url",
    "ip_type_of",
    "is_public_address",
]

IPAddressObject = ipaddress.IPv4Address | ipaddress.IPv6Address


#: Networks meant for private use: RFC 1918, RFC 6598 shared address space, IPv6 ULA.
_PRIVATE_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")
)


def ip_type_of(address: IPAddressObject) -> IpType:
    """Classify an address: public, private, loopback, link-local, multicast, ..."""
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        return ip_type_of(mapped)
    if address.is_unspecified:
        return IpType.UNSPECIFIED
    if address.is_loopback:
        return IpType.LOOPBACK
    if address.is_link_local:
        return IpType.LINK_LOCAL
    if address.is_multicast:
        return IpType.MULTICAST
    if any(address in network for network in _PRIVATE_NETWORKS):
        return IpType.PRIVATE
    if address.is_global:
        return IpType.PUBLIC
    return IpType.RESERVED  # documentation, benchmarking, 240/4, 6to4 relays, ...


def is_public_address(value: str | IPAddressObject) -> bool:
    """Whether ``value`` is an address routable on the internet (the one test asisdk uses).

    Text is stripped of brackets and of an IPv6 zone (``fe80::1%eth0``); an IPv4-mapped IPv6
    address is judged by its IPv4 address. Text that is not an address is not public.

    Examples:
        >>> is_public_address("8.8.8.8"), is_public_address("10.0.0.1")
        (True, False)
        >>> is_public_address("[::ffff:8.8.8.8]"), is_public_address("not an address")
        (True, False)
    """
    if isinstance(value, str):
        try:
            value = ipaddress.ip_address(value.strip().strip("[]").split("%", 1)[0])
        except ValueError:
            return False
    return ip_type_of(value) is IpType.PUBLIC


def _normalise_address(value: object) -> str:
    if isinstance(value, ipaddress.IPv4Address | ipaddress.IPv6Address):
        return str(value)
    if not isinstance(value, str):
        raise InvalidInputError(f"an IP address must be a string, not {type(value).__name__}")
    text = value.strip().strip("[]")
    try:
        return str(ipaddress.ip_address(text))
    except ValueError as exc:
        raise InvalidInputError(f"{value!r} is not an IPv4 or IPv6 address") from exc


@attrs.frozen(kw_only=True, eq=False, repr=False)
class GeoLocation(Entity):
    """Where an IP address is; the same fields whichever source (GeoIP database, IPStack).

    A value object: two locations are equal when all their fields are.
    """

    ENTITY_TYPE: ClassVar[str] = "geolocation"

    country_code: str | None = entity_field()
    country_name: str | None = entity_field(sentinel="CountryName")
    state: str | None = entity_field()
    city: str | None = entity_field()
    latitude: float | None = entity_field()
    longitude: float | None = entity_field()
    asn: int | None = entity_field()
    accuracy_radius: int | None = entity_field()
    time_zone: str | None = entity_field()
    postal_code: str | None = entity_field()
    continent: str | None = entity_field()
    network: str | None = entity_field()
    organization: str | None = entity_field()

    @property
    def coordinates(self) -> tuple[float, float] | None:
        """``(latitude, longitude)`` when both are known."""
        if self.latitude is None or self.longitude is None:
            return None
        return (self.latitude, self.longitude)

    @property
    def label(self) -> str:
        parts = [p for p in (self.city, self.state, self.country_name or self.country_code) if p]
        return ", ".join(parts) if parts else "unknown location"


@attrs.frozen(kw_only=True, eq=False, repr=False)
class ThreatIntelligence(Entity):
    """A threat-intelligence verdict attached to an IP address or another indicator."""

    ENTITY_TYPE: ClassVar[str] = "threatintelligence"

    provider_name: str | None = entity_field()
    threat_type: str | None = entity_field()
    threat_name: str | None = entity_field()
    threat_description: str | None = entity_field()
    confidence: float | None = entity_field()
    report_link: str | None = entity_field()


@attrs.frozen(kw_only=True, eq=False, repr=False)
class IpAddress(Entity):
    """An IPv4 or IPv6 address, with optional location and threat intelligence.

    The address is normalised (``"010.0.0.1"`` is rejected, IPv6 is compressed, brackets are
    removed). Identity: the address; location and threat intelligence are enrichment.

    Examples:
        >>> IpAddress(address="8.8.8.8").ip_type
        <IpType.PUBLIC: 'public'>

    Raises:
        InvalidInputError: the address is not an IPv4 or IPv6 address.
    """

    ENTITY_TYPE: ClassVar[str] = "ip"
    IDENTITY: ClassVar[tuple[str, ...]] = ("address",)

    address: str = entity_field(required=True, converter=_normalise_address)
    location: GeoLocation | None = entity_field(compare=False)
    threat_intelligence: tuple[ThreatIntelligence, ...] = entity_field(
        factory=tuple, converter=tuple, compare=False
    )

    @property
    def ip(self) -> IPAddressObject:
        """The address as an :mod:`ipaddress` object."""
        return ipaddress.ip_address(self.address)

    @property
    def ip_type(self) -> IpType:
        """Public, private, loopback, link-local, multicast, reserved or unspecified."""
        return ip_type_of(self.ip)

    @property
    def is_public(self) -> bool:
        """Whether the address is routable on the internet."""
        return self.ip_type is IpType.PUBLIC

    def query_params(self) -> dict[str, object]:
        """``ip_address``."""
        return {"ip_address": self.address}


@attrs.frozen(kw_only=True, eq=False, repr=False)
class Url(Entity):
    """A URL, with its parts parsed on demand. Identity: the URL (case-sensitive)."""

    ENTITY_TYPE: ClassVar[str] = "url"
    IDENTITY: ClassVar[tuple[str, ...]] = ("url",)
    CASE_SENSITIVE: ClassVar[frozenset[str]] = frozenset({"url"})

    url: str = entity_field(required=True)
    detonation_verdict: str | None = entity_field(compare=False)

    @property
    def _parts(self) -> SplitResult:
        return urlsplit(self.url.strip())

    @property
    def scheme(self) -> str:
        """``http``, ``https``, ``ftp``, ... (lower case)."""
        return self._parts.scheme.lower()

    @property
    def host(self) -> str | None:
        """The host name or address, lower case, without port or user info."""
        return self._parts.hostname

    @property
    def port(self) -> int | None:
        """The explicit port, or ``None``; an invalid port also gives ``None``."""
        try:
            return self._parts.port
        except ValueError:
            return None

    @property
    def path(self) -> str:
        """The path part."""
        return self._parts.path

    @property
    def query(self) -> str:
        """The query string without ``?``."""
        return self._parts.query

    @property
    def fragment(self) -> str:
        """The fragment without ``#``."""
        return self._parts.fragment

    def query_params(self) -> dict[str, object]:
        """``url`` and, when the host is a name, ``domain``."""
        params: dict[str, object] = {"url": self.url}
        host = self.host
        if host:
            try:
                ipaddress.ip_address(host)
            except ValueError:
                params["domain"] = host
        return params


@attrs.frozen(kw_only=True, eq=False, repr=False)
class Dns(Entity):
    """A DNS name and what it resolved to. Identity: the domain name (case-insensitive)."""

    ENTITY_TYPE: ClassVar[str] = "dns"
    IDENTITY: ClassVar[tuple[str, ...]] = ("domain_name",)

    domain_name: str = entity_field(required=True)
    ip_addresses: tuple[IpAddress, ...] = entity_field(
        factory=tuple, converter=tuple, compare=False
    )
    dns_server_ip: IpAddress | None = entity_field(compare=False)
    host_ip_address: IpAddress | None = entity_field(compare=False)

    def query_params(self) -> dict[str, object]:
        """``domain``."""
        return {"domain": self.domain_name.rstrip(".")}
