"""VirusTotal API v3 lookups for high-volume batches.

:class:`VirusTotalClient` looks up IP addresses, domains, URLs and file hashes one at a time
(:meth:`~VirusTotalClient.lookup`; strings or ``IpAddress``, ``Dns``, ``Url``, ``File`` and
``FileHash`` entities), in batches (:meth:`~VirusTotalClient.lookup_many`) or in a
DataFrame column (:meth:`~VirusTotalClient.lookup_frame`); it follows relationships
(:meth:`~VirusTotalClient.relationships`) and can keep answers in a persistent
:class:`VtCache`. Each result is a :class:`VtReport` whose :class:`VtStatus` says what
happened; only a refused key raises.

Examples:
    >>> async def main() -> None:
    ...     async with VirusTotalClient(cache="vt-cache.sqlite") as vt:
    ...         reports = await vt.lookup_many(["8.8.8.8", "example.com"], progress=True)
"""

from __future__ import annotations

from asisdk.virustotal._cache import VtCache
from asisdk.virustotal._client import VirusTotalClient
from asisdk.virustotal._observables import Observable, VtKind, url_id
from asisdk.virustotal._relationships import RelationshipCursor, VtRelationships
from asisdk.virustotal._report import VtObject, VtReport, VtStatus

__all__ = [
    "Observable",
    "RelationshipCursor",
    "VirusTotalClient",
    "VtCache",
    "VtKind",
    "VtObject",
    "VtRelationships",
    "VtReport",
    "VtStatus",
    "url_id",
]
