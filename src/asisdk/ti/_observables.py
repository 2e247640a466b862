"""Observables: typing with the IoC classifier, normalisation, private-address guard (pure).

A value (string or entity) becomes a :class:`TiObservable`: its IoC type from
:func:`asisdk.ioc.classify` (defanged spellings refanged), its normalised value (the
de-duplication and cache key) and whether it may leave the machine. Private, loopback,
link-local, reserved and documentation addresses (and URLs on such hosts) are never sent.
"""

from __future__ import annotations

import ipaddress
from typing import Final
from urllib.parse import urlsplit

import attrs

from asisdk._observable import MAX_OBSERVABLE_LENGTH, Observable, entity_value
from asisdk.entities import is_public_address
from asisdk.ioc import classify, refang

__all__ = ["HASH_TYPES", "IP_TYPES", "Observable", "TiObservable", "to_observable"]

IP_TYPES: Final = frozenset({"ipv4", "ipv6"})
HASH_TYPES: Final = frozenset({"md5", "sha1", "sha256"})
_LOWERED: Final = frozenset({"dns", "md5", "sha1", "sha256", "sha512", "email"})


@attrs.frozen
class TiObservable:
    """A value ready for lookup, or the reason it cannot be looked up.

    Attributes:
        text: the value as given (an entity's value for entities).
        type: the IoC type, ``None`` when it could not be told.
        value: the normalised value (``None`` when invalid).
        error: why it cannot be looked up at all (``invalid``).
        private: a non-public address (or a URL on one): never sent to any provider.

    Examples:
        >>> to_observable("hxxp://evil[.]example/x").value
        'http://evil.example/x'
        >>> to_observable("10.1.2.3").private
        True
    """

    text: str
    type: str | None
    value: str | None
    error: str | None = None
    private: bool = False

    @property
    def valid(self) -> bool:
        """Whether it has a type and a value."""
        return self.error is None and self.type is not None and self.value is not None

    @property
    def key(self) -> str:
        """``"<type>:<value>"``: the de-duplication key."""
        return f"{self.type}:{self.value}"


def _is_private_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return False  # not an address at all
    return not is_public_address(text)


def _normalise(kind: str, value: str) -> str:
    if kind == "ipv4":
        return str(ipaddress.IPv4Address(".".join(str(int(p)) for p in value.split("."))))
    if kind == "ipv6":
        return str(ipaddress.IPv6Address(value.split("%", 1)[0]))
    if kind == "dns":
        return value.rstrip(".").lower()
    if kind in _LOWERED:
        return value.lower()
    return value


def _url_host_private(url: str) -> bool:
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return False
    return host is not None and _is_private_ip(host)


def to_observable(value: object) -> TiObservable:
    """Type and normalise one value (a string or an ``IpAddress``, ``Dns``, ``Url``, ``File``
    or ``FileHash`` entity).

    Examples:
        >>> to_observable("Example.COM.")
        TiObservable(text='Example.COM.', type='dns', value='example.com', error=None, private=False)
        >>> to_observable("D41D8CD98F00B204E9800998ECF8427E").type
        'md5'
        >>> to_observable("hello").error
        "cannot tell what 'hello' is (not an IP, domain, URL, hash or email)"
    """  # noqa: E501
    entity = entity_value(value)
    hint: str | None = None
    if entity is not None:
        text, carried = entity
        hint = carried if carried in ("dns", "url") else None
        if text is None:
            return TiObservable("", None, None, f"the {type(value).__name__} entity has no value")
    elif isinstance(value, str):
        text = value
    else:
        return TiObservable(
            str(value), None, None, f"expected a string, got {type(value).__name__}"
        )
    stripped = text.strip()
    if not stripped:
        return TiObservable(text, None, None, "the observable is empty")
    if len(stripped) > MAX_OBSERVABLE_LENGTH:
        return TiObservable(
            text[:200], None, None, f"the observable is {len(stripped)} characters long"
        )
    plain = refang(stripped)
    kind = classify(plain)
    if kind is None and plain.endswith("."):  # a fully qualified name: "example.com."
        plain = plain.rstrip(".")
        kind = classify(plain)
    if kind is None:
        return TiObservable(
            text,
            hint,
            None,
            f"cannot tell what {stripped[:200]!r} is (not an IP, domain, URL, hash or email)",
        )
    if kind == "imphash":  # 32 hex digits: classify already says md5 first
        kind = "md5"
    normal = _normalise(kind, plain)
    private = (kind in IP_TYPES and _is_private_ip(normal)) or (
        kind == "url" and _url_host_private(normal)
    )
    return TiObservable(text, kind, normal, None, private)
