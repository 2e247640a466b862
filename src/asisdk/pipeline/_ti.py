"""Threat-intelligence verdicts for a triage's indicators (optional, ``--ti otx,greynoise``).

:func:`ti_verdicts` takes the triage's indicator table (``observable`` and ``ioc_type``
columns, one row per distinct indicator) and returns one row of verdicts per indicator looked
up; :func:`enrich_ti_iocs` merges them into the table. ``ti_demote`` marks the noise a triage
should demote: indicators cleared as ``known_good`` (CIRCL hashlookup: a known file;
GreyNoise RIOT: a common business service) or ``benign`` (a GreyNoise benign scanner, an
allow-listed address) by a provider and flagged by none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import pandas as pd

from asisdk.entities import is_public_address
from asisdk.pipeline._columns import empty_table

if TYPE_CHECKING:
    from asisdk.ti import ThreatIntel

__all__ = [
    "TI_IOC_COLUMNS",
    "TI_LOOKUP_TYPES",
    "TI_MAX_LOOKUPS",
    "enrich_ti_iocs",
    "ti_candidates",
    "ti_verdicts",
]

#: Indicator types a threat-intelligence provider may be asked about.
TI_LOOKUP_TYPES: Final[tuple[str, ...]] = ("sha256", "sha1", "md5", "url", "dns", "ipv4", "ipv6")
#: Columns :func:`enrich_ti_iocs` adds (``None`` for indicators not looked up).
TI_IOC_COLUMNS: Final[tuple[str, ...]] = (
    "ti_verdict",
    "ti_severity",
    "ti_demote",
    "ti_flagged_by",
    "ti_cleared_by",
    "ti_reasons",
    "ti_errors",
)
#: Most indicators looked up per triage by default (the first ones in the table's order, which
#: is most suspicious first).
TI_MAX_LOOKUPS: Final = 200


def ti_candidates(iocs: pd.DataFrame, *, max_lookups: int = TI_MAX_LOOKUPS) -> pd.DataFrame:
    """The indicators worth asking about, in table order, at most ``max_lookups``.

    Hashes, URLs, domains and public IPs qualify; private IPs never leave the machine.

    Examples:
        >>> frame = pd.DataFrame({"observable": ["10.0.0.1", "8.8.8.8", "C:\\\\x"],
        ...                       "ioc_type": ["ipv4", "ipv4", "windows_path"]})
        >>> ti_candidates(frame)["observable"].tolist()
        ['8.8.8.8']
    """
    if iocs.empty:
        return iocs
    eligible = iocs[iocs["ioc_type"].isin(TI_LOOKUP_TYPES)]
    is_ip = eligible["ioc_type"].isin(["ipv4", "ipv6"])
    eligible = eligible[~is_ip | eligible["observable"].map(is_public_address)]
    return eligible.drop_duplicates("observable").head(max(0, max_lookups))


async def ti_verdicts(
    iocs: pd.DataFrame, ti: ThreatIntel, *, max_lookups: int = TI_MAX_LOOKUPS
) -> pd.DataFrame:
    """Look the triage's indicators up; one row per indicator asked.

    Args:
        iocs: the indicator table (``observable``, ``ioc_type``), most suspicious first.
        ti: an open :class:`~asisdk.ti.ThreatIntel` (its providers, quotas and cache).
        max_lookups: most indicators asked.

    Returns:
        Columns ``observable`` and :data:`TI_IOC_COLUMNS`; ``ti_demote`` is a bool.
        Failures are in ``ti_errors``, never exceptions.

    Examples:
        >>> async def verdicts(result, ti):  # doctest: +SKIP
        ...     return await ti_verdicts(result.iocs, ti)
    """
    chosen = ti_candidates(iocs, max_lookups=max_lookups)
    columns = ["observable", *TI_IOC_COLUMNS]
    if chosen.empty:
        return empty_table(columns)
    frame = await ti.lookup_frame(chosen[["observable"]].reset_index(drop=True), "observable")
    return frame[columns]


def enrich_ti_iocs(iocs: pd.DataFrame, verdicts: pd.DataFrame) -> pd.DataFrame:
    """``iocs`` with the :data:`TI_IOC_COLUMNS` of ``verdicts`` (left join on ``observable``).

    Indicators not looked up keep ``None`` verdicts and ``ti_demote`` False.

    Examples:
        >>> iocs = pd.DataFrame({"observable": ["a.com", "b.com"], "ioc_type": ["dns", "dns"]})
        >>> verdicts = pd.DataFrame({"observable": ["a.com"], "ti_verdict": ["known_good"],
        ...     "ti_severity": [0], "ti_demote": [True], "ti_flagged_by": [""],
        ...     "ti_cleared_by": ["circl"], "ti_reasons": [""], "ti_errors": [None]})
        >>> enrich_ti_iocs(iocs, verdicts)["ti_demote"].tolist()
        [True, False]
    """
    base = iocs.drop(columns=[c for c in TI_IOC_COLUMNS if c in iocs.columns])
    merged = base.merge(verdicts[["observable", *TI_IOC_COLUMNS]], on="observable", how="left")
    merged.index = iocs.index
    merged["ti_demote"] = merged["ti_demote"].astype("boolean").fillna(False).astype(bool)
    return merged
