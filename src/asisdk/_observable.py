"""What can be looked up, and the value an entity is looked up by.

Shared by ``asisdk.virustotal`` and ``asisdk.ti``, so both read an entity the same way.
"""

from __future__ import annotations

from typing import Final, Literal

from asisdk.entities import Dns, File, FileHash, IpAddress, Url

__all__ = ["MAX_OBSERVABLE_LENGTH", "Observable", "entity_value"]

#: What can be looked up: a string (IP, domain, URL or hash) or an entity carrying one.
Observable = str | IpAddress | Dns | Url | File | FileHash
#: Longest observable looked up; longer ones are ``invalid`` without a request.
MAX_OBSERVABLE_LENGTH: Final = 8192


def entity_value(value: object) -> tuple[str | None, Literal["ip", "dns", "url", "hash"]] | None:
    """``(value, kind)`` of an entity, ``None`` when ``value`` is no entity.

    The value is ``IpAddress.address``, ``Dns.domain_name``, ``Url.url``, ``File.sha256``
    (else ``sha1``, ``md5``, its first ``file_hashes``) or ``FileHash.value``.

    Examples:
        >>> entity_value(Dns(domain_name="example.com")), entity_value("example.com")
        (('example.com', 'dns'), None)
    """
    if isinstance(value, IpAddress):
        return value.address, "ip"
    if isinstance(value, Dns):
        return value.domain_name, "dns"
    if isinstance(value, Url):
        return value.url, "url"
    if isinstance(value, File):
        hashes = [value.sha256, value.sha1, value.md5, *(h.value for h in value.file_hashes)]
        return next((h for h in hashes if h), None), "hash"
    if isinstance(value, FileHash):
        return value.value, "hash"
    return None
