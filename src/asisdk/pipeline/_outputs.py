"""``write_report``: every output file of a triage in one folder."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Final

import pandas as pd

from asisdk.pipeline._report import render_report
from asisdk.pipeline._stix import stix_bundle
from asisdk.pipeline._timeline import TimelineEngine
from asisdk.pipeline._triage import TriageResult

__all__ = ["OUTPUT_FILES", "write_report"]

#: The files :func:`write_report` writes, in order.
OUTPUT_FILES: Final[tuple[str, ...]] = (
    "report.html",
    "iocs.csv",
    "ioc_hits.csv",
    "decoded.csv",
    "clusters.csv",
    "events.parquet",
    "iocs.stix.json",
)


def _parquet_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """Object columns as nullable strings: files mix numbers and text in one column."""
    out = frame.copy()
    for name in out.columns:
        if out[name].dtype == object:
            out[name] = (
                out[name]
                .map(lambda v: v if v is None or isinstance(v, str) else str(v), na_action="ignore")
                .astype("string")
            )
    out.columns = [str(c) for c in out.columns]
    return out


def write_report(
    result: TriageResult,
    out_dir: str | os.PathLike[str],
    *,
    data_attribution: Sequence[str] = (),
    timeline: TimelineEngine = "auto",
) -> tuple[TriageResult, dict[str, Path]]:
    """Write report.html, the CSV files, events.parquet and iocs.stix.json to ``out_dir``.

    Args:
        result: from :func:`run_triage` (and :func:`enrich_virustotal`).
        out_dir: the folder (created when missing; files in it are replaced).
        data_attribution: credit lines of the input data, shown in the report.
        timeline: the timeline engine (see :func:`render_report`).

    Returns:
        ``(result, files)``: the result with the ``report`` stage timing added, and the path
        of every file written, by name (:data:`OUTPUT_FILES`).

    Raises:
        OSError: the folder or a file cannot be written.

    Examples:
        >>> from asisdk.data import sample_events_frame
        >>> from asisdk.pipeline import load_frame, run_triage
        >>> _, files = write_report(run_triage(load_frame(sample_events_frame())), "out")  # doctest: +SKIP
        >>> sorted(files)  # doctest: +SKIP
        ['clusters.csv', 'decoded.csv', 'events.parquet', 'ioc_hits.csv', 'iocs.csv', ...]
    """  # noqa: E501
    start = time.perf_counter()
    folder = Path(out_dir).expanduser()
    folder.mkdir(parents=True, exist_ok=True)
    files = {name: folder / name for name in OUTPUT_FILES}
    result.iocs.to_csv(files["iocs.csv"], index=False)
    result.ioc_hits.to_csv(files["ioc_hits.csv"], index=False)
    result.decoded.to_csv(files["decoded.csv"], index=False)
    result.patterns.to_csv(files["clusters.csv"], index=False)
    _parquet_ready(result.events).to_parquet(files["events.parquet"], index=True)
    bundle = stix_bundle(result.iocs)
    # stix2's own pretty printer re-orders every key in Python and is slow on big bundles.
    pretty = json.dumps(json.loads(bundle.serialize()), indent=2, ensure_ascii=False)
    files["iocs.stix.json"].write_text(pretty, encoding="utf-8")
    page = render_report(result, data_attribution=data_attribution, timeline=timeline)
    files["report.html"].write_text(page, encoding="utf-8")
    # The page shows the stages before it; the returned result has the report's time too.
    timed = result.with_timing("report", time.perf_counter() - start, len(OUTPUT_FILES))
    return timed, {name: files[name] for name in OUTPUT_FILES}
