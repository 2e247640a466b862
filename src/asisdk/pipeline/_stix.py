"""The STIX 2.1 bundle of a triage's indicators, built with the ``stix2`` library."""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

import pandas as pd
import stix2

from asisdk import __version__
from asisdk.pipeline import _defaults

__all__ = ["stix_bundle"]

_HASH_NAMES: Final = {"md5": "MD5", "sha1": "SHA-1", "sha256": "SHA-256"}
#: The observable class and pattern object of each indicator type known by its value.
_VALUE_TYPES: Final[dict[str, tuple[Any, str]]] = {
    "ipv4": (stix2.IPv4Address, "ipv4-addr"),
    "ipv6": (stix2.IPv6Address, "ipv6-addr"),
    "dns": (stix2.DomainName, "domain-name"),
    "url": (stix2.URL, "url"),
    "email": (stix2.EmailAddress, "email-addr"),
}


def _quote(value: str) -> str:
    """A STIX pattern string literal: backslash and quote escaped."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _observable(ioc_type: str, value: str) -> tuple[Any, str] | None:
    if ioc_type in _VALUE_TYPES:
        observable, name = _VALUE_TYPES[ioc_type]
        return observable(value=value), f"[{name}:value = {_quote(value)}]"
    if ioc_type in _HASH_NAMES:
        name = _HASH_NAMES[ioc_type]
        return stix2.File(hashes={name: value}), f"[file:hashes.'{name}' = {_quote(value)}]"
    return None


def _time(value: object, fallback: dt.datetime) -> dt.datetime:
    if isinstance(value, pd.Timestamp) and not pd.isna(value):
        return value.floor("ms").to_pydatetime()
    return fallback


def stix_bundle(
    iocs: pd.DataFrame,
    *,
    types: tuple[str, ...] = _defaults.STIX_TYPES,
    created: dt.datetime | None = None,
) -> stix2.Bundle:
    """A STIX 2.1 bundle: an observable and an indicator for each distinct indicator.

    Each indicator has a STIX pattern (``[ipv4-addr:value = '203.0.113.9']``), ``valid_from``
    its first sighting (else ``created``), a description with its event count and where it
    was found, and a ``based-on`` relationship to its observable. An ``identity`` for asisdk
    is the creator. File paths, registry keys and other types not in ``types`` are left out.

    Args:
        iocs: one row per distinct indicator (``ioc_type``, ``observable``, ``events``,
            ``sources``, ``first_seen``), e.g. :attr:`TriageResult.iocs`.
        types: the indicator types written.
        created: the creation time of the objects (default: now).

    Returns:
        A ``stix2.Bundle`` (``bundle.serialize(pretty=True)`` gives the JSON).

    Examples:
        >>> import pandas as pd
        >>> table = pd.DataFrame({"ioc_type": ["ipv4"], "observable": ["203.0.113.9"],
        ...                       "events": [2], "sources": ["original"],
        ...                       "first_seen": [pd.NaT]})
        >>> print(*(o.type for o in stix_bundle(table).objects))
        identity ipv4-addr indicator relationship
    """
    now = created or dt.datetime.now(dt.UTC)
    identity = stix2.Identity(
        name=f"asisdk {__version__} triage", identity_class="system", created=now, modified=now
    )
    objects: list[Any] = [identity]
    wanted = iocs[iocs["ioc_type"].isin(types)] if len(iocs) else iocs
    for row in wanted.itertuples(index=False):
        built = _observable(str(row.ioc_type), str(row.observable))
        if built is None:
            continue
        observable, pattern = built
        indicator = stix2.Indicator(
            name=f"{row.ioc_type} {row.observable}"[:250],
            description=f"Seen in {row.events} event(s); found in the {row.sources} text.",
            pattern=pattern,
            pattern_type="stix",
            valid_from=_time(row.first_seen, now),
            created=now,
            modified=now,
            created_by_ref=identity.id,
            indicator_types=["unknown"],
        )
        relationship = stix2.Relationship(
            indicator,
            "based-on",
            observable,
            created=now,
            modified=now,
            created_by_ref=identity.id,
        )
        objects.extend([observable, indicator, relationship])
    return stix2.Bundle(objects=objects, allow_custom=False)
