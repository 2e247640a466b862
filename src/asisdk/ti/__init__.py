"""Threat intelligence over many providers: one lookup, per-item statuses, one cache.

:class:`ThreatIntel` asks VirusTotal, AlienVault OTX, AbuseIPDB, GreyNoise Community,
abuse.ch (URLhaus, ThreatFox, MalwareBazaar), CIRCL hashlookup, Shodan InternetDB, the Tor exit
list and MISP about IP addresses, domains, URLs and file hashes (strings or entities). Each
provider is asked only about the types it takes, within its documented quota, and all run
concurrently; private addresses never leave the machine. Every (observable, provider) pair
gets a :class:`TiResult` (status, normalised :class:`Verdict`, 0-100 severity, the provider's
reasons, raw answer, permalink); a :class:`TiReport` merges them (worst verdict, who said
what, whether a triage should demote it as known-good noise).

Examples:
    >>> async def main() -> None:
    ...     async with ThreatIntel(["greynoise", "circl", "tor"], cache="ti.sqlite") as ti:
    ...         reports = await ti.lookup_many(["8.8.8.8", "185.220.101.1"])
    ...         frame = reports.to_frame()
"""

from __future__ import annotations

from asisdk.ti._abusech import MalwareBazaarProvider, ThreatFoxProvider, UrlhausProvider
from asisdk.ti._abuseipdb import AbuseIpdbProvider
from asisdk.ti._cache import TiCache
from asisdk.ti._circl import CirclHashlookupProvider
from asisdk.ti._client import ThreatIntel
from asisdk.ti._greynoise import GreyNoiseProvider
from asisdk.ti._internetdb import InternetDbProvider
from asisdk.ti._misp import MispProvider
from asisdk.ti._model import (
    DEMOTING_VERDICTS,
    TI_COLUMNS,
    TI_MERGED_COLUMNS,
    TiReport,
    TiReports,
    TiResult,
    TiStatus,
    Verdict,
)
from asisdk.ti._observables import Observable, TiObservable, to_observable
from asisdk.ti._otx import OtxProvider
from asisdk.ti._provider import Answer, HttpProvider, Provider
from asisdk.ti._registry import PROVIDER_NAMES, available_providers, make_provider
from asisdk.ti._tor import TorExitProvider
from asisdk.ti._virustotal import VirusTotalProvider

__all__ = [
    "DEMOTING_VERDICTS",
    "PROVIDER_NAMES",
    "TI_COLUMNS",
    "TI_MERGED_COLUMNS",
    "AbuseIpdbProvider",
    "Answer",
    "CirclHashlookupProvider",
    "GreyNoiseProvider",
    "HttpProvider",
    "InternetDbProvider",
    "MalwareBazaarProvider",
    "MispProvider",
    "Observable",
    "OtxProvider",
    "Provider",
    "ThreatFoxProvider",
    "ThreatIntel",
    "TiCache",
    "TiObservable",
    "TiReport",
    "TiReports",
    "TiResult",
    "TiStatus",
    "TorExitProvider",
    "UrlhausProvider",
    "Verdict",
    "VirusTotalProvider",
    "available_providers",
    "make_provider",
    "to_observable",
]
