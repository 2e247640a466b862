"""Observable kinds, detection and normalisation (pure: no I/O).

A value becomes a :class:`Target`: its :class:`VtKind`, its normalised form (the de-duplication
and cache key) and the API path, or the reason it cannot be looked up. Invalid values never
reach the network.
"""

from __future__ import annotations

import base64
import enum
import ipaddress
import re
from typing import Final
from urllib.parse import quote, urlsplit

import attrs

from asisdk._observable import MAX_OBSERVABLE_LENGTH, Observable, entity_value
from asisdk.errors import InvalidInputError
from asisdk.virustotal import _defaults

__all__ = [
    "Observable",
    "Target",
    "VtKind",
    "observable_text",
    "parse_kind",
    "resolve_target",
    "url_id",
]


class VtKind(enum.StrEnum):
    """The kinds of object VirusTotal reports on."""

    FILE = "file"
    URL = "url"
    DOMAIN = "domain"
    IP_ADDRESS = "ip_address"

    @property
    def collection(self) -> str:
        """The API collection (``files``, ``urls``, ``domains``, ``ip_addresses``)."""
        return _COLLECTIONS[self]

    @property
    def gui_segment(self) -> str:
        """The web interface path segment (``file``, ``url``, ``domain``, ``ip-address``)."""
        return _GUI_SEGMENTS[self]


_COLLECTIONS: Final = {
    VtKind.FILE: "files",
    VtKind.URL: "urls",
    VtKind.DOMAIN: "domains",
    VtKind.IP_ADDRESS: "ip_addresses",
}
_GUI_SEGMENTS: Final = {
    VtKind.FILE: "file",
    VtKind.URL: "url",
    VtKind.DOMAIN: "domain",
    VtKind.IP_ADDRESS: "ip-address",
}
#: Names other tools use for the same kinds (IoC extractors, msticpy, Sentinel entities).
_KIND_ALIASES: Final = {
    "file": VtKind.FILE,
    "files": VtKind.FILE,
    "hash": VtKind.FILE,
    "filehash": VtKind.FILE,
    "file_hash": VtKind.FILE,
    "md5": VtKind.FILE,
    "sha1": VtKind.FILE,
    "sha256": VtKind.FILE,
    "md5_hash": VtKind.FILE,
    "sha1_hash": VtKind.FILE,
    "sha256_hash": VtKind.FILE,
    "url": VtKind.URL,
    "urls": VtKind.URL,
    "domain": VtKind.DOMAIN,
    "domains": VtKind.DOMAIN,
    "dns": VtKind.DOMAIN,
    "fqdn": VtKind.DOMAIN,
    "hostname": VtKind.DOMAIN,
    "host_name": VtKind.DOMAIN,
    "ip": VtKind.IP_ADDRESS,
    "ipv4": VtKind.IP_ADDRESS,
    "ipv6": VtKind.IP_ADDRESS,
    "ip_address": VtKind.IP_ADDRESS,
    "ip_addresses": VtKind.IP_ADDRESS,
    "ipaddress": VtKind.IP_ADDRESS,
}

_HASH_LENGTHS: Final = {32: "MD5", 40: "SHA-1", 64: "SHA-256"}
_HEX: Final = re.compile(r"[0-9a-fA-F]+")
_DOTTED_NUMBERS: Final = re.compile(r"\d+(?:\.\d+){1,4}")
_IPV6_LIKE: Final = re.compile(r"[0-9a-fA-F:.%]+")
_LABEL: Final = r"(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)"
_DOMAIN: Final = re.compile(
    rf"(?:{_LABEL}\.)+(?:[a-z](?:[a-z0-9-]{{0,61}}[a-z0-9])?|xn--[a-z0-9-]{{1,59}})"
)
_MAX_DOMAIN: Final = 253
_SCHEME: Final = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://")
_UNSAFE_URL_CHARS: Final = re.compile(r"[\x00-\x20\x7f]")


def parse_kind(kind: VtKind | str | None) -> VtKind | None:
    """Read a kind given as a :class:`VtKind` or one of its common names.

    Returns ``None`` for ``None``; raises ``InvalidInputError`` (a ``ValueError``, naming the
    accepted kinds) otherwise.

    Examples:
        >>> parse_kind("ipv4"), parse_kind("sha256_hash"), parse_kind("DNS")
        (<VtKind.IP_ADDRESS: 'ip_address'>, <VtKind.FILE: 'file'>, <VtKind.DOMAIN: 'domain'>)
    """
    if kind is None or isinstance(kind, VtKind):
        return kind
    found = _KIND_ALIASES.get(str(kind).strip().lower().replace("-", "_"))
    if found is None:
        names = ", ".join(sorted(_KIND_ALIASES))
        raise InvalidInputError(f"VirusTotal cannot look up kind {kind!r}; kinds it knows: {names}")
    return found


def url_id(url: str) -> str:
    """The v3 URL identifier: unpadded URL-safe base64 of the URL.

    Examples:
        >>> url_id("https://example.com/")
        'aHR0cHM6Ly9leGFtcGxlLmNvbS8'
    """
    return base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")


@attrs.frozen
class Target:
    """A value resolved for lookup: kind and normalised key, or why it cannot be looked up.

    Attributes:
        kind: the kind, when it is known (also for some invalid values, e.g. a bad IPv4).
        key: the normalised value (lower-case hash or domain, compressed IP, stripped URL),
            or ``None`` when invalid.
        error: why the value cannot be looked up, or ``None``.
    """

    kind: VtKind | None
    key: str | None
    error: str | None = None

    @property
    def valid(self) -> bool:
        """Whether the value can be looked up."""
        return self.error is None and self.kind is not None and self.key is not None

    @property
    def cache_key(self) -> str:
        """``"<kind>:<key>"``, the de-duplication and cache key."""
        return f"{self.kind}:{self.key}"

    @property
    def path(self) -> str:
        """The object's API path, e.g. ``/domains/example.com``."""
        assert self.kind is not None
        assert self.key is not None
        ident = url_id(self.key) if self.kind is VtKind.URL else quote(self.key, safe=":")
        return f"/{self.kind.collection}/{ident}"


def _invalid(kind: VtKind | None, message: str) -> Target:
    return Target(kind, None, message)


def _as_ip(value: str) -> Target:
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return _invalid(VtKind.IP_ADDRESS, f"{value!r} is not a valid IPv4 or IPv6 address")
    return Target(VtKind.IP_ADDRESS, str(address))


def _as_hash(value: str) -> Target:
    if _HEX.fullmatch(value) and len(value) in _HASH_LENGTHS:
        return Target(VtKind.FILE, value.lower())
    return _invalid(
        VtKind.FILE,
        f"{value!r} ({len(value)} characters) is not an MD5 (32 hex), SHA-1 (40) or "
        "SHA-256 (64) hash",
    )


def _normal_domain(value: str) -> str | None:
    name = value.strip().rstrip(".").lower()
    if not name.isascii():
        try:
            name = name.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    if len(name) > _MAX_DOMAIN or not _DOMAIN.fullmatch(name):
        return None
    return name


def _as_domain(value: str) -> Target:
    name = _normal_domain(value)
    if name is None:
        return _invalid(VtKind.DOMAIN, f"{value!r} is not a valid domain name")
    return Target(VtKind.DOMAIN, name)


def _host_is_valid(host: str) -> bool:
    host = host.strip("[]")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return _normal_domain(host) is not None
    return True


def _as_url(value: str) -> Target:
    if _UNSAFE_URL_CHARS.search(value):
        return _invalid(VtKind.URL, "a URL cannot contain spaces or control characters")
    candidate = value if _SCHEME.match(value) else f"http://{value}"
    try:
        host = urlsplit(candidate).hostname
    except ValueError:
        host = None
    if not host or not _host_is_valid(host):
        return _invalid(VtKind.URL, f"{value[:200]!r} is not a URL with a valid host")
    return Target(VtKind.URL, value)


_PARSERS: Final = {
    VtKind.IP_ADDRESS: _as_ip,
    VtKind.FILE: _as_hash,
    VtKind.DOMAIN: _as_domain,
    VtKind.URL: _as_url,
}


def _detect(value: str) -> Target:
    if _SCHEME.match(value):
        return _as_url(value)
    ip = _as_ip(value)
    if ip.valid:
        return ip
    if _DOTTED_NUMBERS.fullmatch(value) or (":" in value and _IPV6_LIKE.fullmatch(value)):
        return ip  # looks like an address but is not one (999.1.1.1)
    if _HEX.fullmatch(value) and len(value) >= _defaults.MIN_HASH_LIKE_LENGTH:
        return _as_hash(value)
    domain = _as_domain(value)
    if domain.valid:
        return domain
    if "/" in value and _host_is_valid(value.split("/", 1)[0].split(":", 1)[0]):
        return _as_url(value)
    return _invalid(
        None,
        f"cannot tell whether {value[:200]!r} is an IP address, domain, URL or file hash; "
        "pass kind= if it is one",
    )


_ENTITY_KINDS: Final = {
    "ip": VtKind.IP_ADDRESS,
    "dns": VtKind.DOMAIN,
    "url": VtKind.URL,
    "hash": VtKind.FILE,
}


def observable_text(value: object) -> str:
    """The text a report shows as its ``observable``: the string, or the entity's value.

    Examples:
        >>> from asisdk.entities import Dns
        >>> observable_text(Dns(domain_name="example.com")), observable_text(8)
        ('example.com', '8')
    """
    if isinstance(value, str):
        return value
    entity = entity_value(value)
    if entity is not None:
        return entity[0] or ""
    return str(value)


def resolve_target(value: object, kind: VtKind | str | None = None) -> Target:
    """Resolve ``value`` to a :class:`Target`, detecting its kind unless ``kind`` is given.

    ``value`` is a string or an entity: ``IpAddress.address``, ``Dns.domain_name``,
    ``Url.url``, ``File.sha256`` (else ``sha1``, ``md5``, its first ``file_hashes``) or
    ``FileHash.value``, with the entity's kind unless ``kind`` says otherwise.

    Examples:
        >>> resolve_target("8.8.8.8").path
        '/ip_addresses/8.8.8.8'
        >>> resolve_target("999.1.1.1").error
        "'999.1.1.1' is not a valid IPv4 or IPv6 address"
        >>> resolve_target("Example.COM.").key
        'example.com'
    """
    try:
        wanted = parse_kind(kind)
    except ValueError as exc:
        return _invalid(None, str(exc))
    entity = entity_value(value)
    if entity is not None:
        text, entity_kind = entity[0], _ENTITY_KINDS[entity[1]]
        if text is None:
            return _invalid(
                entity_kind, f"the {type(value).__name__} entity has no hash to look up"
            )
        value, wanted = text, wanted or entity_kind
    if not isinstance(value, str):
        return _invalid(wanted, f"expected a string observable, got {type(value).__name__}")
    text = value.strip()
    if not text:
        return _invalid(wanted, "the observable is empty")
    if len(text) > MAX_OBSERVABLE_LENGTH:
        return _invalid(
            wanted,
            f"the observable is {len(text)} characters long (at most "
            f"{MAX_OBSERVABLE_LENGTH} are looked up)",
        )
    if wanted is None:
        return _detect(text)
    return _PARSERS[wanted](text)
