"""The typed entity model: hosts, accounts, addresses, processes, files, alerts, events.

Entities are frozen attrs classes with snake_case fields, converted from and to Microsoft
Sentinel / Log Analytics JSON (PascalCase) by one private cattrs converter. They compare by
identity (a host is its FQDN, an IP its address), so timestamps and enrichment never make two
views of the same thing unequal; :func:`merge` combines two views of one entity.

Every entity, :class:`Alert`, :class:`Event` and :class:`TimeSpan` is a query parameter
provider (``query_params()``); :func:`merge_query_params` combines several.

Examples:
    >>> from asisdk.entities import from_sentinel_entities
    >>> hosts = from_sentinel_entities('[{"$id": "1", "Type": "host", "HostName": "web1"}]')
    >>> hosts[0].query_params()
    {'host_name': 'web1'}
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from asisdk.entities._account import Account
from asisdk.entities._alert import Alert
from asisdk.entities._base import Entity
from asisdk.entities._converter import parse_entities as _parse_entities
from asisdk.entities._enums import (
    Algorithm,
    ElevationToken,
    IpType,
    OSFamily,
    RegistryHive,
    Severity,
)
from asisdk.entities._event import Event
from asisdk.entities._file import File, FileHash
from asisdk.entities._host import Host
from asisdk.entities._misc import (
    AlertReference,
    AzureResource,
    CloudApplication,
    Mailbox,
    Malware,
    UnknownEntity,
)
from asisdk.entities._network import (
    Dns,
    GeoLocation,
    IpAddress,
    ThreatIntelligence,
    Url,
    ip_type_of,
    is_public_address,
)
from asisdk.entities._params import QueryParamProvider, merge_query_params
from asisdk.entities._process import HostLogonSession, Process
from asisdk.entities._registry import RegistryKey, RegistryValue
from asisdk.entities._time import PreciseTime, to_utc_datetime
from asisdk.entities._timespan import TimeSpan

__all__ = [
    "Account",
    "Alert",
    "AlertReference",
    "Algorithm",
    "AzureResource",
    "CloudApplication",
    "Dns",
    "ElevationToken",
    "Entity",
    "Event",
    "File",
    "FileHash",
    "GeoLocation",
    "Host",
    "HostLogonSession",
    "IpAddress",
    "IpType",
    "Mailbox",
    "Malware",
    "OSFamily",
    "PreciseTime",
    "Process",
    "QueryParamProvider",
    "RegistryHive",
    "RegistryKey",
    "RegistryValue",
    "Severity",
    "ThreatIntelligence",
    "TimeSpan",
    "UnknownEntity",
    "Url",
    "entity_from_dict",
    "from_sentinel_entities",
    "ip_type_of",
    "is_public_address",
    "merge",
    "merge_query_params",
    "to_utc_datetime",
]

_E = TypeVar("_E", bound=Entity)


def from_sentinel_entities(data: str | bytes | list[Any] | Mapping[str, Any]) -> list[Entity]:
    """Parse a bare Sentinel ``Entities`` array (JSON text or parsed) into entities.

    ``$ref`` references are resolved at any depth; entities without ``$id`` are kept; unknown
    types and objects that fail validation become :class:`UnknownEntity` with their raw data.
    Only the top-level objects are returned (nested ones are reachable from them); use
    ``Alert.from_sentinel`` for the flat list of every entity.

    Raises:
        EntityError: ``data`` is not valid JSON or not an array of objects.
    """
    return _parse_entities(data)


def entity_from_dict(data: Mapping[str, Any]) -> Entity:
    """Build one entity from a JSON object, its class chosen by ``Type``.

    Raises:
        EntityError: the object has no known ``Type`` or is not valid for it.
    """
    return Entity.from_dict(data)


def merge(a: _E, b: _E) -> _E:
    """Return ``a`` with its missing fields filled from ``b`` (see :meth:`Entity.merge`).

    Raises:
        EntityError: the two are different kinds of entity or their identities conflict.
    """
    return a.merge(b)
