"""VirusTotal enrichment of a triage's indicators (optional, ``--vt``)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Final

import attrs
import pandas as pd

from asisdk.entities import is_public_address
from asisdk.pipeline import _defaults

if TYPE_CHECKING:
    from asisdk.pipeline._triage import TriageResult
    from asisdk.virustotal import VirusTotalClient

__all__ = ["VT_COLUMNS", "enrich_virustotal", "vt_candidates"]

#: Columns :func:`enrich_virustotal` adds to :attr:`TriageResult.iocs`.
VT_COLUMNS: Final[tuple[str, ...]] = (
    "vt_status",
    "vt_malicious",
    "vt_suspicious",
    "vt_reputation",
    "vt_permalink",
    "vt_error",
)


def vt_candidates(iocs: pd.DataFrame, *, max_lookups: int) -> tuple[pd.DataFrame, int]:
    """The indicators worth asking VirusTotal about, in table order, at most ``max_lookups``.

    Hashes, URLs, public IPs and domains are eligible (private IPs never leave the machine).

    Returns:
        ``(chosen, eligible)``: the rows to look up and how many were eligible in all.
    """
    if iocs.empty:
        return iocs, 0
    eligible = iocs[iocs["ioc_type"].isin(_defaults.VT_TYPES)]
    is_ip = eligible["ioc_type"].isin(["ipv4", "ipv6"])
    eligible = eligible[~is_ip | eligible["observable"].map(is_public_address)]
    return eligible.head(max(0, max_lookups)), len(eligible)


async def enrich_virustotal(
    result: TriageResult,
    client: VirusTotalClient,
    *,
    max_lookups: int = _defaults.VT_MAX_LOOKUPS,
    progress: bool = False,
) -> TriageResult:
    """Look up the triage's indicators on VirusTotal; return the result with ``vt_*`` columns.

    The client paces requests under its quotas and answers from its cache first; at most
    ``max_lookups`` distinct indicators are asked (the rest get ``vt_status`` ``skipped``).
    Failures are statuses on the rows, never exceptions, except a refused key.

    Args:
        result: from :func:`run_triage`.
        client: an open :class:`~asisdk.virustotal.VirusTotalClient`.
        max_lookups: most indicators looked up.
        progress: show a tqdm bar on stderr.

    Raises:
        AuthenticationError: VirusTotal refused the key.

    Examples:
        >>> async def main(result):  # doctest: +SKIP
        ...     async with VirusTotalClient(cache="vt.sqlite") as vt:
        ...         return await enrich_virustotal(result, vt, max_lookups=10)
    """
    start = time.perf_counter()
    chosen, eligible = vt_candidates(result.iocs, max_lookups=max_lookups)
    iocs = result.iocs.copy()
    for name in VT_COLUMNS:
        iocs[name] = None
    if len(chosen):
        frame = await client.lookup_frame(
            chosen[["observable"]].reset_index(drop=True), "observable", progress=progress
        )
        answers = pd.DataFrame(
            {
                "observable": frame["observable"].to_numpy(),
                "vt_status": frame["status"].astype(str).to_numpy(),
                "vt_malicious": frame["malicious"].to_numpy(),
                "vt_suspicious": frame["suspicious"].to_numpy(),
                "vt_reputation": frame["reputation"].to_numpy(),
                "vt_permalink": frame["permalink"].to_numpy(),
                "vt_error": frame["error"].to_numpy(),
            }
        ).drop_duplicates("observable")
        iocs = iocs.drop(columns=list(VT_COLUMNS)).merge(answers, on="observable", how="left")
    eligible_mask = iocs["observable"].isin(
        vt_candidates(result.iocs, max_lookups=len(result.iocs))[0]["observable"]
    )
    iocs.loc[eligible_mask & iocs["vt_status"].isna(), "vt_status"] = "skipped"
    statuses = iocs["vt_status"].value_counts()
    malicious = int((pd.to_numeric(iocs["vt_malicious"], errors="coerce").fillna(0) > 0).sum())
    note = (
        f"looked up {len(chosen):,} of {eligible:,} eligible indicators (limit {max_lookups}): "
        + ", ".join(f"{n} {s}" for s, n in statuses.items())
        + f"; {malicious} flagged malicious by at least one engine"
    )
    done = attrs.evolve(result, iocs=iocs, vt_note=note)
    return done.with_timing("vt", time.perf_counter() - start, len(chosen))
